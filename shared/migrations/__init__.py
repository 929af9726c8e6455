"""Schema migrations (alembic) of every database: each service's and the gateway's, upgraded on start.

Each has its own history under ``services/<name>/migrations/`` (the databases are separate);
this package holds the one ``env.py`` they share. A service's revision 0001 is its schema as
it stood before migrations existed (commit 8774e48); the gateway's 0001 is its database as
first made. A database made by ``create_all`` before migrations (it has the ``marker`` table
but no ``alembic_version``) is stamped 0001, or head when it already matches the models, and
upgraded like any other. Two instances starting at once take turns:
the upgrade runs in one transaction behind a lock (SQLite's write lock, a PostgreSQL
advisory lock). How to add one: README, "Migrations".
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text

from shared.config import REPO_ROOT
from shared.eventstore import metadata as store_metadata

HERE = Path(__file__).resolve().parent
FIRST = "0001"  # the schema at 8774e48, made by create_all before there were migrations
LOCK_KEY = 7_400_190  # any constant: serialises concurrent upgrades of one PostgreSQL database


def versions_dir(name: str) -> Path:
    return REPO_ROOT / "services" / name / "migrations"


def target_metadata(projection_metadata: MetaData) -> list[MetaData]:
    """What the models say a service's database holds: the store's tables and its projection's."""
    return [store_metadata, projection_metadata]


def alembic_config(name: str, metadata: list[MetaData], connection: Connection | None = None) -> Config:
    """An alembic configuration for one database (no alembic.ini: everything is here)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("version_locations", str(versions_dir(name)))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["target_metadata"] = metadata
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, name: str, metadata: list[MetaData], revision: str = "head",
            marker: str = "events") -> None:
    """Bring database ``name`` to ``revision`` (default: the newest), in one locked transaction."""
    with engine.begin() as conn:  # on SQLite: BEGIN IMMEDIATE, the database's write lock
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        config = alembic_config(name, metadata, conn)
        if _made_before_migrations(conn, marker):
            # create_all made it: as the models are now (this release), or else as at 0001.
            command.stamp(config, "head" if not _differences(conn, metadata) else FIRST)
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(name: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(name, [])).get_current_head()


def next_revision_id(name: str) -> str:
    """Revisions are numbered 0001, 0002, … per database."""
    return f"{int(head_revision(name) or 0) + 1:04d}"


def _differences(conn: Connection, metadata: list[MetaData]) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))  # type: ignore[arg-type]  # a list works, as in env.py


def _made_before_migrations(conn: Connection, marker: str) -> bool:
    tables = set(inspect(conn).get_table_names())
    return marker in tables and "alembic_version" not in tables
