"""The gateway's RPC replies: consumed without acks, each handed to its caller where it arrives.

nameko acks every reply and starts a green thread for each only to ack it and wake the
caller. A reply queue is this process's own and a reply is worth nothing once its caller
gave up, so there is nothing for an ack to keep: the broker counts a reply delivered as
it sends it, and the caller is woken in the consuming thread (``Event.send`` does not
block). One socket write and one green thread less per call.
"""
from __future__ import annotations

import logging
import weakref
from typing import Any

from nameko.rpc import ReplyListener as NamekoReplyListener

from shared.runtime.queue_consumer import QueueConsumer

log = logging.getLogger(__name__)


class ReplyConsumer(QueueConsumer):
    """nameko's queue consumer, for replies alone: each is handled in the consuming thread."""

    def handle_message(self, provider: Any, body: Any, message: Any) -> None:
        provider.handle_message(body, message)


class ReplyListener(NamekoReplyListener):
    """nameko's reply listener on a queue consumed without acks.

    Its callers' events are held weakly: nameko forgets one only when its reply comes, so
    each call that timed out (the service never answered) stayed for the process's life.
    A caller waiting holds its event, and one that gave up holds it no more.
    """

    queue_consumer = ReplyConsumer()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reply_events: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()

    def setup(self) -> None:
        super().setup()
        self.queue.no_ack = True  # consumed so from the first basic.consume (at start)

    def handle_message(self, body: Any, message: Any) -> None:
        waiting = self._reply_events.pop(message.properties.get("correlation_id"), None)
        if waiting is not None:
            waiting.send(body)
        else:
            log.debug("a reply nobody waits for any more")
