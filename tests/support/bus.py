"""Publishing as an outside system does: plain kombu, no nameko."""
from __future__ import annotations

import json
from typing import Any

import kombu

from shared.confirms import Confirms
from shared.topology import INTAKE_EXCHANGE


class IntakePublisher:
    """Publishes to intake.events; it declares nothing (the intake user may configure nothing)."""

    def __init__(self, amqp_uri: str) -> None:
        self.uri = amqp_uri
        self.connection = kombu.Connection(amqp_uri, transport_options={"confirm_publish": True})
        self.producer = self.connection.Producer()
        self.exchange = kombu.Exchange(INTAKE_EXCHANGE, type="topic", durable=True)

    def publish(self, message: dict[str, Any] | bytes | str, routing_key: str | None = None) -> None:
        if isinstance(message, dict):
            routing_key = routing_key or message["event_type"]
            body: bytes | str = json.dumps(message)
        else:
            body = message
        self.producer.publish(body, exchange=self.exchange, routing_key=routing_key,
                              content_type="application/json", content_encoding="utf-8",
                              delivery_mode=2)

    def publish_all(self, messages: list[dict[str, Any]], timeout: float = 30) -> None:
        """Messages of one event type back to back, their confirms awaited together at the end:
        a burst that arrives faster than a consumer takes it."""
        (event_type,) = {message["event_type"] for message in messages}
        publish_confirmed(self.uri, self.exchange, event_type,
                          [json.dumps(message).encode() for message in messages], timeout)

    def close(self) -> None:
        self.connection.release()


def publish_confirmed(amqp_uri: str, exchange: kombu.Exchange, routing_key: str, bodies: list[bytes],
                      timeout: float) -> None:
    """Publish ``bodies`` on an existing exchange, persistent, then wait for all their confirms.

    With confirms, as an integrator publishes: a publisher that closes its connection without
    them can lose its last messages to a quorum queue (7 of 1,800 once in the bench, which
    then waited for referrals that never came). Awaited together, as the outbox relay does
    (``shared.confirms``): waiting for each in turn costs a broker round trip per message, and
    cost the broker about 0.5 ms of CPU per event in the bench, half of all it did for the bus.
    """
    with kombu.Connection(amqp_uri) as conn:
        channel = conn.channel()
        confirms = Confirms(channel)
        producer = kombu.Producer(channel)
        for body in bodies:
            producer.publish(body, exchange=exchange, routing_key=routing_key,
                             content_type="application/json", delivery_mode=2)
            confirms.published()
        confirms.wait(timeout)


def drain(amqp_uri: str, queue: Any) -> list[dict[str, Any]]:
    """Take every message waiting on ``queue`` (a name or a kombu Queue), acked, as JSON."""
    bodies = []
    with kombu.Connection(amqp_uri) as conn:
        simple = conn.SimpleQueue(queue)
        while True:
            try:
                message = simple.get(timeout=1)
            except simple.Empty:
                break
            bodies.append(json.loads(message.body))
            message.ack()
        simple.close()
    return bodies
