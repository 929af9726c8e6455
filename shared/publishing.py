"""Confirmed publishing, the one way the services put a message on the bus.

The outbox relay, a dead letter's re-drive and ``lgv replay --republish`` all publish
persistent JSON through a connection with publisher confirms, each message waiting at
most ``CONFIRM_TIMEOUT`` seconds for the broker's confirm: a publish that is not confirmed
raises, so nothing is marked published (or re-driven) that the broker did not take. The
relay publishes a batch on a ``pipelining`` connection and then waits for all its
confirms at once (``shared.confirms``).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu import Connection as BrokerConnection

CONFIRM_TIMEOUT = 10.0


def confirming(amqp_uri: str) -> BrokerConnection:
    """A broker connection whose publishes wait for the broker's confirm."""
    return BrokerConnection(amqp_uri, transport_options={"confirm_publish": True})


def pipelining(amqp_uri: str) -> BrokerConnection:
    """A broker connection whose publishes do not wait: confirm them in batches (``shared.confirms``)."""
    return BrokerConnection(amqp_uri)


def publish(producer: Any, body: str, *, exchange: str, routing_key: str, user_id: str | None,
            mandatory: bool, headers: dict[str, str] | None = None) -> None:
    """One persistent JSON message, confirmed; with ``mandatory`` an unroutable one is an error.

    ``user_id`` is the publishing broker user, which RabbitMQ checks against the login.
    """
    producer.publish(body, exchange=exchange, routing_key=routing_key, headers=headers,
                     user_id=user_id, content_type="application/json", content_encoding="utf-8",
                     delivery_mode=2, mandatory=mandatory, confirm_timeout=CONFIRM_TIMEOUT)


@contextmanager
def one_write(broker: BrokerConnection) -> Iterator[None]:
    """The frames published on ``broker`` inside the block go to its socket in one write, at its end.

    py-amqp sends each message's frames with a write of its own, and on loopback the kernel
    delivers them to the broker inside each. Frames are copied as written (py-amqp reuses
    its buffer) and written in order, without a time limit, as each publish was (a broker
    that blocks publishers holds the relay until it lets them go). When the block raises,
    nothing is written and the channel's count of publishes no longer matches the broker's:
    the caller must close the connection. Nothing else may write on it meanwhile: the relay's
    connection is its own (no heartbeats; no confirm is due for frames not yet sent).
    """
    transport = broker.connection.transport
    write = transport._write
    frames: list[bytes] = []
    transport._write = lambda frame: frames.append(bytes(frame))
    try:
        yield
    finally:
        transport._write = write
    if frames:
        write(b"".join(frames))
