"""``@rpc`` for the services: a client's mistake is a warning in the log, not an error.

Replies leave as nameko sends them but serialised once (nameko serialises a result
twice: once to check it can, once to send it), transient and without a publisher
confirm. A reply goes to the caller's own reply queue and is useless once the caller
gave up, so a copy on the broker's disk buys nothing: a persistent message on that
(durable) queue waits for the broker's fsync before it is confirmed, and it may carry
``personal`` data in plain text, which does not belong on any disk. A reply the broker
loses is what a caller's timeout is for, confirm or not. The request leg keeps its
confirm (``services/gateway/rpc.py``): a call to a stopped service fails at once.

A JSON reply of plain JSON values is written by orjson (a page of 200 referrals: 0.2 ms,
not 1.5); the caller reads the same values back. What kombu's encoder writes its own
way (moments, bytes, subclasses of str and int, keys other than strings, integers beyond
64 bits) is left to kombu. Two differences no caller sees: a ``uuid.UUID`` arrives as its
text, not rebuilt as a ``UUID``, and NaN or infinity as null (the gateway answers them so
anyway).
"""
from __future__ import annotations

import sys
from typing import Any

import kombu.serialization
import orjson
from nameko import rpc as nameko_rpc_module
from nameko.exceptions import UnserializableValueError, serialize

from shared.errors import LgvError
from shared.runtime import amqp_reads, producers
from shared.runtime.queue_consumer import QueueConsumer

producers.install()  # every publish of this process finds its producer pool once
amqp_reads.install()  # and its broker connections read frames a few KiB at a time
TRANSIENT = 1  # AMQP delivery_mode: kept in the broker's memory, not in its message store


class Responder(nameko_rpc_module.Responder):
    """nameko's reply, serialised once, transient, unconfirmed."""

    def send_response(self, result: Any, exc_info: Any) -> tuple[Any, Any]:
        error = serialize(exc_info[1]) if exc_info is not None else None
        serializer = kombu.serialization.registry.type_to_name[self.message.properties["content_type"]]
        try:
            content_type, encoding, body = _dumps({"result": result, "error": error}, serializer)
        except Exception:
            # As nameko: a result that cannot be sent becomes an error that can.
            exc_info = sys.exc_info()
            result, error = None, serialize(UnserializableValueError(result))
            content_type, encoding, body = kombu.serialization.dumps({"result": None, "error": error},
                                                                     serializer)
        publisher = self.publisher_cls(self.amqp_uri, ssl=self.ssl, login_method=self.login_method,
                                       use_confirms=False, delivery_mode=TRANSIENT)
        publisher.publish(body, content_type=content_type, content_encoding=encoding,
                          exchange=self.exchange, routing_key=self.message.properties["reply_to"],
                          correlation_id=self.message.properties.get("correlation_id"))
        return result, exc_info


# orjson writes these as kombu does not (or at all): they go to kombu, which raises TypeError here.
_PLAIN_ONLY = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def _dumps(reply: dict[str, Any], serializer: str) -> tuple[str, str, Any]:
    if serializer == "json":
        try:
            return "application/json", "utf-8", orjson.dumps(reply, option=_PLAIN_ONLY)
        except TypeError:
            pass
    return kombu.serialization.dumps(reply, serializer)


class RpcQueueConsumer(QueueConsumer):
    """nameko's queue consumer, starting a request's worker from the consuming thread when one is free.

    nameko starts a green thread for each request only to start its worker in another; that
    first thread is left out while the worker pool has room, so ``spawn_worker`` cannot wait
    for one there. When every worker is busy, the request waits in a thread of its own as in
    nameko, and the consumer goes on reading its connection (heartbeats, other requests).
    """

    def handle_message(self, provider: Any, body: Any, message: Any) -> None:
        # The semaphore's balance, not the pool's ``free()``: a slot a waiting worker is about to
        # take counts as free there, and taking it here would wait behind that worker.
        if self.container._worker_pool.sem.balance > 0:  # nameko's pool of max_workers
            provider.handle_message(body, message)
        else:
            super().handle_message(provider, body, message)


class RpcConsumer(nameko_rpc_module.RpcConsumer):
    """nameko's, answering through ``Responder``, fed by ``RpcQueueConsumer``."""

    queue_consumer = RpcQueueConsumer()

    def handle_result(self, message: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
        config = self.container.config
        responder = Responder(config[nameko_rpc_module.AMQP_URI_CONFIG_KEY],
                              nameko_rpc_module.get_rpc_exchange(config),
                              config.get(nameko_rpc_module.SERIALIZER_CONFIG_KEY,
                                         nameko_rpc_module.DEFAULT_SERIALIZER),
                              message, ssl=config.get(nameko_rpc_module.AMQP_SSL_CONFIG_KEY),
                              login_method=config.get(nameko_rpc_module.LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class Rpc(nameko_rpc_module.Rpc):
    rpc_consumer = RpcConsumer()


rpc = Rpc.decorator(expected_exceptions=LgvError)
