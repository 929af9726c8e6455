"""``@inbox``: consume a service's inbox queue raw, in order, with bounded retries.

nameko's own ``@event_handler`` decodes before the handler runs (so a body that
is not JSON kills the consumer), acks a failed event (so it is lost) or, with
``requeue_on_error``, redelivers a poison message forever. This entrypoint
hands the raw delivery to the service, processes one delivery at a time (so
events are applied in the order the queue holds them), and requeues a failure
after a growing pause; the attempt count comes from the quorum queue's own
``x-delivery-count`` header, which survives a restart of the consumer.
"""
from __future__ import annotations

import logging
from functools import partial
from typing import Any

import eventlet
from eventlet.semaphore import Semaphore
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer

from shared import topology
from shared.consumption import Delivery

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 5.0


class RawQueueConsumer(QueueConsumer):
    """A ``QueueConsumer`` that passes kombu messages on undecoded."""

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        for provider in self._providers:
            consumer = consumer_cls(queues=[provider.queue],
                                    on_message=partial(self._on_raw_message, provider))
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _on_raw_message(self, provider: Any, message: Any) -> None:
        self.container.spawn_managed_thread(partial(provider.handle_raw, message),
                                            identifier="inbox.handle_message")


class InboxConsumer(Consumer):
    queue_consumer = RawQueueConsumer()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queue=None, requeue_on_error=True, **kwargs)

    def setup(self) -> None:
        self.queue = topology.inbox_queue(self.container.service_name)
        self._turn = Semaphore(1)
        super().setup()

    def handle_raw(self, message: Any) -> None:
        self._turn.acquire()
        try:
            self.container.spawn_worker(self, (to_delivery(message),), {}, context_data={},
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self._turn.release()
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message: Any, worker_ctx: Any, result: Any = None,
                      exc_info: Any = None) -> Any:
        try:
            if exc_info is not None:
                attempt = to_delivery(message).attempt
                eventlet.sleep(min(0.2 * 2 ** attempt, MAX_BACKOFF_SECONDS))
                self.queue_consumer.requeue_message(message)
            else:
                self.queue_consumer.ack_message(message)
        except Exception as exc:  # the broker went away mid-ack
            # Unacknowledged, the message comes again once the consumer reconnects, and the
            # inbox recognises it; letting this escape would kill the whole service.
            log.warning("could not settle a %s delivery (%s); it will be redelivered",
                        message.delivery_info.get("routing_key"), exc)
        finally:
            self._turn.release()
        return result, exc_info


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
