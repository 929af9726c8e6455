"""``lgv replay``: rebuild, verify, time-travel and re-publish the services' projections."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click

from cli.services import open_database
from shared import broker_users, config
from shared import replay as replaying
from shared.db import make_engine
from shared.eventstore import RECORDED
from shared.republish import republish as republish_events
from shared.unit_of_work import ServiceDatabase
from shared.validation import aware
from shared.verify import build_into
from shared.verify import verify as verify_projection


def _timestamp(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return aware(value)
    except ValueError as exc:
        raise click.BadParameter("give an ISO timestamp, e.g. 2023-01-15T09:30:00+01:00") from exc


@click.command("replay")
@click.argument("service", type=click.Choice(config.SERVICES + ("all",)))
@click.option("--verify", "check", is_flag=True,
              help="Rebuild into a scratch database and compare with the live projection; change nothing.")
@click.option("--until", type=str, callback=_timestamp,
              help="Build the projection as it stood at this moment (ISO timestamp) into --into.")
@click.option("--into", type=click.Path(dir_okay=False), help="SQLite file for --until.")
@click.option("--republish", is_flag=True, help="Re-publish the recorded events to --to.")
@click.option("--to", "queue", help="The queue --republish fills (declared durable).")
def replay(service: str, check: bool, until: datetime | None, into: str | None,
           republish: bool, queue: str | None) -> None:
    """Rebuild SERVICE's projection (or all three) from its own database alone."""
    if until is not None and not into:
        raise click.UsageError("--until needs --into FILE")
    if republish and not queue:
        raise click.UsageError("--republish needs --to QUEUE")
    failed = False
    for name in config.SERVICES if service == "all" else (service,):
        db = open_database(name)
        if check:
            failed |= not _verify(name, db)
        elif until is not None and into:
            target = into if service != "all" else into.replace(".db", f"-{name}.db")
            applied = build_into(db, make_engine(f"sqlite:///{target}"), until)
            click.echo(f"{name}: projection as of {until.isoformat()} from {applied} events in {target}")
        elif republish and queue:
            with _progress(name, replaying.count_events(db, RECORDED)) as progress:
                sent = republish_events(db, broker_users.login(name), queue, broker_users.admin_uri(), progress)
            click.echo(f"{name}: re-published {sent} recorded events to queue {queue}")
        else:
            with _progress(name, replaying.count_events(db)) as progress:
                applied = replaying.rebuild(db, progress)
            click.echo(f"{name}: rebuilt {', '.join(db.projection.table_names())} from {applied} events")
    if failed:
        raise SystemExit(1)


@contextmanager
def _progress(name: str, events: int) -> Iterator[replaying.Progress]:
    """A bar on stderr (stdout keeps the results); off a terminal click writes only its label, once."""
    with click.progressbar(length=events, label=f"{name:<10}", file=sys.stderr) as bar:
        yield bar.update


def _verify(name: str, db: ServiceDatabase) -> bool:
    with _progress(name, replaying.count_events(db)) as progress:
        checks = verify_projection(db, progress=progress)
    for check in checks:
        state = "same" if check.same else "DIFFERENT"
        click.echo(f"{name}.{check.table}: {state}  live {check.live_rows} rows{_digest(check.live_digest)}  "
                   f"rebuilt {check.rebuilt_rows} rows{_digest(check.rebuilt_digest)}")
        for row in check.only_live:
            click.echo(f"    only live:    {json.dumps(row, ensure_ascii=False)}")
        for row in check.only_rebuilt:
            click.echo(f"    only rebuilt: {json.dumps(row, ensure_ascii=False)}")
    return all(check.same for check in checks)


def _digest(digest: str | None) -> str:
    return f" {digest}" if digest else ""  # only a table read typed (it differed as stored) has one
