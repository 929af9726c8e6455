"""``RpcQueueConsumer``: a request is started in the consuming thread only when a worker is free now."""
from __future__ import annotations

from types import SimpleNamespace

import eventlet
from eventlet.greenpool import GreenPool

from shared.runtime.rpc import RpcQueueConsumer


class _Provider:
    def __init__(self) -> None:
        self.handled: list[object] = []

    def handle_message(self, body: object, message: object) -> None:
        self.handled.append(body)


def _consumer(pool: GreenPool) -> tuple[RpcQueueConsumer, list[str]]:
    threads: list[str] = []
    consumer = RpcQueueConsumer()
    consumer.container = SimpleNamespace(  # type: ignore[assignment]
        _worker_pool=pool, spawn_managed_thread=lambda fn, identifier=None: threads.append(identifier))
    return consumer, threads


_MESSAGE = SimpleNamespace(delivery_info={"routing_key": "referrals.get_referral"})


def test_with_a_worker_free_the_request_is_handed_over_at_once():
    consumer, threads = _consumer(GreenPool(1))
    provider = _Provider()
    consumer.handle_message(provider, "request", _MESSAGE)
    assert provider.handled == ["request"] and threads == []


def test_a_slot_already_promised_to_a_waiting_worker_is_not_free():
    pool = GreenPool(1)
    pool.sem.acquire()  # the one worker is busy
    waiting = eventlet.spawn(pool.sem.acquire)  # an inbox batch waits for it
    eventlet.sleep(0)
    pool.sem.release()  # the worker ends: the slot is the waiter's at the hub's next turn
    assert pool.free() == 1  # what nameko's pool says, though taking it now would wait
    consumer, threads = _consumer(pool)
    provider = _Provider()
    consumer.handle_message(provider, "request", _MESSAGE)
    assert provider.handled == [] and len(threads) == 1  # waits in a thread of its own, as in nameko
    waiting.wait()
