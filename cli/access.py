"""``lgv access``: who was shown personal data, from every service's access log, merged."""
from __future__ import annotations

import getpass
import json

import click

from cli.services import open_database
from shared import access_log, config
from shared.errors import LgvError
from shared.paging import MAX_LIMIT, decode_key


@click.command("access")
@click.option("--subject", "subject_id", default=None, help="A referral, volunteer or match id.")
@click.option("--actor", default=None, help="The reader's name (a token's --name).")
@click.option("--from", "start", default=None, help="A date or ISO timestamp (inclusive).")
@click.option("--to", "end", default=None, help="A date (inclusive) or ISO timestamp.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, MAX_LIMIT))
@click.option("--cursor", default=None, help="The next_cursor of the previous page.")
def access(subject_id: str | None, actor: str | None, start: str | None, end: str | None,
           limit: int, cursor: str | None) -> None:
    """Print the access log as GET /api/v1/audit/access answers it (JSON)."""
    filters = {name: value for name, value in
               (("subject_id", subject_id), ("actor", actor), ("from", start), ("to", end)) if value}
    try:
        after = decode_key(cursor)
        pages = []
        for service in config.SERVICES:
            with open_database(service).reading() as conn:
                pages.append(access_log.read_page(conn, service, filters, after, limit + 1))
    except LgvError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(access_log.merge(pages, limit), indent=2, ensure_ascii=False))


def operator() -> dict[str, str]:
    """Who is reading at this terminal, as the access log records it."""
    return {"kind": "operator", "id": getpass.getuser(), "role": "operator"}
