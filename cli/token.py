"""``lgv token``: issue bearer tokens for the gateway."""
from __future__ import annotations

import click

from services.gateway import tokens


@click.group()
def token() -> None:
    """Issue bearer tokens for the HTTP gateway."""


@token.command("issue")
@click.option("--role", required=True, type=click.Choice(tokens.ROLES), help="What the bearer may do.")
@click.option("--region", "regions", multiple=True, help="A region a consultant works in (repeatable).")
@click.option("--name", default=None, help="Who the token is for; recorded as the actor id.")
@click.option("--days", default=tokens.DEFAULT_DAYS, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Days until the token expires.")
def issue(role: str, regions: tuple[str, ...], name: str | None, days: float) -> None:
    """Print a signed token for ROLE (consultants need at least one --region)."""
    try:
        click.echo(tokens.issue(role, regions, name=name, days=days))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
