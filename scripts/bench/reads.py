"""Gateway reads as an outside client makes them: single reads under load, list pages at every depth, reports."""
from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

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


def client(base: str, role: str = "coordinator") -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token_registry.issue(role, (), "bench")
    session.base = base  # type: ignore[attr-defined]
    return session


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def single_reads(base: str, ids: list[str], clients: int = 8, seconds: float = 10.0) -> tuple[float, float]:
    """(requests/s, p99 ms) of ``GET /api/v1/referrals/{id}`` from ``clients`` concurrent clients."""
    latencies: list[float] = []
    lock, stop = threading.Lock(), time.monotonic() + seconds
    failures: list[str] = []

    def run(offset: int) -> None:
        session, mine, n = client(base), [], offset
        while time.monotonic() < stop:
            started = time.perf_counter()
            answer = session.get(f"{base}/api/v1/referrals/{ids[n % len(ids)]}", timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                failures.append(f"{answer.status_code} {answer.text[:100]}")
            n += 7
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i * 1000,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} single reads failed, e.g. {failures[0]}")
    return len(latencies) / (time.perf_counter() - started), quantile(latencies, 0.99)


def list_pages(base: str, limit: int = DEFAULT_PAGE) -> tuple[int, float, float]:
    """Walk every page of ``GET /api/v1/referrals``: (rows seen, p99 ms, slowest ms)."""
    session, cursor, seen, latencies = client(base), None, 0, []
    while True:
        started = time.perf_counter()
        answer = session.get(f"{base}/api/v1/referrals", params={"limit": limit, **({"cursor": cursor} if cursor
                                                                                    else {})}, timeout=60)
        latencies.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:200]
        body = answer.json()
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, quantile(latencies, 0.99), max(latencies)


def report(base: str, params: dict[str, Any], rounds: int = 20) -> float:
    """p95 ms of ``GET /api/v1/reports/summary`` with ``params``."""
    session = client(base)
    latencies = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = session.get(f"{base}/api/v1/reports/summary", params=params, timeout=120)
        latencies.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:200]
    return quantile(latencies, 0.95)


def median_of(times: int, measure: Callable[[], Any]) -> Any:
    """The median of ``times`` runs (of each element, when a run gives a tuple)."""
    runs = [measure() for _ in range(times)]
    if isinstance(runs[0], tuple):
        return tuple(statistics.median(column) for column in zip(*runs))
    return statistics.median(runs)
