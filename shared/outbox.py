"""The outbox relay: publishes recorded events, marking each only once confirmed.

At-least-once: a batch is published, its confirms awaited together, and it is
marked published after the broker confirmed each of its rows, so a crash between
the two publishes it again and the consumers' inbox absorbs the duplicates. Every
inbox queue is declared before publishing, and a publish that some service
subscribes to is mandatory: never dropped for want of a queue.
Identifying fields (``personal``, free-text notes) are left out of what is published.
Every message carries the AMQP ``user_id`` of the relay's broker login, which the
broker itself vouches for: consumers trust a service's events by it (§4.1).
"""
from __future__ import annotations

import json
import logging
import threading

import orjson
from kombu import Connection as BrokerConnection

from shared import publishing, topology
from shared.broker_users import uri_user
from shared.confirms import Confirms
from shared.eventstore import mark_published, pending_outbox
from shared.personal import public_view
from shared.unit_of_work import ServiceDatabase

log = logging.getLogger(__name__)



class OutboxRelay:
    """Moves a service's outbox rows onto its exchange."""

    def __init__(self, db: ServiceDatabase, amqp_uri: str, batch: int = 200) -> None:
        self.db = db
        self.amqp_uri = amqp_uri
        self.batch = batch
        self.user_id = uri_user(amqp_uri)
        self._broker: BrokerConnection | None = None
        self._confirms: Confirms | None = None
        self._declared = False

    def relay_once(self) -> int:
        """Publish what is pending now; return how many rows were confirmed.

        On PostgreSQL the batch is claimed (``FOR UPDATE SKIP LOCKED``) until it
        is marked, so two instances of a service publish each row once; a relay
        that dies mid-batch lets its claim go and the rows are published again.
        Elsewhere (SQLite, one writer at a time) the batch is read, published and
        then marked, without holding the write lock while the broker confirms.
        """
        if self.db.engine.dialect.name == "postgresql":
            with self.db.engine.begin() as conn:
                pending = pending_outbox(conn, self.batch, claim=True)
                if pending:  # (an idle relay's look costs one statement, not an empty UPDATE too)
                    self._publish(pending)
                    mark_published(conn, [row[0] for row in pending])
            return len(pending)
        with self.db.reading() as conn:
            pending = pending_outbox(conn, self.batch)
        self._publish(pending)
        if pending:
            with self.db.engine.begin() as write:  # one UPDATE per batch
                mark_published(write, [row[0] for row in pending])
        return len(pending)

    def _publish(self, pending: list[tuple[int, str, str, str]]) -> None:
        if not pending:
            return
        producer = self._producer()
        assert self._confirms is not None and self._broker is not None
        try:
            with publishing.one_write(self._broker):
                for _seq, exchange, routing_key, body in pending:
                    publishing.publish(
                        producer, published_body(body),
                        exchange=exchange, routing_key=routing_key, user_id=self.user_id,
                        # Every inbox is declared (by the broker provisioning); mandatory turns a
                        # missing binding into an error (and a retry) instead of a silent drop.
                        mandatory=topology.has_subscribers(exchange, routing_key))
                    self._confirms.published()
        except Exception:
            self.close()  # its count of publishes counted frames never sent
            raise
        self._confirms.wait(publishing.CONFIRM_TIMEOUT)

    def close(self) -> None:
        if self._broker is not None:
            self._broker.release()
        self._broker = None
        self._confirms = None
        self._declared = False

    def _producer(self):  # type: ignore[no-untyped-def]
        if self._broker is None:
            self._broker = publishing.pipelining(self.amqp_uri)
        channel = self._broker.default_channel
        if self._confirms is None:
            self._confirms = Confirms(channel)
        if not self._declared:
            topology.declare_own(channel, self.db.service)
            self._declared = True
        return self._broker.Producer(channel)


def published_body(stored: str) -> str:
    """The stored envelope as published: its public view, as JSON text.

    Read by the standard library (orjson would read an integer over 64 bits as a float)
    and written by orjson, or by the standard library for what orjson refuses.
    """
    view = public_view(json.loads(stored))
    try:
        return orjson.dumps(view).decode("utf-8")
    except TypeError:
        return json.dumps(view, ensure_ascii=False)


def run_forever(relay: OutboxRelay, wake: threading.Event | None, stopping: threading.Event,
                idle_seconds: float = 0.5, error_backoff: float = 2.0) -> None:
    """Relay until ``stopping`` is set; a commit sets ``wake`` to skip the idle wait."""
    while not stopping.is_set():
        try:
            while relay.relay_once():
                pass
            delay = idle_seconds
        except Exception:
            log.exception("outbox relay failed; reconnecting in %ss", error_backoff)
            relay.close()
            delay = error_backoff
        if wake is not None:
            wake.wait(delay)
            wake.clear()
        else:
            stopping.wait(delay)
    relay.close()
