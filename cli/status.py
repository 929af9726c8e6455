"""``lgv status``: each service's backlog, dead letters, parked events and projection position."""
from __future__ import annotations

import click

from cli.services import open_database
from shared import config
from shared.status import figures

COLUMNS = (("outbox_backlog", "backlog"), ("dead_letters_open", "dead letters"), ("parked_events", "parked"),
           ("projection_position", "position"), ("last_applied_at", "last event at"))


@click.command("status")
def status() -> None:
    """One line per service, read from its own database."""
    click.echo(f"{'service':<10}" + "".join(f"{title:>14}" for _, title in COLUMNS[:-1]) + f"  {COLUMNS[-1][1]}")
    for service in config.SERVICES:
        with open_database(service).reading() as conn:
            found = figures(conn)
        numbers = "".join(f"{found[key]:>14}" for key, _ in COLUMNS[:-1])
        click.echo(f"{service:<10}{numbers}  {(found['last_applied_at'] or '-')[:19]}")
