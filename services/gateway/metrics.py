"""``/metrics``: the services' figures (labelled ``service="…"``) and the gateway's request latency.

The services' figures (their ``status()`` RPC) are kept for ``FIGURES_SECONDS`` and
shared by every scrape meanwhile, so scraping faster (``/metrics`` needs no token) does
not multiply the RPCs; the latency histogram is this process's own and always fresh.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"

GATEWAY = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "lgv_gateway_request_duration_seconds", "Time the gateway took to answer, by route and status.",
    ("method", "route", "status"), registry=GATEWAY)

# (figure in status(), metric name, help, kind)
FIGURES = (
    ("outbox_backlog", "lgv_outbox_backlog", "Recorded events not yet confirmed by the broker.", "gauge"),
    ("dead_letters_open", "lgv_dead_letters_open", "Kept bad messages not re-driven yet.", "gauge"),
    ("dead_letters_total", "lgv_dead_letters", "Bad messages kept since the database was made.", "counter"),
    ("parked_events", "lgv_parked_events", "Early events waiting for their stream predecessor.", "gauge"),
    ("events_applied", "lgv_events_applied", "Events consumed from other exchanges and applied.", "counter"),
    ("events_recorded", "lgv_events_recorded", "Events the service recorded itself.", "counter"),
    ("consumer_errors", "lgv_consumer_errors",
     "Deliveries that failed or were rejected, since the answering instance started.", "counter"),
    ("sealed_values_unreadable", "lgv_sealed_values_unreadable",
     "Sealed values that failed authentication (damaged or tampered with), since the answering instance "
     "started.", "counter"),
    ("projection_position", "lgv_projection_position", "Position (seq) of the last event in the projection.",
     "gauge"),
)


FIGURES_SECONDS = 5.0
Statuses = Mapping[str, dict[str, Any] | None]


class FiguresCache:
    """The last answer of ``fetch`` for ``seconds``; concurrent scrapes wait for one fetch."""

    def __init__(self, seconds: float = FIGURES_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._lock = threading.Lock()
        self._kept: tuple[float, Statuses] | None = None

    def get(self, fetch: Callable[[], Statuses]) -> Statuses:
        with self._lock:
            if self._kept is None or self.clock() - self._kept[0] >= self.seconds:
                self._kept = (self.clock(), fetch())
            return self._kept[1]


FIGURES_CACHE = FiguresCache()


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (``route`` is the URL rule, never the path with its ids)."""
    REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)


def render(statuses: Statuses) -> bytes:
    """The exposition text; ``None`` for a service that did not answer."""
    scrape = CollectorRegistry()
    scrape.register(_ServiceFigures(statuses))
    return generate_latest(scrape) + generate_latest(GATEWAY)


class _ServiceFigures:
    def __init__(self, statuses: Statuses) -> None:
        self.statuses = statuses

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("lgv_service_up", "1 when the service answered its status call.", labels=["service"])
        for service, status in self.statuses.items():
            up.add_metric([service], 0 if status is None else 1)
        yield up
        for key, name, text, kind in FIGURES:
            family = (GaugeMetricFamily if kind == "gauge" else CounterMetricFamily)(name, text, labels=["service"])
            for service, status in self.statuses.items():
                if status is not None and key in status:
                    family.add_metric([service], float(status[key]))
            yield family
