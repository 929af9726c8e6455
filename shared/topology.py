"""The bus topology: which exchanges exist and which events each service consumes.

One definition serves the services (each declares its own inbox queue), the
outbox relay (which declares every queue it publishes into before publishing,
since nameko-style publishes to an unbound exchange are silently dropped) and
the RabbitMQ definitions file under ``deploy/``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kombu import Exchange, Queue

INTAKE_EXCHANGE = "intake.events"
DEAD_LETTER_EXCHANGE = "lgv.dead-letter"
# The broker's own backstop; consumers give up (and keep the message) earlier.
BROKER_DELIVERY_LIMIT = 20


def service_exchange_name(service: str) -> str:
    """Where a service publishes what it records (nameko's convention)."""
    return f"{service}.events"


def resend_exchange_name(service: str) -> str:
    """Where a service sends something again: re-driven dead letters to its own inbox,
    re-published history to a queue an operator bound (only the service may write here)."""
    return f"{service}.resend"


@dataclass(frozen=True)
class Subscription:
    exchange: str
    event_types: tuple[str, ...]


# A service takes *every* event of the services it follows, not only those it acts on:
# per-stream order (shared.ordering) needs each version of a stream, or a gap would never fill.
ALL = ("#",)

SUBSCRIPTIONS: dict[str, tuple[Subscription, ...]] = {
    "referrals": (
        Subscription(INTAKE_EXCHANGE, ("referral_submitted",)),
        Subscription("matching.events", ALL),
        Subscription("followup.events", ALL),
    ),
    "matching": (
        Subscription("referrals.events", ALL),
        Subscription("followup.events", ALL),
    ),
    "followup": (
        Subscription(INTAKE_EXCHANGE, ("checkin_reported",)),
        Subscription("referrals.events", ALL),  # who the participants are, for the reports
        Subscription("matching.events", ALL),
    ),
}

# What internal systems publish on intake.events, and what each service records (and so
# publishes on <service>.events): the only event types each exchange carries.
INTAKE_EVENTS = ("referral_submitted", "checkin_reported")
RECORDS: dict[str, tuple[str, ...]] = {
    # subject_erased: each owner of a data subject records its erasure (CONTRACTS.md §4.3).
    "referrals": ("referral_received", "referral_withdrawn", "subject_erased"),
    "matching": ("volunteer_registered", "volunteer_screened", "volunteer_trained", "matched",
                 "candidates_proposed", "subject_erased"),
    "followup": ("checked_in", "closed", "followup_due"),
}

EXCHANGE_NAMES = (INTAKE_EXCHANGE,) + tuple(service_exchange_name(s) for s in SUBSCRIPTIONS)


def carried_by(exchange_name: str) -> tuple[str, ...]:
    """The event types published on an exchange."""
    if exchange_name == INTAKE_EXCHANGE:
        return INTAKE_EVENTS
    return next(types for service, types in RECORDS.items() if service_exchange_name(service) == exchange_name)


def consumers(exchange_name: str, event_type: str) -> list[str]:
    """The services whose inbox receives this event."""
    return [service for service, subs in SUBSCRIPTIONS.items()
            if any(sub.exchange == exchange_name and (sub.event_types == ALL or event_type in sub.event_types)
                   for sub in subs)]


def has_subscribers(exchange_name: str, event_type: str) -> bool:
    """Whether some service's inbox is bound to this event (so a publish must route)."""
    return bool(consumers(exchange_name, event_type))


def exchange(name: str, passive: bool = False) -> Exchange:
    """A topic exchange; ``passive`` only checks it exists (a service may not configure
    another's exchange: the broker provisioning declared it, shared/broker_users.py)."""
    return Exchange(name, type="topic", durable=True, passive=passive)


def resend_exchange(service: str) -> Exchange:
    return Exchange(resend_exchange_name(service), type="direct", durable=True)


def dead_letter_exchange(passive: bool = False) -> Exchange:
    return Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True, passive=passive)


def inbox_queue_name(service: str) -> str:
    return f"{service}.inbox"


def queue_arguments(service: str) -> dict[str, object]:
    """A durable quorum queue that counts deliveries and dead-letters safely."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": BROKER_DELIVERY_LIMIT,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": service,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def inbox_queue(service: str) -> Queue:
    """The one queue a service consumes from, bound to everything it subscribes to."""
    from kombu import binding

    bindings = [
        binding(exchange(sub.exchange, passive=True), routing_key=event_type)
        for sub in SUBSCRIPTIONS[service]
        for event_type in sub.event_types
    ]
    bindings.append(binding(resend_exchange(service), routing_key=inbox_queue_name(service)))
    return Queue(
        inbox_queue_name(service),
        bindings=bindings,
        durable=True,
        queue_arguments=queue_arguments(service),
    )


def parking_queue(service: str) -> Queue:
    """Where the broker puts what a consumer could not take after its last try."""
    return Queue(
        f"{service}.dead-letters",
        exchange=dead_letter_exchange(passive=True),
        routing_key=service,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


def declare_own(channel: Any, service: str) -> None:
    """Declare the exchanges a service publishes to (all its broker user may configure)."""
    exchange(service_exchange_name(service))(channel).declare()
    resend_exchange(service)(channel).declare()


def declare_service(channel: Any, service: str) -> None:
    """Declare a service's inbox and parking queue (the exchanges they need must exist)."""
    declare_own(channel, service)
    parking_queue(service)(channel).declare()
    inbox_queue(service)(channel).declare()


def declare_all(channel: Any) -> None:
    """Declare every exchange and queue of every service (with a login that may configure
    them all: the broker provisioning, before anything is published)."""
    for name in EXCHANGE_NAMES:
        exchange(name)(channel).declare()
    dead_letter_exchange()(channel).declare()
    for service in SUBSCRIPTIONS:
        declare_service(channel, service)
