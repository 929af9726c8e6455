"""Publishing as an outside system does: plain kombu, no nameko."""
from __future__ import annotations

import json
from typing import Any

import kombu

from shared.topology import INTAKE_EXCHANGE


class IntakePublisher:
    """Publishes to intake.events; it declares nothing (the intake user may configure nothing)."""

    def __init__(self, amqp_uri: str) -> None:
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

    def close(self) -> None:
        self.connection.release()


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
