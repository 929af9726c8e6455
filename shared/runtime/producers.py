"""nameko's producer lookup without a new kombu ``Connection`` for every message it publishes.

``nameko.amqp.publish.get_producer`` builds a ``Connection`` (parsing the URI) for each
publish only to find its pool among kombu's producer pools: 0.14 ms of CPU in process, on
both legs of every RPC (the request and the reply). Here each pool is found once and kept,
by everything the ``Connection`` is built from; what is published and how is nameko's.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nameko.amqp.publish
from kombu import Connection
from kombu.pools import ProducerPool, producers
from nameko.constants import DEFAULT_TRANSPORT_OPTIONS

_pools: dict[tuple[str, ...], ProducerPool] = {}


@contextmanager
def get_producer(amqp_uri: str, confirms: bool = True, ssl: Any = None, login_method: Any = None,
                 transport_options: dict[str, Any] | None = None) -> Iterator[Any]:
    """As nameko's ``get_producer``: a producer from the pool of the connection these name."""
    options = dict(DEFAULT_TRANSPORT_OPTIONS if transport_options is None else transport_options)
    options["confirm_publish"] = confirms
    key = (amqp_uri, repr(ssl), repr(login_method), repr(sorted(options.items())))
    pool = _pools.get(key)
    if pool is None or pool not in producers.values():  # kombu's pools were reset: find it again
        pool = _pools[key] = producers[Connection(amqp_uri, transport_options=options, ssl=ssl,
                                                  login_method=login_method)]
    with pool.acquire(block=True) as producer:
        yield producer


def install() -> None:
    """Have nameko's publishers (RPC requests and replies, events) look their producers up here."""
    nameko.amqp.publish.get_producer = get_producer
