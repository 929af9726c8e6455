"""Migrations: an empty database at head equals the models; an older one upgrades keeping every row.

Run for every service on SQLite and on PostgreSQL. Revision 0001 is the schema at commit
8774e48 (before migrations): a database of that shape, with rows, must reach head intact.
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, insert, select, text, types

from cli.services import schemas, upgrade
from shared import migrations
from shared.config import REPO_ROOT
from shared.db import make_engine
from tests.support import postgres

DATABASES = ("referrals", "matching", "followup", "gateway")
ROWS = 3


def _upgrade(engine: Engine, name: str, revision: str = "head") -> None:
    upgrade(name, engine, revision)


def _differences(engine: Engine, service: str) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, schemas()[service])


def _value(column: Any, i: int) -> Any:
    kind = column.type
    if isinstance(kind, types.LargeBinary):
        return bytes([i]) * 8
    if isinstance(kind, types.Boolean):
        return i % 2 == 0
    if isinstance(kind, types.Integer):
        return i
    if isinstance(kind, (types.Float, types.Numeric)):
        return i + 0.5
    if isinstance(kind, types.DateTime):
        return datetime(2023, 1, i, 9, 30, tzinfo=timezone.utc)
    if isinstance(kind, types.Date):
        return date(2023, 1, i)
    text_value = f'{{"{column.name}": {i}}}'
    length = getattr(kind, "length", None)
    return text_value if not length or len(text_value) <= length else f"{column.name}-{i}"[:length]


Snapshot = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def _fill_every_table(engine: Engine) -> Snapshot:
    """Three rows in every table (foreign keys point at row i of the parent); returns them as read."""
    reflected = MetaData()
    reflected.reflect(engine)
    tables = [t for t in reflected.sorted_tables if t.name != "alembic_version"]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(insert(table), [{c.name: _value(c, i) for c in table.columns}
                                         for i in range(1, ROWS + 1)])
    return _read(engine, {t.name: [c.name for c in t.columns] for t in tables})


def _read(engine: Engine, columns: dict[str, list[str]]) -> Snapshot:
    """The rows of each table, in the columns named (those it had before an upgrade)."""
    reflected = MetaData()
    reflected.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for name, names in columns.items():
            table: Table = reflected.tables[name]
            query = select(*(table.c[n] for n in names)).order_by(*(table.c[n] for n in names))
            found[name] = (names, [tuple(row) for row in conn.execute(query)])
    return found


def _again(engine: Engine, before: Snapshot) -> Snapshot:
    return _read(engine, {name: names for name, (names, _) in before.items()})


class MigrationContract:
    """Subclassed per backend: ``fresh`` gives the URL of an empty database."""

    @pytest.mark.parametrize("service", DATABASES)
    def test_an_empty_database_migrated_to_head_equals_the_models(self, fresh: str, service: str) -> None:
        engine = make_engine(fresh)
        _upgrade(engine, service)
        assert migrations.current_revision(engine) == migrations.head_revision(service)
        differences = _differences(engine, service)
        assert not differences, (
            f"the {service} models differ from its migrations: {differences}. Add a revision: "
            "README, Migrations")

    @pytest.mark.parametrize("service", DATABASES)
    def test_a_database_at_revision_0001_with_rows_upgrades_without_losing_one(
            self, fresh: str, service: str) -> None:
        engine = make_engine(fresh)
        _upgrade(engine, service, migrations.FIRST)
        before = _fill_every_table(engine)
        _upgrade(engine, service)
        after = _again(engine, before)
        assert after == before
        assert all(len(rows) == ROWS for _, rows in after.values())
        assert not _differences(engine, service)

    @pytest.mark.parametrize("service", DATABASES)
    def test_a_database_made_before_migrations_is_taken_as_revision_0001_and_upgraded(
            self, fresh: str, service: str) -> None:
        engine = make_engine(fresh)
        _upgrade(engine, service, migrations.FIRST)
        with engine.begin() as conn:  # what create_all made: the tables, no alembic_version
            conn.execute(text("DROP TABLE alembic_version"))
        before = _fill_every_table(engine)
        _upgrade(engine, service)
        assert migrations.current_revision(engine) == migrations.head_revision(service)
        assert _again(engine, before) == before

    @pytest.mark.parametrize("service", DATABASES)
    def test_a_database_made_by_create_all_of_these_models_is_taken_as_head(self, fresh: str, service: str) -> None:
        engine = make_engine(fresh)
        for metadata in schemas()[service]:
            metadata.create_all(engine)
        _upgrade(engine, service)
        assert migrations.current_revision(engine) == migrations.head_revision(service)
        assert not _differences(engine, service)

    def test_two_instances_starting_at_once_both_come_up(self, fresh: str) -> None:
        script = ("import sys; from cli.services import open_database; open_database('followup')")
        env = {"FOLLOWUP_DATABASE_URL": fresh, "PATH": "/usr/bin:/bin"}
        starts = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
        outputs = [(p.wait(timeout=120), p.stdout.read().decode()) for p in starts if p.stdout]
        assert [code for code, _ in outputs] == [0, 0], outputs
        assert not _differences(make_engine(fresh), "followup")


class TestMigrationsOnSQLite(MigrationContract):
    @pytest.fixture
    def fresh(self, tmp_path) -> str:
        return f"sqlite:///{tmp_path / 'migrated.db'}"


class TestMigrationsOnPostgreSQL(MigrationContract):
    @pytest.fixture
    def fresh(self) -> Iterator[str]:
        name = f"lgv_test_mig_{uuid.uuid4().hex[:10]}"
        postgres.create_database(name)
        try:
            yield postgres.url_for(name)
        finally:
            postgres.drop_database(name)
