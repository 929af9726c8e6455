"""Publisher confirms for a batch: publish every message, then wait once for all their confirms.

Waiting for each confirm in turn costs a broker round trip per message. A channel
in confirm mode numbers its publishes 1, 2, …; the broker acks (or nacks) them,
often several at once (``multiple``). ``Confirms.wait`` returns once every
message published since the last wait is acked, and raises otherwise: for a nack,
for a mandatory message the broker returned as unroutable (py-amqp raises the
``basic.return``, which the broker sends before that message's ack), or when the
confirms do not come within the timeout. Nothing is to be marked published until
``wait`` has returned.
"""
from __future__ import annotations

import time
from typing import Any

from amqp import spec


class NotConfirmed(Exception):
    """The broker nacked a message, or did not confirm it in time."""


class Confirms:
    """Tracks the confirms of one channel, put in confirm mode here."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        channel.confirm_select()
        self._published = 0  # the delivery tag the broker gives the last publish
        self._unconfirmed: set[int] = set()
        self._nacked = False
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)

    def published(self) -> None:
        """Count one publish on the channel (call after each)."""
        self._published += 1
        self._unconfirmed.add(self._published)

    def wait(self, timeout: float) -> None:
        """Return once every publish so far is acked; raise ``NotConfirmed`` otherwise."""
        deadline = time.monotonic() + timeout
        while self._unconfirmed and not self._nacked:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NotConfirmed(f"{len(self._unconfirmed)} messages not confirmed in {timeout}s")
            self.channel.wait([spec.Basic.Ack, spec.Basic.Nack], timeout=left)
        if self._nacked:
            raise NotConfirmed("the broker nacked a message")

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked = True
        self._settle(delivery_tag, multiple)

    def _settle(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._unconfirmed = {tag for tag in self._unconfirmed if tag > delivery_tag}
        else:
            self._unconfirmed.discard(delivery_tag)
