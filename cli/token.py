"""``lgv token``: issue, list and revoke bearer tokens for the gateway."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from services.gateway import token_registry, tokens
from services.gateway.tokens import IssuedToken
from shared.config import public_url
from shared.errors import NotFound


@click.group()
def token() -> None:
    """Issue, list and revoke bearer tokens for the HTTP gateway."""


@token.command("issue")
@click.option("--role", required=True, type=click.Choice(tokens.ROLES), help="What the bearer may do.")
@click.option("--region", "regions", multiple=True, help="A region a consultant works in (repeatable).")
@click.option("--name", required=True, help="The person (or system) the token is for; recorded as the actor id.")
@click.option("--hours", type=click.FloatRange(min=0, min_open=True),
              help="Hours until it expires (default 12; 30 days for the system role).")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), help="Days until it expires (at most 30).")
@click.option("--link", is_flag=True, help="Print a sign-in link to the web page instead of the bare token.")
def issue(role: str, regions: tuple[str, ...], name: str, hours: float | None, days: float | None,
          link: bool) -> None:
    """Print a signed token for ROLE (consultants need at least one --region)."""
    signed = issue_token(role, regions, name, hours, days)
    click.echo(sign_in_link(signed) if link else signed)


def sign_in_link(token: str) -> str:
    """The web page's address with the token in the fragment, which browsers never send."""
    return f"{public_url()}/#token={token}"


def issue_token(role: str, regions: tuple[str, ...], name: str, hours: float | None,
                days: float | None) -> str:
    """Mint and record a token; usage errors as the CLI reports them (also for ``--link``)."""
    if hours is not None and days is not None:
        raise click.UsageError("give --hours or --days, not both")
    lifetime = timedelta(hours=hours) if hours is not None else timedelta(days=days) if days is not None else None
    try:
        return token_registry.issue(role, regions, name, lifetime)
    except (ValueError, tokens.WeakSigningKey) as exc:
        raise click.UsageError(str(exc)) from None


@token.command("list")
@click.option("--all", "include_expired", is_flag=True, help="Include expired tokens.")
def list_tokens(include_expired: bool) -> None:
    """One line per issued token: id, name, role, regions, expiry, revoked."""
    for issued in token_registry.listed(include_expired):
        click.echo(_line(issued))


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    """Revoke the token TOKEN_ID (from ``lgv token list``): it answers 401 from now on."""
    try:
        revoked = token_registry.revoke(token_id)
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"revoked {_line(revoked)}")


def _line(issued: IssuedToken) -> str:
    regions = ",".join(issued.regions) or "-"
    status = issued.status(datetime.now(UTC))
    state = f"{status} {issued.revoked_at.isoformat()}" if issued.revoked_at else str(status)
    return (f"{issued.token_id}  {issued.name}  {issued.role}  {regions}  "
            f"expires {issued.expires_at.isoformat()}  {state}")
