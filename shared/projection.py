"""A projection: tables of its own plus a function per event type that updates them."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Connection, Engine, MetaData

from shared.batching import RowKeys
from shared.envelope import Event

Applier = Callable[[Connection, Event], None]
SubjectOf = Callable[[Connection, Event], str]


class Projection:
    """Read model of one service, rebuilt from nothing but its event log.

    ``subjects`` names the data subject of event types whose payload does not
    (``shared.personal``), from what this read model knows. ``row_keys`` are the
    appliers' row-local statements, each with the parameter naming its row: a
    replay may send the writes of these statements to different rows in any order
    (``shared.batching``); declare only statements whose effect depends on
    nothing but the one row they change.
    """

    def __init__(self, metadata: MetaData, appliers: Mapping[str, Applier],
                 subjects: Mapping[str, SubjectOf] | None = None,
                 row_keys: RowKeys | None = None) -> None:
        self.metadata = metadata
        self.appliers = dict(appliers)
        self.subjects = dict(subjects or {})
        self.row_keys = dict(row_keys or {})

    def apply(self, conn: Connection, event: Event) -> None:
        """Apply one event; events this projection does not care about change nothing."""
        applier = self.appliers.get(event.event_type)
        if applier is not None:
            applier(conn, event)

    def create(self, engine: Engine) -> None:
        """Create missing tables, and indexes added since a table was created."""
        self.metadata.create_all(engine)
        for table in self.metadata.sorted_tables:
            for index in table.indexes:
                index.create(engine, checkfirst=True)

    def table_names(self) -> list[str]:
        return [table.name for table in self.metadata.sorted_tables]
