"""Gateway reads as an outside client makes them: single reads under load, list pages at every depth, reports.

The clients are the standard library's ``http.client``, each on one kept-alive
connection. They share the machine's two cores with the system they measure, which an
outside client would not: requests spent 0.68 ms of CPU per single read in the clients'
process, ``http.client`` 0.13 ms, and 8 clients' share of the cores went to the
figure's tail (8 requests threads are held up by one another's Python too).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from scripts.bench import cpu
from services.gateway import token_registry
from shared.config import REPO_ROOT

DEFAULT_PAGE = 50  # CONTRACTS.md: a list's ``limit`` when none is asked
LARGEST_PAGE = 500  # the most a client may ask for


def web_page_size() -> int:
    """The ``limit`` the consultants' web page asks its lists in (``PAGE`` in its api.js)."""
    script = (REPO_ROOT / "services/gateway/webpage/js/api.js").read_text()
    found = re.search(r"^const PAGE = (\d+);", script, re.MULTILINE)
    assert found, "api.js no longer says its PAGE"
    return int(found.group(1))


class Client:
    """One client of the gateway on one kept-alive HTTP/1.1 connection, with a token of ``role``."""

    def __init__(self, base: str, role: str = "coordinator", timeout: float = 60):
        address = urlsplit(base)
        self._connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=timeout)
        self._headers = {"Authorization": "Bearer " + token_registry.issue(role, (), "bench")}

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[int, bytes]:
        """(status, body) of ``GET path?params``."""
        self._connection.request("GET", path + (f"?{urlencode(params)}" if params else ""), headers=self._headers)
        answer = self._connection.getresponse()
        return answer.status, answer.read()

    def close(self) -> None:
        self._connection.close()


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def single_reads(base: str, ids: list[str], processes: dict[str, Callable[[], list[int]]], clients: int = 8,
                 seconds: float = 10.0) -> tuple[float, float, dict[str, float]]:
    """(requests/s, p99 ms, ms of CPU per read of each of ``processes`` and of the clients) of
    ``GET /api/v1/referrals/{id}`` from ``clients`` concurrent clients."""
    latencies: list[float] = []
    lock, stop = threading.Lock(), time.monotonic() + seconds
    failures: list[str] = []

    def run(offset: int) -> None:
        session, mine, n = Client(base, timeout=30), [], offset
        try:
            while time.monotonic() < stop:
                started = time.perf_counter()
                status, body = session.get(f"/api/v1/referrals/{ids[n % len(ids)]}")
                mine.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    failures.append(f"{status} {body[:100]!r}")
                n += 7
        except Exception as error:  # a client that stopped must fail the figure, not leave it
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            session.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(i * 1000,)) for i in range(clients)]
    with cpu.spent({**processes, "clients": lambda: [os.getpid()]}) as used:
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rate = len(latencies) / (time.perf_counter() - started)
    if failures:
        raise RuntimeError(f"{len(failures)} single reads failed, e.g. {failures[0]}")
    return rate, quantile(latencies, 0.99), {name: 1000 * spent / len(latencies) for name, spent in used.items()}


def list_pages(base: str, limit: int = DEFAULT_PAGE) -> tuple[int, float, float]:
    """Walk every page of ``GET /api/v1/referrals``: (rows seen, p99 ms, slowest ms)."""
    session, cursor, seen, latencies = Client(base), None, 0, []
    while True:
        started = time.perf_counter()
        status, answer = session.get("/api/v1/referrals", {"limit": limit, **({"cursor": cursor} if cursor else {})})
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 200, answer[:200]
        body = json.loads(answer)
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            session.close()
            return seen, quantile(latencies, 0.99), max(latencies)


def report(base: str, params: dict[str, Any], rounds: int = 20) -> float:
    """p95 ms of ``GET /api/v1/reports/summary`` with ``params``."""
    session, latencies = Client(base, timeout=120), []
    for _ in range(rounds):
        started = time.perf_counter()
        status, answer = session.get("/api/v1/reports/summary", params)
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 200, answer[:200]
    session.close()
    return quantile(latencies, 0.95)


def median_of(times: int, measure: Callable[[], Any]) -> Any:
    """The median of ``times`` runs (of each element, when a run gives a tuple)."""
    runs = [measure() for _ in range(times)]
    if isinstance(runs[0], tuple):
        return tuple(statistics.median(column) for column in zip(*runs))
    return statistics.median(runs)
