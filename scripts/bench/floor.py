"""The bus's ceiling on this machine: the system's topology with consumers that do nothing else.

A ``referral_submitted`` crosses three queues on its way into the three projections:
intake → referrals (which records and relays ``referral_received``) → matching and
followup. Here the same shape runs with plain kombu clients in processes of their own,
as the services are: quorum queues, persistent messages, a relay that republishes each
message (without confirms or any database), two sinks that ack, in batches as the
services do. Measured as the bus figure is, beside the same raw round trip, it says how
much of the raw rate three hops and four Python clients on this broker and these cores
leave before any work is done.
"""
from __future__ import annotations

import multiprocessing
import time
import uuid
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

import kombu

from tests.support.bus import publish_confirmed
from tests.support.waiting import wait_for

_QUORUM = {"x-queue-type": "quorum"}
_PREFETCH = 200  # the services prefetch two batches of 100


def through_topology(amqp_uri: str, bodies: list[bytes], timeout: float = 300) -> float:
    """Events/s from publishing ``bodies`` until both sinks have acked every one."""
    tag = uuid.uuid4().hex[:8]
    intake = kombu.Exchange(f"bench-floor-intake-{tag}", type="topic", durable=True)
    relayed = kombu.Exchange(f"bench-floor-relayed-{tag}", type="topic", durable=True)
    queues = [kombu.Queue(f"bench-floor-{name}-{tag}", exchange, routing_key="#", durable=True,
                          queue_arguments=_QUORUM)
              for name, exchange in (("relay", intake), ("a", relayed), ("b", relayed))]
    with kombu.Connection(amqp_uri) as conn:
        channel = conn.channel()
        for queue in queues:
            queue(channel).declare()
        counts = [multiprocessing.Value("i", 0) for _ in queues[1:]]
        ready = [multiprocessing.Event() for _ in queues]
        workers = [multiprocessing.Process(target=_relay, args=(amqp_uri, queues[0], relayed, ready[0]), daemon=True)]
        workers += [multiprocessing.Process(target=_sink, args=(amqp_uri, queue, count, up), daemon=True)
                    for queue, count, up in zip(queues[1:], counts, ready[1:])]
        for worker in workers:
            worker.start()
        try:
            wait_for(lambda: all(up.is_set() for up in ready), 30, what="the floor's consumers to start")
            started = time.perf_counter()
            publish_confirmed(amqp_uri, intake, "referral_submitted", bodies, timeout)
            wait_for(lambda: all(count.value >= len(bodies) for count in counts), timeout, interval=0.01,
                     what="both sinks to ack every message")
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                worker.terminate()
                worker.join()
            for queue in queues:
                queue(channel).delete()
            for exchange in (intake, relayed):
                exchange(channel).delete()
    return len(bodies) / elapsed


def _relay(amqp_uri: str, queue: kombu.Queue, onward: kombu.Exchange, ready: ProcessEvent) -> None:
    # Publishing on the consuming connection from its own callback would read frames inside it.
    with kombu.Connection(amqp_uri) as conn, kombu.Connection(amqp_uri) as out:
        producer = kombu.Producer(out.channel(), exchange=onward)

        def on_message(message: kombu.Message) -> None:
            producer.publish(message.body, routing_key="referral_received",
                             content_type="application/json", delivery_mode=2)
            _ack_in_batches(message)
        _consume(conn, queue, on_message, ready)


def _sink(amqp_uri: str, queue: kombu.Queue, count: Synchronized, ready: ProcessEvent) -> None:  # type: ignore[type-arg]
    with kombu.Connection(amqp_uri) as conn:
        def on_message(message: kombu.Message) -> None:
            _ack_in_batches(message)
            count.value += 1  # one writer per counter
        _consume(conn, queue, on_message, ready)


def _ack_in_batches(message: kombu.Message) -> None:
    """One ``basic.ack`` (``multiple``) per half prefetch, as the services ack a batch.

    The last few stay unacked: what is measured is their arrival, and the queues go afterwards.
    """
    if message.delivery_tag % (_PREFETCH // 2) == 0:
        message.channel.basic_ack(message.delivery_tag, multiple=True)


def _consume(conn: kombu.Connection, queue: kombu.Queue, on_message: Any, ready: ProcessEvent) -> None:
    with kombu.Consumer(conn.channel(), queues=[queue], on_message=on_message, prefetch_count=_PREFETCH):
        ready.set()
        while True:
            conn.drain_events()
