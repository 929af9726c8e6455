"""Consuming one message: parse, validate, apply once and in order, or keep it with its reasons.

The outcome never depends on the broker acking correctly: an event already in
the inbox changes nothing, an event that overtook its predecessor waits
(``shared.ordering``), a bad message is stored in the dead-letter store and
acknowledged, and an unexpected failure is retried a bounded number of times
and then stored too, so the queue keeps flowing.
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection

from shared import authenticity, broker_users, config, deadletters, ordering, pipelined
from shared.authenticity import Origin
from shared.deadletters import Rejection
from shared.envelope import Event, load_envelope
from shared.errors import NotFound, RuleViolated, ValidationFailed
from shared.topology import INTAKE_EXCHANGE
from shared.unit_of_work import ServiceDatabase, UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Event], Any]
Handlers = Mapping[str, Handler]
Around = Callable[[bytes], AbstractContextManager[Any]]


def _nothing(_body: bytes) -> AbstractContextManager[None]:
    return nullcontext()



class Outcome(StrEnum):
    """What became of one delivery."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    PARKED = "parked"
    RETRY = "retry"  # failed unexpectedly: to be delivered again


APPLIED, DUPLICATE, REJECTED, PARKED, RETRY = Outcome
# Errors that say "this message is wrong", not "try again later".
_REJECTABLE = (ValidationFailed, RuleViolated, NotFound)
# How much of an oversized message is kept with its dead letter.
KEPT_PREFIX_BYTES = 4096


@dataclass(frozen=True)
class Delivery:
    """A raw message as it came off the broker, before anything trusted it."""

    body: bytes
    exchange: str
    routing_key: str
    attempt: int = 1
    headers: dict[str, Any] = field(default_factory=dict)
    redelivered: bool = False
    # The AMQP user_id property: the broker refuses one that is not the publisher's login.
    user_id: str | None = None

    def text(self) -> str:
        """The body as kept in a dead letter: all of it, or a prefix of an oversized one."""
        body = self.body if not too_large(self) else self.body[:KEPT_PREFIX_BYTES]
        return body.decode("utf-8", errors="replace")


def too_large(delivery: Delivery) -> bool:
    return len(delivery.body) > config.max_message_bytes()


def admit(delivery: Delivery, consumer: str) -> Delivery:
    """The delivery as first published (a re-send says where), if it is small enough to read."""
    if too_large(delivery):
        raise ValidationFailed(
            f"the message has {len(delivery.body)} bytes, over the limit of "
            f"{config.max_message_bytes()}; only its first {KEPT_PREFIX_BYTES} bytes are kept",
            {"body": ["too large"]})
    first = authenticity.origin(consumer, delivery.exchange, delivery.routing_key, delivery.user_id,
                                delivery.headers, service_users())
    if (first.exchange, first.routing_key, first.published_by) == \
            (delivery.exchange, delivery.routing_key, delivery.user_id):
        return delivery  # not a re-send (``dataclasses.replace`` costs about 3 µs)
    return replace(delivery, exchange=first.exchange, routing_key=first.routing_key,
                   user_id=first.published_by)


def authentic(event: Event, delivery: Delivery) -> Event:
    """The event, if it comes from whom the exchange it came by says (§4.1)."""
    authenticity.check(Origin(delivery.exchange, delivery.user_id), event.event_type,
                       event.source, service_users())
    return event


def service_users() -> dict[str, str]:
    """Each service's broker user name, as this deployment configures it (asked on every delivery)."""
    prefix = broker_users.prefix()
    users = _SERVICE_USERS.get(prefix)
    if users is None:
        users = _SERVICE_USERS[prefix] = {service: broker_users.user_name(service) for service in config.SERVICES}
    return users


# By the prefix the names are made of: a deployment's (or a test's) own.
_SERVICE_USERS: dict[str, dict[str, str]] = {}


def parse(delivery: Delivery, db: ServiceDatabase) -> Event:
    """Turn a delivery into an event validated in the schema version it was written in."""
    return validated(read_envelope(delivery), db)


def read_envelope(delivery: Delivery) -> Event:
    """The delivery's envelope, its payload not yet validated."""
    try:
        data = orjson.loads(delivery.body)  # UTF-8 checked as it parses
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValidationFailed(f"the body is not UTF-8 JSON: {exc}") from exc
    event = load_envelope(data)
    if event.event_type != delivery.routing_key:
        raise ValidationFailed(
            f"event_type {event.event_type!r} differs from routing key {delivery.routing_key!r}",
            {"event_type": ["must equal the routing key"]})
    return event


