"""Consuming one message: parse, validate, apply once, or keep it with its reasons.

The outcome never depends on the broker acking correctly: an event already in
the inbox changes nothing, a bad message is stored in the dead-letter store
and acknowledged, and an unexpected failure is retried a bounded number of
times and then stored too, so the queue keeps flowing.
"""
from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared import deadletters
from shared.deadletters import Rejection
from shared.envelope import Event, load_envelope
from shared.errors import NotFound, RuleViolated, ValidationFailed
from shared.unit_of_work import ServiceDatabase, UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Event], None]

APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"
# Errors that say "this message is wrong", not "try again later".
_REJECTABLE = (ValidationFailed, RuleViolated, NotFound)


@dataclass(frozen=True)
class Delivery:
    """A raw message as it came off the broker, before anything trusted it."""

    body: bytes
    exchange: str
    routing_key: str
    attempt: int = 1
    headers: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def parse(delivery: Delivery, db: ServiceDatabase) -> Event:
    """Turn a delivery into an event validated in the schema version it was written in."""
    try:
        data = json.loads(delivery.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed(f"the body is not UTF-8 JSON: {exc}") from exc
    event = load_envelope(data)
    if event.event_type != delivery.routing_key:
        raise ValidationFailed(
            f"event_type {event.event_type!r} differs from routing key {delivery.routing_key!r}",
            {"event_type": ["must equal the routing key"]})
    payload = db.registry.validate(event.event_type, event.schema_version, event.payload,
                                   strict=False)
    return event.evolve(payload=payload)


def consume(db: ServiceDatabase, handlers: Mapping[str, Handler], delivery: Delivery,
            max_attempts: int) -> str:
    """Apply one delivery exactly once; return applied, duplicate or rejected.

    Raises only for failures worth retrying, and only before ``max_attempts``.
    """
    try:
        event = parse(delivery, db)
        with db.transaction(cause=event) as uow:
            current = uow.consume(event)
            if current is None:
                return DUPLICATE
            handler = handlers.get(current.event_type)
            if handler is not None:
                handler(uow, current)
        return APPLIED
    except _REJECTABLE as exc:
        _keep(db, delivery, Rejection(exc.message, exc.fields))
        return REJECTED
    except Exception as exc:
        if delivery.attempt < max_attempts:
            log.warning("attempt %s of %s failed for %s: %s", delivery.attempt, max_attempts,
                        delivery.routing_key, exc)
            raise
        log.exception("giving up on a %s message after %s attempts",
                      delivery.routing_key, delivery.attempt)
        _keep(db, delivery, Rejection(
            f"gave up after {delivery.attempt} attempts: {exc!r}",
            {"traceback": traceback.format_exc(limit=5).splitlines()}))
        return REJECTED


def _keep(db: ServiceDatabase, delivery: Delivery, rejection: Rejection) -> None:
    log.warning("kept a rejected %s message: %s %s", delivery.routing_key,
                rejection.error, rejection.fields)
    with db.engine.begin() as conn:
        deadletters.keep(conn, exchange=delivery.exchange, routing_key=delivery.routing_key,
                         body=delivery.text(), rejection=rejection, attempts=delivery.attempt)
