"""PostgreSQL under eventlet: a slow query in one green thread leaves the others running."""
from __future__ import annotations

import time

import eventlet
from sqlalchemy import text

from shared.db import make_engine


def test_slow_query_does_not_stop_other_green_threads(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    ticks: list[float] = []

    def slow_query() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(1.5)"))

    def ticker(until: float) -> None:
        while time.monotonic() < until:
            ticks.append(time.monotonic())
            eventlet.sleep(0.05)

    with engine.connect() as conn:  # connect first: the test is about the query, not the handshake
        conn.execute(text("SELECT 1"))
    started = time.monotonic()
    query = eventlet.spawn(slow_query)
    eventlet.sleep(0)  # let the query go out before the ticker starts
    tick = eventlet.spawn(ticker, started + 1.2)
    tick.wait()
    query.wait()
    engine.dispose()
    assert time.monotonic() - started >= 1.5, "the query did not run"
    # Ticking every 50 ms for 1.2 s while the query sleeps: about 24 ticks; a blocked hub gives 1.
    assert len(ticks) >= 10, f"only {len(ticks)} ticks while the query ran"
