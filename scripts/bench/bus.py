"""Bus throughput: the broker's own round trip, and referral_submitted into all three projections."""
from __future__ import annotations

import json
import os
import time
import uuid

import kombu
from sqlalchemy import create_engine, text

from scripts.bench import cpu
from shared.topology import INTAKE_EXCHANGE
from tests.support.bus import publish_confirmed
from tests.support.events import referral_submitted
from tests.support.processes import System
from tests.support.waiting import wait_for


def messages(n: int) -> list[bytes]:
    return [json.dumps(referral_submitted()).encode() for _ in range(n)]


def raw_round_trip(amqp_uri: str, bodies: list[bytes]) -> float:
    """Messages/s for a plain kombu client publishing and consuming the same messages (persistent, acked)."""
    queue = kombu.Queue(f"bench-raw-{uuid.uuid4().hex[:8]}", durable=True, auto_delete=False)
    received = 0
    with kombu.Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue(channel).declare()

        def on_message(_body: object, message: kombu.Message) -> None:
            nonlocal received
            received += 1
            message.ack()

        started = time.perf_counter()
        producer = kombu.Producer(channel)
        for body in bodies:
            producer.publish(body, routing_key=queue.name, content_type="application/json", delivery_mode=2)
        with kombu.Consumer(conn.channel(), queues=[queue], callbacks=[on_message], prefetch_count=100):
            while received < len(bodies):
                conn.drain_events(timeout=30)
        elapsed = time.perf_counter() - started
        queue(channel).delete()
        channel.close()
    return len(bodies) / elapsed


def through_system(system: System, amqp_uri: str, bodies: list[bytes],
                   timeout: float = 900) -> tuple[float, dict[str, float]]:
    """Events/s from publishing ``bodies`` on intake.events until all three projections hold them,
    and the milliseconds of CPU per event each process spent meanwhile (its services, the broker,
    the bench's PostgreSQL backends, and this publisher)."""
    exchange = kombu.Exchange(INTAKE_EXCHANGE, type="topic", durable=True)
    counts = {service: _counter(system.database_url(service), query) for service, query in _QUERIES.items()}
    before = {service: count() for service, count in counts.items()}
    processes = cpu.each({name: p for name, p in system.processes.items() if name != "gateway"}) | cpu.broker()
    processes |= {"postgres": cpu.matching("postgres: .* lgv_bench"), "publisher": lambda: [os.getpid()]}
    with cpu.spent(processes) as used:
        started = time.perf_counter()
        publish_confirmed(amqp_uri, exchange, "referral_submitted", bodies, timeout)
        wait_for(lambda: all(count() - before[s] >= len(bodies) for s, count in counts.items()), timeout,
                 interval=0.01, what="every projection to hold the new referrals")
        rate = len(bodies) / (time.perf_counter() - started)
    return rate, {name: 1000 * seconds / len(bodies) for name, seconds in used.items() if seconds}


_QUERIES = {
    "referrals": "SELECT count(*) FROM referrals",
    "matching": "SELECT count(*) FROM referrals",
    "followup": "SELECT count(*) FROM events WHERE event_type = 'referral_received'",
}


def _counter(url: str, query: str):  # type: ignore[no-untyped-def]
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text(query)).scalar() or 0)
    return count


