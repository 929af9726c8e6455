"""nameko's publishers find a producer pool once per connection, the same pool kombu would give them."""
from __future__ import annotations

import kombu.pools
import nameko.amqp.publish
from kombu import Connection
from nameko.constants import DEFAULT_TRANSPORT_OPTIONS

import services.gateway.rpc  # noqa: F401  # installs it, as shared.runtime.rpc does
from shared.runtime import producers

URI = "amqp://someone:secret@127.0.0.1:5672/lgv-unit"


def _kombus_pool(confirms: bool) -> kombu.pools.ProducerPool:
    options = {**DEFAULT_TRANSPORT_OPTIONS, "confirm_publish": confirms}
    return kombu.pools.producers[Connection(URI, transport_options=options)]


def _pool_used(confirms: bool) -> kombu.pools.ProducerPool:
    with producers.get_producer(URI, confirms) as producer:
        assert producer.connection.transport_options["confirm_publish"] is confirms
    mark = f"('confirm_publish', {confirms})"
    return next(pool for key, pool in producers._pools.items() if key[0] == URI and mark in key[3])


def test_nameko_publishes_through_it() -> None:
    assert nameko.amqp.publish.get_producer is producers.get_producer


def test_a_connection_finds_the_pool_kombu_keeps_for_it_and_keeps_finding_it() -> None:
    first = _pool_used(True)
    assert first is _kombus_pool(True)
    assert _pool_used(True) is first
    assert _pool_used(False) is _kombus_pool(False) is not first  # confirms: a pool of their own


def test_after_kombus_pools_are_reset_the_new_one_is_found() -> None:
    before = _pool_used(True)
    kombu.pools.reset()
    after = _pool_used(True)
    assert after is not before and after is _kombus_pool(True)
