"""``lgv replay``: rebuild projections from the services' own event logs."""
from __future__ import annotations

import click

from cli.services import open_database
from shared import config
from shared import replay as replaying


@click.command("replay")
@click.argument("service", type=click.Choice(config.SERVICES + ("all",)))
def replay(service: str) -> None:
    """Rebuild SERVICE's projection (or all three) from its own database alone."""
    for name in config.SERVICES if service == "all" else (service,):
        db = open_database(name)
        total = replaying.count_events(db)
        with click.progressbar(length=total, label=f"{name:<10}") as bar:
            applied = replaying.rebuild(db, bar.update)
        click.echo(f"{name}: rebuilt {', '.join(db.projection.table_names())} "
                   f"from {applied} events")
