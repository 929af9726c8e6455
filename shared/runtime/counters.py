"""Counts a process keeps in memory (lost on restart): what no table records."""
from __future__ import annotations

import threading


class ProcessCounter:
    """A thread-safe count since this process started."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def add(self, amount: int = 1) -> None:
        with self._lock:
            self._value += amount

    @property
    def value(self) -> int:
        return self._value


# Deliveries that failed (to be retried) or were rejected into the dead-letter store.
CONSUMER_ERRORS = ProcessCounter()

# Sealed values whose key exists but which did not authenticate (damaged or tampered at rest).
SEALED_VALUES_UNREADABLE = ProcessCounter()
