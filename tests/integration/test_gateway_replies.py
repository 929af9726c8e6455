"""The gateway's RPC replies on the real RabbitMQ: consumed without acks, each to its caller."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urlparse

import eventlet
import eventlet.event
import pytest
import requests
from nameko.containers import ServiceContainer
from nameko.extensions import Entrypoint
from nameko.testing.services import dummy
from nameko.testing.utils import get_extension

from services.gateway.errors import Unavailable
from services.gateway.rpc import RpcClient
from tests.support import broker
from tests.support.sleeper import Sleeper
from tests.support.waiting import wait_for


class Caller:
    name = "caller"
    sleeper = RpcClient("sleeper", timeout=5)

    @dummy
    def ask(self, value: Any, wait: float = 0.0, timeout: float = 5.0) -> Any:
        return self.sleeper.within(timeout).nap(value, wait)


@pytest.fixture
def caller(amqp_uri: str) -> Iterator[ServiceContainer]:
    containers = [ServiceContainer(cls, {"AMQP_URI": amqp_uri}) for cls in (Sleeper, Caller)]
    for container in containers:
        container.start()
    yield containers[1]
    for container in containers:
        container.stop()


def _asker(container: ServiceContainer) -> Any:
    """Calls of ``Caller.ask``, each its own worker (nameko's ``entrypoint_hook`` waits for the first)."""
    entrypoint = get_extension(container, Entrypoint, method_name="ask")

    def ask(*args: Any, **kwargs: Any) -> Any:
        done = eventlet.event.Event()

        def handle_result(worker_ctx: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
            done.send((result, exc_info))
            return result, exc_info

        container.spawn_worker(entrypoint, args, kwargs, handle_result=handle_result)
        result, exc_info = done.wait()
        if exc_info is not None:
            raise exc_info[1]
        return result

    return ask


def _reply_consumers_ack(amqp_uri: str) -> list[bool]:
    """Whether each consumer of the caller's reply queue acks (the management API's, once it lists them)."""
    vhost = quote(unquote(urlparse(amqp_uri).path[1:]), safe="")

    def listed() -> list[bool]:
        consumers = requests.get(f"{broker.MANAGEMENT}/api/consumers/{vhost}", auth=broker.AUTH, timeout=10).json()
        return [c["ack_required"] for c in consumers if c["queue"]["name"].startswith("rpc.reply-caller")]

    return wait_for(listed, timeout=30, what="the reply queue's consumer listed")


def test_concurrent_calls_each_get_their_own_answer_from_replies_consumed_without_acks(caller, amqp_uri):
    ask, pile = _asker(caller), eventlet.GreenPile()
    for n in range(40):
        pile.spawn(ask, {"n": n}, wait=(n % 4) * 0.01)
    assert list(pile) == [{"n": n} for n in range(40)]
    assert _reply_consumers_ack(amqp_uri) == [False]


def test_a_reply_that_comes_after_its_caller_gave_up_is_dropped_and_the_next_call_answered(caller):
    from services.gateway.replies import ReplyListener

    listener = get_extension(caller, ReplyListener)
    arrived, handle = [], listener.handle_message

    def noted(body, message):  # type: ignore[no-untyped-def]
        handle(body, message)
        arrived.append(body)
    listener.handle_message = noted  # type: ignore[method-assign]
    ask = _asker(caller)
    assert ask("first") == "first"  # connected: the 0.1 s below is the reply's alone, not the connection's
    arrived.clear()
    with pytest.raises(Unavailable):
        ask("late", wait=0.5, timeout=0.1)
    wait_for(lambda: arrived, timeout=10, what="the late reply to arrive")  # and be handled
    assert ask("next") == "next"
    assert [reply["result"] for reply in arrived] == ["late", "next"]
    assert list(listener._reply_events) == []  # neither left waiting for a reply
