"""``lgv dlq``: list, inspect and re-drive the messages a service could not apply."""
from __future__ import annotations

import json
from pathlib import Path

import click

from cli.access import operator
from cli.services import open_database
from shared import access_log, broker_users, config, deadletters
from shared.errors import LgvError
from shared.redrive import redrive as redrive_letter

SERVICE = click.argument("service", type=click.Choice(config.SERVICES))


@click.group("dlq")
def dlq() -> None:
    """The dead-letter store of each service."""


@dlq.command("list")
@click.argument("service", required=False, type=click.Choice(config.SERVICES))
@click.option("--status", type=click.Choice([deadletters.OPEN, deadletters.REDRIVEN]),
              default=deadletters.OPEN, show_default=True)
@click.option("--limit", default=100, show_default=True)
def list_letters(service: str | None, status: str, limit: int) -> None:
    """One line per dead letter: id, when, routing key, why (every service when none is named)."""
    for name in (service,) if service else config.SERVICES:
        with open_database(name).reading() as conn:
            letters = deadletters.list_page(conn, status, 0, limit)
        for letter in letters:
            click.echo(f"{name:<9}  {letter['dead_letter_id']:>6}  {letter['received_at'][:19]}  "
                       f"{letter['routing_key']:<20}  {letter['error']}")
        click.echo(f"{len(letters)} {status} dead letter(s) in {name}")


@dlq.command("show")
@SERVICE
@click.argument("dead_letter_id", type=int)
def show(service: str, dead_letter_id: int) -> None:
    """The whole dead letter, body and reasons included, as JSON (recorded in the access log)."""
    db = open_database(service)
    with db.reading() as conn:
        letter = deadletters.get(conn, dead_letter_id, db.keyring)
    if letter is None:
        raise click.ClickException(f"no dead letter {dead_letter_id} in {service}")
    access_log.disclose(db.engine, operator(), kind="dead_letter", object_id=str(dead_letter_id),
                        fields=["body"])
    click.echo(json.dumps(letter, indent=2, ensure_ascii=False))


@dlq.command("redrive")
@SERVICE
@click.argument("dead_letter_id", type=int)
@click.option("--body", "body_file", type=click.Path(exists=True, dir_okay=False),
              help="A file with the fixed message body to publish instead of the original.")
def redrive(service: str, dead_letter_id: int, body_file: str | None) -> None:
    """Publish the message again (fixed, with --body) where it first came from."""
    body = Path(body_file).read_text(encoding="utf-8") if body_file else None
    try:
        letter = redrive_letter(open_database(service), broker_users.login(service), dead_letter_id, body)
    except LgvError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"re-drove dead letter {dead_letter_id} to {letter['exchange']} "
               f"({letter['routing_key']})")
