"""An in-memory unit of work (``shared/ports.py``) for handler unit tests: no database, no broker.

Recording validates each payload against the contract's schema, as the real unit of work
does, and keeps stream versions, so a second ``expected_version=0`` append is refused as
the event store refuses it. A ``FakeStore``'s units of work commit their events to
``committed`` only when their block ends without an exception.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError

from shared.contracts import REGISTRY
from shared.envelope import Event, new_event_id, utcnow
from shared.errors import ConcurrencyConflict

R = TypeVar("R")


class FakeKeys:
    """Subjects' keys: which were destroyed, and in which calls."""

    def __init__(self, erased: set[str] | None = None) -> None:
        self.destroyed: set[str] = set(erased or ())
        self.forgotten: list[tuple[list[str], str]] = []

    def erased(self, subject_id: str) -> bool:
        return subject_id in self.destroyed

    def forget(self, subject_ids: list[str], kind: str) -> None:
        self.forgotten.append((list(subject_ids), kind))
        self.destroyed.update(subject_ids)


class FakeWork(Generic[R]):
    """One unit of work over an in-memory repository; ``recorded`` is what it appended."""

    def __init__(self, repository: R, keys: FakeKeys | None = None,
                 versions: dict[str, int] | None = None, refuse: str | None = None) -> None:
        self.repository = repository
        self.keys = keys or FakeKeys()
        self.versions = versions if versions is not None else {}
        self.refuse = refuse
        self.recorded: list[tuple[str, Event]] = []

    def record(self, stream_id: str, event_type: str, payload: dict[str, Any], *,
               occurred_at: datetime | None = None,
               expected_version: int | None = None) -> Event:
        version = REGISTRY.current_version(event_type)
        payload = REGISTRY.validate(event_type, version, payload, strict=True)
        at = self.versions.get(stream_id, 0)
        if expected_version is not None and expected_version != at:
            raise ConcurrencyConflict(f"stream {stream_id} is at {at}, not {expected_version}")
        if event_type == self.refuse:
            raise IntegrityError("INSERT", {}, Exception("a unique index refused the row"))
        self.versions[stream_id] = at + 1
        event = Event(event_id=new_event_id(), event_type=event_type, schema_version=version,
                      occurred_at=occurred_at or utcnow(), source="test", payload=payload)
        self.recorded.append((stream_id, event))
        return event

    def types(self) -> list[str]:
        return [event.event_type for _, event in self.recorded]


class FakeStore(Generic[R]):
    """A ``Store``: snapshots of one in-memory repository, and units of work over it."""

    def __init__(self, repository: R) -> None:
        self.repository = repository
        self.keys = FakeKeys()
        self.versions: dict[str, int] = {}
        self.committed: list[tuple[str, Event]] = []
        self.actors: list[dict[str, Any] | None] = []

    @contextmanager
    def reading(self) -> Iterator[R]:
        yield self.repository

    @contextmanager
    def work(self, actor: dict[str, Any] | None = None) -> Iterator[FakeWork[R]]:
        versions = dict(self.versions)
        unit = FakeWork(self.repository, self.keys, versions)
        yield unit
        self.versions.update(versions)
        self.committed.extend(unit.recorded)
        self.actors.append(actor)
