"""``lgv db``: the databases' migrations (the services and the gateway upgrade on start anyway)."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import click
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cli.services import database_url, schemas
from cli.services import upgrade as upgrade_database
from shared import migrations
from shared.db import make_engine

NAMES = ("referrals", "matching", "followup", "gateway")
NAME = click.argument("name", type=click.Choice(NAMES))


@click.group("db")
def db() -> None:
    """Schema migrations of each service's database and the gateway's."""


@db.command("current")
def current() -> None:
    """Each database's revision and the newest one there is."""
    for name in NAMES:
        engine = make_engine(database_url(name))
        click.echo(f"{name:<10} at {migrations.current_revision(engine) or '-':<6} "
                   f"head {migrations.head_revision(name)}")


@db.command("upgrade")
@click.argument("name", required=False, type=click.Choice(NAMES))
def upgrade(name: str | None) -> None:
    """Migrate one database, or all of them, to the newest revision."""
    for each in (name,) if name else NAMES:
        upgrade_database(each, make_engine(database_url(each)))
        click.echo(f"{each}: at {migrations.head_revision(each)}")


@db.command("revision")
@NAME
@click.option("-m", "--message", required=True, help="What the revision changes, e.g. 'subject keys'.")
def revision(name: str, message: str) -> None:
    """Write the next revision of NAME from what its models add to the newest one (then read it!)."""
    metadata = schemas()[name]
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        upgrade_database(name, engine)
        with engine.begin() as conn:
            if not compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata):
                raise click.ClickException(f"the {name} models and migrations agree: nothing to add")
            config = migrations.alembic_config(name, metadata, conn)
            script = command.revision(config, message, autogenerate=True, rev_id=migrations.next_revision_id(name))
    path = script.path if script and not isinstance(script, list) else "?"
    # Generated code in the house style (ruff is a test dependency; without it, tidy by hand).
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", "--line-length", "120", path], check=False)
    subprocess.run([sys.executable, "-m", "ruff", "check", "-q", "--fix", path], check=False)
    click.echo(f"wrote {path}: read it (rename a column? alembic sees a drop and an add), then run the tests")
