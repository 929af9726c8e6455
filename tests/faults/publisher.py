"""A publisher that keeps trying through broker restarts (a repeat is absorbed by event_id)."""
from __future__ import annotations

import time

import kombu


class PatientPublisher:
    """Publishes as the login of ``amqp_uri``; ``user_id`` names it, as a service's relay does."""

    def __init__(self, amqp_uri: str, patience_seconds: float = 120.0, user_id: str | None = None) -> None:
        self.amqp_uri = amqp_uri
        self.user_id = user_id
        self.patience = patience_seconds
        self.connection: kombu.Connection | None = None

    def publish(self, body: str | bytes, exchange: str, routing_key: str) -> None:
        """Publish with a broker confirm, reconnecting until the broker takes it."""
        target = kombu.Exchange(exchange, type="topic", durable=True)
        deadline = time.monotonic() + self.patience
        while True:
            try:
                if self.connection is None:
                    self.connection = kombu.Connection(self.amqp_uri,
                                                       transport_options={"confirm_publish": True})
                # The exchanges are provisioned; a role's login may not declare them.
                self.connection.Producer().publish(
                    body, exchange=target, routing_key=routing_key, user_id=self.user_id,
                    content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                    confirm_timeout=10)
                return
            except Exception:
                self.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.release()
            except Exception:  # a dead connection has nothing left to release
                pass
        self.connection = None
