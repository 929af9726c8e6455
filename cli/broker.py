"""``lgv broker``: the broker users of CONTRACTS.md §4.1, and the URI to hand an integrator."""
from __future__ import annotations

import click

from shared import broker_users
from shared.broker_users import BrokerLoginMissing


@click.group("broker")
def broker() -> None:
    """RabbitMQ users: one per service, the gateway, and intake for integrators."""


@broker.command("provision")
def provision() -> None:
    """Create or update every role's user and permissions, from RABBITMQ_ADMIN_URI."""
    from deploy import provision as provisioning

    try:
        users = provisioning.provision()
    except BrokerLoginMissing as exc:
        raise click.ClickException(str(exc)) from exc
    for role, name in users.items():
        click.echo(f"{role:<10} {name}")


@broker.command("uri")
@click.argument("role", type=click.Choice(broker_users.ROLES))
def uri(role: str) -> None:
    """Print ROLE's AMQP URI (``intake``: the one to hand to an integrator)."""
    try:
        click.echo(broker_users.uri(role))
    except BrokerLoginMissing as exc:
        raise click.ClickException(str(exc)) from exc
