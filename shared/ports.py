"""What a handler is given: a unit of work's ports, each service's repository one of them.

A handler is a plain function of a ``Work`` (and its command or event): it reads
what its decision needs from ``work.repository``, records what the domain decided
with ``work.record`` and destroys keys through ``work.keys``. The service passes
the one over its database (``shared/stored_work.py``); unit tests pass an
in-memory one (``tests/support/fake_work.py``), so handlers run without I/O.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar

from shared.envelope import Event

R = TypeVar("R", covariant=True)


class Keys(Protocol):
    """The data subjects' keys (crypto-shredding, ``shared/erasure.py``)."""

    def erased(self, subject_id: str) -> bool:
        """True once the subject's keys were destroyed."""

    def forget(self, subject_ids: list[str], kind: str) -> None:
        """Destroy the subjects' keys, and those of every kept body naming one of them."""


class Work(Protocol[R]):
    """One transaction as a handler sees it: its service's repository, keys, and the log."""

    @property
    def repository(self) -> R:
        """The service's reads of its projection, inside this transaction."""

    @property
    def keys(self) -> Keys:
        """The data subjects' keys, inside this transaction."""

    def record(self, stream_id: str, event_type: str, payload: dict[str, Any], *,
               occurred_at: datetime | None = None,
               expected_version: int | None = None) -> Event:
        """Validate (strictly), append, queue for publishing and project one new event."""


class Store(Protocol[R]):
    """For a handler that reads a snapshot first and then writes in transactions of its own."""

    def reading(self) -> AbstractContextManager[R]:
        """The repository over a read-only snapshot."""

    def work(self, actor: dict[str, Any] | None = None) -> AbstractContextManager[Work[R]]:
        """A unit of work, committed when the block ends without an exception."""


Handler = Callable[[Work[Any], Event], Any]
"""An inbox handler: a consumed event, at its current schema version, in the unit of work."""