def validated(event: Event, db: ServiceDatabase) -> Event:
    """The event with its payload validated in the schema version it was written in."""
    payload = db.registry.validate(event.event_type, event.schema_version, event.payload,
                                   strict=False)
    return event.evolve(payload=payload)


@dataclass(frozen=True)
class Read:
    """A delivery as ``read`` found it: as first published, with its event or why it was refused."""

    delivery: Delivery
    event: Event | None = None
    refusal: Rejection | None = None


def read(delivery: Delivery, db: ServiceDatabase) -> Read:
    """Admit, parse and check a delivery once: its validated event, or the rejection to keep.

    Raises for unexpected failures.
    """
    try:
        delivery = admit(delivery, db.service)
        # Who published it is judged before the payload: a forgery is kept as one.
        return Read(delivery, event=validated(authentic(read_envelope(delivery), delivery), db))
    except _REJECTABLE as exc:
        return Read(delivery, refusal=Rejection(exc.message, exc.fields))


def consume(db: ServiceDatabase, handlers: Handlers, delivery: Delivery, max_attempts: int) -> str:
    """Apply one delivery exactly once and in stream order; return what became of it.

    Raises only for failures worth retrying, and only before ``max_attempts``.
    """
    try:
        with db.transaction() as uow:
            return take(uow, handlers, read(delivery, db))
    except Exception as exc:
        if _gives_up(db, delivery, exc, max_attempts):
            return REJECTED
        raise


def consume_batch(db: ServiceDatabase, handlers: Handlers, deliveries: Sequence[Delivery],
                  max_attempts: int, around: Around = _nothing, hold: bool = True) -> list[str]:
    """Apply deliveries in queue order in one transaction, each as ``consume`` would.

    A bad message is kept as a dead letter without undoing the others: in the batch when
    it is refused before it wrote anything; otherwise the batch is undone and applied
    again without it, and it alone (``consume``, under a savepoint of its own). An
    unexpected failure undoes the batch: the one that failed is ``RETRY`` (to deliver
    again) or, after ``max_attempts``, kept; those before and after it are applied again
    as batches of their own.
    ``around(body)`` wraps the handling of each delivery (the log context).
    ``hold``: on PostgreSQL the batch's writes that need no answer are held and sent with
    the next statement that does (``shared.pipelined``); if a held write fails, the batch
    is applied again without holding, where each failure is met in its place.
    """
    if not deliveries:
        return []
    done: list[str] = []
    begun = False
    held: pipelined.Hold | None = None
    # Read once, before the transaction; a re-run of a part reads its raw deliveries again.
    reads = [_read_ahead(delivery, db) for delivery in deliveries]
    try:
        with db.transaction() as uow, pipelined.holding(uow.conn, hold) as held:
            begun = True
            if uow.conn.dialect.name == "postgresql":  # row locks: see ordering.take_streams
                ordering.take_streams(uow.conn, _streams(reads))
            if held is not None:
                held.inbox = db.store.kept_among(uow.conn, _event_ids(reads))
            for delivery, found in zip(deliveries, reads, strict=True):
                with around(delivery.body):
                    # Read again where reading failed unexpectedly: it fails here, in its turn.
                    done.append(take(uow, handlers, found or read(delivery, db), isolated=False))
        return done
    except Exception as exc:
        if held is not None and held.failed:  # its failure is not that of the delivery it surfaced in
            return _unheld(db, handlers, deliveries, max_attempts, around)
        failed = len(done)
        if isinstance(exc, Undo):
            return (consume_batch(db, handlers, deliveries[:failed], max_attempts, around)
                    + [_alone(db, handlers, deliveries[failed], max_attempts, around)]
                    + consume_batch(db, handlers, deliveries[failed + 1:], max_attempts, around))
        if not begun or failed == len(deliveries):  # BEGIN or COMMIT failed: no delivery to blame
            log.warning("a batch of %s deliveries failed to commit (%s); one by one", failed, exc)
            return [_alone(db, handlers, delivery, max_attempts, around) for delivery in deliveries]
        with around(deliveries[failed].body):
            outcome = REJECTED if _gives_up(db, deliveries[failed], exc, max_attempts) else RETRY
    return (consume_batch(db, handlers, deliveries[:failed], max_attempts, around) + [outcome]
            + consume_batch(db, handlers, deliveries[failed + 1:], max_attempts, around))


