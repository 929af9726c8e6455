"""nameko entrypoints of the followup service: parse, call, format."""
from __future__ import annotations

from datetime import date
from typing import Any

from nameko.timer import timer

from services.followup import handlers, policy, queries, schemas
from services.followup.projection import PROJECTION
from services.followup.reporting.summary import summary as report_summary
from services.followup.repository import SqlFollowup
from shared import config, validation
from shared.runtime import consumer, operations
from shared.runtime.heap import FrozenHeap
from shared.runtime.rpc import rpc
from shared.runtime.storage import Storage
from shared.stored_work import StoredStore, stored_handlers, work

INBOX_HANDLERS = stored_handlers(handlers.HANDLERS, SqlFollowup)


class FollowupService(operations.Operations, consumer.ConsumesEvents):
    name = "followup"
    db = Storage(PROJECTION)
    heap = FrozenHeap()
    inbox_handlers = INBOX_HANDLERS

    @rpc
    def report_check_in(self, match_id: str, body: dict[str, Any],
                        actor: dict[str, Any]) -> dict[str, str]:
        report = validation.command(schemas.ReportCheckIn, body, "check-in")
        with work(self.db, SqlFollowup, actor=actor) as uow:
            return {"checkin_id": handlers.report_check_in(uow, match_id, report, policy.load())}

    @rpc
    def close_match(self, match_id: str, body: dict[str, Any],
                    actor: dict[str, Any]) -> dict[str, str]:
        command = validation.command(schemas.CloseMatch, body, "closure")
        with work(self.db, SqlFollowup, actor=actor) as uow:
            handlers.close_match(uow, match_id, command, policy.load())
        return {"match_id": match_id}

    @rpc
    def get_match(self, match_id: str, on: str | None = None) -> dict[str, Any]:
        """One match; its date-dependent fields as of ``on`` (None: left null)."""
        day = validation.day(on) if on is not None else None
        with self.db.reading() as conn:
            return queries.get_match(conn, match_id, day, policy.load())

    @rpc
    def list_matches(self, filters: dict[str, Any], limit: int = 50,
                     cursor: str | None = None, on: str | None = None) -> dict[str, Any]:
        day = validation.day(on) if on is not None else None
        with self.db.reading() as conn:
            return queries.list_matches(conn, filters or {}, limit, cursor, day, policy.load())

    @rpc
    def summary(self, params: dict[str, Any]) -> dict[str, Any]:
        """The evaluation's figures (CONTRACTS.md), as known at ``params["as_of"]``."""
        return report_summary(self.db, params or {})

    @rpc
    def due_check_ins(self, on: str, regions: list[str] | None = None) -> dict[str, Any]:
        with self.db.reading() as conn:
            return queries.due_check_ins(conn, validation.day(on), regions, policy.load())

    @rpc
    def publish_due_reminders(self, on: str) -> dict[str, Any]:
        """Record (and so publish) the ``followup_due`` events for ``on``; safe to repeat."""
        day = validation.day(on)
        return {"on": day.isoformat(),
                "published": handlers.publish_due_reminders(StoredStore(self.db, SqlFollowup), day,
                                                           policy.load())}

    @timer(interval=config.reminder_interval_seconds(), eager=True)
    def remind_consultants(self) -> None:
        """The daily reminder run; it ticks more often, which changes nothing but latency.

        The machine's date is the one input from the wall clock: "today" is what a
        reminder run is for. Repeats are no-ops (one event per match and due date).
        """
        self.publish_due_reminders(date.today().isoformat())
