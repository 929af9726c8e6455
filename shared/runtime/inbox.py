"""``@inbox``: consume a service's inbox queue raw, in order, in batches, with bounded retries.

nameko's own ``@event_handler`` decodes before the handler runs (so a body that
is not JSON kills the consumer), acks a failed event (so it is lost) or, with
``requeue_on_error``, redelivers a poison message forever. This entrypoint
hands the raw deliveries to the service as a batch: whatever has been prefetched,
up to ``LGV_INBOX_BATCH``, one batch at a time (so events are applied in the order
the queue holds them). It acks a batch once the worker returned (after its
commit), and requeues each delivery the worker says to retry after a growing
pause; the attempt count comes from the quorum queue's own ``x-delivery-count``
header, which survives a restart of the consumer.
"""
from __future__ import annotations

import logging
from collections import deque
from functools import partial
from typing import Any

import eventlet
from eventlet.event import Event
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from shared import config, topology
from shared.consumption import RETRY, Delivery
from shared.runtime.queue_consumer import QueueConsumer

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 5.0


class RawQueueConsumer(QueueConsumer):
    """A ``QueueConsumer`` that passes kombu messages on undecoded, prefetching two batches."""

    @property
    def prefetch_count(self) -> int:
        return 2 * config.inbox_batch()

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        for provider in self._providers:
            consumer = consumer_cls(queues=[provider.queue],
                                    on_message=partial(self._on_raw_message, provider))
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _on_raw_message(self, provider: Any, message: Any) -> None:
        provider.handle_raw(message)


class InboxConsumer(Consumer):
    queue_consumer = RawQueueConsumer()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queue=None, requeue_on_error=True, **kwargs)

    def setup(self) -> None:
        self.queue = topology.inbox_queue(self.container.service_name)
        self._pending: deque[Any] = deque()
        self._taking = False
        super().setup()

    def handle_raw(self, message: Any) -> None:
        """Queue a delivery; one green thread at a time hands the queued ones on in batches."""
        self._pending.append(message)
        if not self._taking:
            self._taking = True
            self.container.spawn_managed_thread(self._take_batches, identifier="inbox.take_batches")

    def _take_batches(self) -> None:
        try:
            while self._pending:
                batch = [self._pending.popleft()
                         for _ in range(min(len(self._pending), config.inbox_batch()))]
                settled = Event()
                try:
                    self.container.spawn_worker(
                        self, ([to_delivery(m) for m in batch],), {}, context_data={},
                        handle_result=partial(self.handle_result, batch, settled))
                except ContainerBeingKilled:
                    for message in [*batch, *self._pending]:
                        self.queue_consumer.requeue_message(message)
                    self._pending.clear()
                    return
                settled.wait()
        finally:
            self._taking = False

    def handle_result(self, batch: list[Any], settled: Event, worker_ctx: Any, result: Any = None,
                      exc_info: Any = None) -> Any:
        try:
            retry = [m for m, outcome in zip(batch, result or [], strict=False) if outcome == RETRY] \
                if exc_info is None else batch
            if retry:
                attempt = max(to_delivery(m).attempt for m in retry)
                eventlet.sleep(min(0.2 * 2 ** attempt, MAX_BACKOFF_SECONDS))
            if not retry and _one_channel(batch):
                _ack_up_to(batch[-1])
                return result, exc_info
            for message in batch:
                if any(message is r for r in retry):
                    self.queue_consumer.requeue_message(message)
                else:
                    self.queue_consumer.ack_message(message)
        except Exception as exc:  # the broker went away mid-ack
            # Unacknowledged, the messages come again once the consumer reconnects, and the
            # inbox recognises them; letting this escape would kill the whole service.
            log.warning("could not settle a batch of %s deliveries (%s); they will be redelivered",
                        len(batch), exc)
        finally:
            settled.send()
        return result, exc_info


def _one_channel(batch: list[Any]) -> bool:
    return all(message.channel is batch[-1].channel for message in batch)


def _ack_up_to(last: Any) -> None:
    """Ack a whole batch with one frame: every delivery up to ``last`` on its channel is in it.

    Batches are taken in delivery order, one at a time, and each settled before the next,
    so nothing delivered earlier on the channel is still unsettled.
    """
    if last.channel.connection:  # else the broker has already reclaimed them
        last.channel.basic_ack(last.delivery_tag, multiple=True)


def to_delivery(message: Any) -> Delivery:
    headers = dict(message.headers or {})
    info = message.delivery_info or {}
    return Delivery(body=message.body if isinstance(message.body, bytes)
                    else str(message.body).encode("utf-8"),
                    exchange=info.get("exchange", ""), routing_key=info.get("routing_key", ""),
                    attempt=int(headers.get("x-delivery-count", 0) or 0) + 1,
                    headers={k: str(v) for k, v in headers.items()},
                    redelivered=bool(info.get("redelivered")),
                    user_id=_text_or_none((message.properties or {}).get("user_id")))


def _text_or_none(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value) if value else None


inbox = InboxConsumer.decorator
