"""Log lines as JSON on request (``LOG_FORMAT=json``), with the event being handled.

Each line: ``timestamp``, ``level``, ``service``, ``logger``, ``message``, ``event_id`` and
``correlation_id`` (of the delivery being consumed, else null). Messages name ids and
event types, never payload values: no personal data goes into a log line.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

import orjson

# Per green thread: nameko runs each delivery in a worker of its own. The body is kept as it
# came and read only when a line is written (most deliveries log nothing).
_current: ContextVar[bytes | None] = ContextVar("lgv_log_context", default=None)


@contextmanager
def log_context(body: bytes) -> Iterator[None]:
    """Name the event of a delivery's ``body`` in every line logged while it is handled."""
    token = _current.set(body)
    try:
        yield
    finally:
        _current.reset(token)


def _ids(body: bytes) -> dict[str, str | None]:
    try:
        data = orjson.loads(body)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: str(data[key])[:200] if data.get(key) is not None else None
            for key in ("event_id", "correlation_id")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for a log collector."""

    def __init__(self, service: str = "", **_: Any) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        body = _current.get()
        ids = {} if body is None else _ids(body)
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "event_id": ids.get("event_id"),
            "correlation_id": ids.get("correlation_id"),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
