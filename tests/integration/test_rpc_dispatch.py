"""RPC requests on the real RabbitMQ: started from the consuming thread while a worker is free."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.extensions import Entrypoint
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.utils import get_extension

from tests.support.sleeper import Sleeper


def _service(amqp_uri: str, max_workers: int) -> Iterator[tuple[ServiceContainer, list[str]]]:
    container = ServiceContainer(Sleeper, {"AMQP_URI": amqp_uri, "max_workers": max_workers})
    started: list[str] = []
    spawn = container.spawn_managed_thread

    def counting(fn: Any, identifier: str | None = None) -> Any:
        started.append(identifier or "")
        return spawn(fn, identifier=identifier)

    container.spawn_managed_thread = counting  # type: ignore[method-assign]
    container.start()
    yield container, started
    container.stop()


@pytest.fixture
def roomy(amqp_uri: str) -> Iterator[tuple[ServiceContainer, list[str]]]:
    yield from _service(amqp_uri, 4)


@pytest.fixture
def single(amqp_uri: str) -> Iterator[tuple[ServiceContainer, list[str]]]:
    yield from _service(amqp_uri, 1)


def _request_threads(started: list[str]) -> list[str]:
    return [name for name in started if name.startswith("RpcConsumer.handle_message")]


def test_requests_that_find_a_free_worker_start_no_thread_of_their_own(roomy, amqp_uri):
    _, started = roomy
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as cluster:
        assert [cluster.sleeper.nap(n) for n in range(5)] == list(range(5))
    assert _request_threads(started) == []  # nameko started one for each


def test_concurrent_requests_each_get_their_answer(roomy, amqp_uri):
    def call(n: int) -> Any:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as cluster:  # one caller each: a proxy is not shared
            return cluster.sleeper.nap(n, 0.01 * (n % 3))

    pile = eventlet.GreenPile()
    for n in range(12):
        pile.spawn(call, n)
    assert list(pile) == list(range(12))


def test_a_request_that_finds_every_worker_busy_waits_in_its_own_thread_and_is_answered(single, amqp_uri):
    container, started = single
    container.spawn_worker(get_extension(container, Entrypoint, method_name="hold"), (0.5,), {})
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as cluster:
        assert cluster.sleeper.nap("waited") == "waited"
        assert _request_threads(started) == ["RpcConsumer.handle_message[sleeper.nap]"]
        assert cluster.sleeper.nap("after") == "after"  # a worker free again: no thread
    assert len(_request_threads(started)) == 1
