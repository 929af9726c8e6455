"""Whether a delivery comes from whom it says (CONTRACTS.md §4.1): pure decisions, no I/O.

An event on ``<service>.events`` is that service's only when the broker-vouched AMQP
``user_id`` is the service's broker user, the service records that event type and the
envelope's ``source`` names it. ``intake.events`` takes any authenticated writer, but
only intake events. A service re-sends to itself (a re-driven dead letter) through its
own ``<service>.resend`` exchange, which only its user may write; such a message says
in headers where it was first published, with which routing key and by whom, and is
judged as that.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shared.errors import ValidationFailed
from shared.topology import (
    INTAKE_EVENTS,
    INTAKE_EXCHANGE,
    RECORDS,
    resend_exchange_name,
    service_exchange_name,
)

FIRST_EXCHANGE_HEADER = "x-lgv-exchange"
FIRST_PUBLISHER_HEADER = "x-lgv-published-by"
FIRST_ROUTING_KEY_HEADER = "x-lgv-routing-key"


class NotAuthentic(ValidationFailed):
    """The message is not from whom it claims: kept as a dead letter, never applied."""


@dataclass(frozen=True)
class Origin:
    """Where a message was first published, and the broker user that published it."""

    exchange: str
    published_by: str | None
    routing_key: str = ""


def origin(consumer: str, exchange: str, routing_key: str, user_id: str | None,
           headers: Mapping[str, str], users: Mapping[str, str]) -> Origin:
    """The message's first publication; a re-send by ``consumer`` itself says it in headers.

    ``users`` maps each service to its broker user name.
    """
    if exchange != resend_exchange_name(consumer):
        return Origin(exchange, user_id, routing_key)
    if user_id != users[consumer]:
        raise NotAuthentic(f"re-sent by {_who(user_id)}, not by {users[consumer]}",
                           {"user_id": [f"must be {users[consumer]}"]})
    return Origin(headers.get(FIRST_EXCHANGE_HEADER, ""),
                  headers.get(FIRST_PUBLISHER_HEADER) or None,
                  headers.get(FIRST_ROUTING_KEY_HEADER, ""))


def check(first: Origin, event_type: str, source: str, users: Mapping[str, str]) -> None:
    """Raise ``NotAuthentic`` unless the event may be applied as coming from ``first``."""
    if first.exchange == INTAKE_EXCHANGE:
        if event_type not in INTAKE_EVENTS:
            raise NotAuthentic(f"{event_type} is not an intake event",
                               {"event_type": [f"one of {', '.join(INTAKE_EVENTS)}"]})
        return
    owner = owner_of(first.exchange)
    if owner is None:
        raise NotAuthentic(f"{first.exchange or 'the default exchange'} carries no events",
                           {"exchange": ["not an events exchange"]})
    if first.published_by != users[owner]:
        raise NotAuthentic(f"published by {_who(first.published_by)}, not by {users[owner]}",
                           {"user_id": [f"must be {users[owner]}"]})
    if event_type not in RECORDS[owner]:
        raise NotAuthentic(f"{owner} does not record {event_type}",
                           {"event_type": [f"not an event of {owner}"]})
    if source != owner:
        raise NotAuthentic(f"the source of an event on {first.exchange} must be {owner}",
                           {"source": [f"must be {owner}"]})


def owner_of(exchange: str) -> str | None:
    """The service whose events an exchange carries, or None."""
    return next((s for s in RECORDS if service_exchange_name(s) == exchange), None)


def _who(user_id: str | None) -> str:
    return user_id if user_id else "an unnamed user"