def _unheld(db: ServiceDatabase, handlers: Handlers, deliveries: Sequence[Delivery], max_attempts: int,
            around: Around) -> list[str]:
    log.info("a held write of a batch of %s deliveries failed; applying it again, each write in its place",
             len(deliveries))
    return consume_batch(db, handlers, deliveries, max_attempts, around, hold=False)


def _event_ids(reads: Sequence[Read | None]) -> list[str]:
    return [found.event.event_id for found in reads if found is not None and found.event is not None]


def _read_ahead(delivery: Delivery, db: ServiceDatabase) -> Read | None:
    """``read`` before the batch; None after an unexpected failure (the batch reads it again in turn)."""
    try:
        return read(delivery, db)
    except Exception:
        return None


def _streams(reads: Sequence[Read | None]) -> list[tuple[str, str]]:
    """The (source, stream) of each event ``take`` will keep in order: none of one refused before it writes."""
    streams = []
    for found in reads:
        if found is not None and found.event is not None and _ordered(found.event, found.delivery.exchange):
            assert found.event.stream_id is not None
            streams.append((found.event.source, found.event.stream_id))
    return streams


def _alone(db: ServiceDatabase, handlers: Handlers, delivery: Delivery, max_attempts: int,
           around: Around) -> str:
    with around(delivery.body):
        try:
            return consume(db, handlers, delivery, max_attempts)
        except Exception:
            return RETRY


def _gives_up(db: ServiceDatabase, delivery: Delivery, exc: Exception, max_attempts: int) -> bool:
    """After an unexpected failure: False to try again, or True once kept after the last attempt."""
    if delivery.attempt < max_attempts:
        log.warning("attempt %s of %s failed for %s: %s", delivery.attempt, max_attempts,
                    delivery.routing_key, exc)
        return False
    log.exception("giving up on a %s message after %s attempts", delivery.routing_key, delivery.attempt)
    with db.engine.begin() as conn:
        _keep(conn, db, _as_first_published(delivery, db.service),
              Rejection(f"gave up after {delivery.attempt} attempts: {exc!r}",
                        {"traceback": traceback.format_exc(limit=5).splitlines()}))
    return True


class Undo(Exception):
    """A delivery of a batch was refused after it wrote: undo the batch, take that one alone."""


def take(uow: UnitOfWork, handlers: Handlers, found: Read, isolated: bool = True) -> str:
    """One delivery, as ``read`` found it, inside ``uow``'s transaction: applied, a duplicate,
    parked or kept as rejected.

    ``isolated``: its writes under a savepoint of their own, so a refusal undoes only them.
    Without (in a batch), a refusal after it wrote raises ``Undo``. A message refused
    before anything is written (size, origin, envelope, payload) is kept either way.
    Raises for unexpected failures (the caller's transaction then rolls back).
    """
    db = uow.db
    delivery = found.delivery
    if found.event is None:
        assert found.refusal is not None
        _keep(uow.conn, db, delivery, found.refusal)
        return REJECTED
    event = found.event
    uow.cause = event
    try:
        with uow.conn.begin_nested() if isolated else nullcontext():
            outcome = _apply_or_park(uow, handlers, event, delivery)
    except _REJECTABLE as exc:
        if not isolated:
            raise Undo() from exc
        _keep(uow.conn, db, delivery, Rejection(exc.message, exc.fields))
        return REJECTED
    if outcome != PARKED and _ordered(event, delivery.exchange):
        assert event.stream_id is not None
        drain(uow, handlers, event.source, event.stream_id)
    return outcome


def drain(uow: UnitOfWork, handlers: Handlers, source: str, stream_id: str) -> int:
    """Apply a stream's parked events that have become next in line; return how many.

    Each under a savepoint: a parked event that fails is kept (rejected) or left
    parked for the sweep (unexpected), and what was applied before it stays.
    """
    db, conn = uow.db, uow.conn
    applied = 0
    if not ordering.any_parked(conn, source, stream_id):
        return applied
    pipelined.send(conn)  # what a batch holds fails as the batch's, not as a parked event's, below
    while True:
        parked: dict[str, Any] | None = None
        try:
            with conn.begin_nested():
                last = ordering.position(conn, source, stream_id)
                parked = ordering.take_next(conn, source, stream_id, last)
                if parked is None:
                    return applied
                event = parse(_delivery_of(parked, ordering.parked_body(conn, db.keyring, parked)), db)
                uow.cause = event
                _apply(uow, handlers, event)  # applied before (a duplicate): it still advances
                ordering.advance(conn, source, stream_id, last + 1)
            applied += 1
        except _REJECTABLE as exc:
            assert parked is not None
            _keep_parked(conn, db, parked, Rejection(exc.message, exc.fields))
            return applied
        except Exception:
            log.exception("could not apply parked events of %s/%s; the sweep retries", source, stream_id)
            return applied


def sweep(db: ServiceDatabase, handlers: Handlers, now: datetime, max_wait: timedelta) -> int:
    """Apply what can be applied; dead-letter what waited longer than ``max_wait`` for a gap."""
    with db.reading() as conn:
        streams = ordering.parked_streams(conn)
    for source, stream_id in streams:
        with db.transaction() as uow:
            drain(uow, handlers, source, stream_id)
    with db.reading() as conn:
        stale = ordering.overdue(conn, now - max_wait)
    for parked in stale:
        with db.engine.begin() as conn:
            _keep_parked(conn, db, parked, Rejection(
                f"version {parked['stream_version'] - 1} of stream {parked['stream_id']} from "
                f"{parked['source']} never arrived (waited over {int(max_wait.total_seconds())}s); this event "
                "was not applied out of order. Re-drive it once the missing event has been applied.",
                {"stream_version": [f"gap before {parked['stream_version']}"]}))
    return len(stale)


def _apply_or_park(uow: UnitOfWork, handlers: Handlers, event: Event, delivery: Delivery) -> str:
    db, conn = uow.db, uow.conn
    if _ordered(event, delivery.exchange):
        assert event.stream_id is not None and event.stream_version is not None
        last = ordering.position(conn, event.source, event.stream_id)
        if event.stream_version <= last:
            return DUPLICATE
        if event.stream_version > last + 1:
            if db.store.contains(conn, event.event_id):
                return DUPLICATE
            ordering.park(conn, db.keyring, event, delivery.exchange, delivery.routing_key,
                          delivery.text(), delivery.attempt)
            return PARKED
        ordering.advance(conn, event.source, event.stream_id, event.stream_version)
    # The inbox (``UnitOfWork.consume``) tells a repeated event id: once, here.
    return APPLIED if _apply(uow, handlers, event) else DUPLICATE


def _apply(uow: UnitOfWork, handlers: Handlers, event: Event) -> bool:
    """Keep and project the event, then run its handler; False when it was applied before."""
    current = uow.consume(event)
    if current is None:
        return False
    handler = handlers.get(current.event_type)
    if handler is not None:
        handler(uow, current)
    return True


def _ordered(event: Event, exchange: str) -> bool:
    """Events the services recorded keep stream order; intake events have no stream."""
    return exchange != INTAKE_EXCHANGE and ordering.is_ordered(event)


def _as_first_published(delivery: Delivery, consumer: str) -> Delivery:
    try:
        return admit(delivery, consumer)
    except _REJECTABLE:
        return delivery


def _delivery_of(parked: dict[str, Any], body: str | None) -> Delivery:
    # An erased body (None) parses as nothing, and is kept as a dead letter saying so.
    return Delivery(body=(body or "").encode("utf-8"), exchange=parked["exchange"],
                    routing_key=parked["routing_key"], attempt=parked["attempts"])


def _keep(conn: Connection, db: ServiceDatabase, delivery: Delivery, rejection: Rejection) -> None:
    log.warning("kept a rejected %s message: %s %s", delivery.routing_key, rejection.error, rejection.fields)
    deadletters.keep(conn, db.keyring, exchange=delivery.exchange, routing_key=delivery.routing_key,
                     body=delivery.text(), rejection=rejection, attempts=delivery.attempt,
                     redelivered=delivery.redelivered or delivery.attempt > 1,
                     published_by=delivery.user_id)


def _keep_parked(conn: Connection, db: ServiceDatabase, parked: dict[str, Any], rejection: Rejection) -> None:
    if not ordering.remove(conn, parked["id"]):
        return  # applied meanwhile by another worker: nothing to keep
    log.warning("kept a parked %s event: %s", parked["routing_key"], rejection.error)
    # Only authentic events are parked: the stream's source published it.
    publisher = broker_users.user_name(parked["source"]) \
        if authenticity.owner_of(parked["exchange"]) == parked["source"] else None
    deadletters.keep(conn, db.keyring, exchange=parked["exchange"], routing_key=parked["routing_key"],
                     body=ordering.parked_body(conn, db.keyring, parked) or "",
                     rejection=rejection, attempts=parked["attempts"], published_by=publisher)
