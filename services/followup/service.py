"""nameko entrypoints of the followup service: parse, call, format."""
from __future__ import annotations

from datetime import date
from typing import Any

from services.followup import handlers, queries, schemas
from services.followup.projection import PROJECTION
from shared import validation
from shared.errors import ValidationFailed
from shared.runtime import consumer, operations
from shared.runtime.rpc import rpc
from shared.runtime.storage import Storage


class FollowupService(operations.Operations, consumer.ConsumesEvents):
    name = "followup"
    db = Storage(PROJECTION)
    inbox_handlers = handlers.HANDLERS

    @rpc
    def report_check_in(self, match_id: str, body: dict[str, Any],
                        actor: dict[str, Any]) -> dict[str, str]:
        report = validation.command(schemas.ReportCheckIn, body, "check-in",
                                    exclude=("match_id",))
        with self.db.transaction(actor=actor) as uow:
            return {"checkin_id": handlers.report_check_in(uow, match_id, report)}

    @rpc
    def close_match(self, match_id: str, body: dict[str, Any],
                    actor: dict[str, Any]) -> dict[str, str]:
        command = validation.command(schemas.CloseMatch, body, "closure")
        with self.db.transaction(actor=actor) as uow:
            handlers.close_match(uow, match_id, command)
        return {"match_id": match_id}

    @rpc
    def get_match(self, match_id: str) -> dict[str, Any]:
        with self.db.reading() as conn:
            return queries.get_match(conn, match_id)

    @rpc
    def list_matches(self, filters: dict[str, Any], limit: int = 50,
                     cursor: str | None = None) -> dict[str, Any]:
        with self.db.reading() as conn:
            return queries.list_matches(conn, filters or {}, limit, cursor)

    @rpc
    def due_check_ins(self, on: str, regions: list[str] | None = None) -> dict[str, Any]:
        try:
            day = date.fromisoformat(on)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("on must be a date YYYY-MM-DD",
                                   {"on": ["not a date"]}) from exc
        with self.db.reading() as conn:
            return queries.due_check_ins(conn, day, regions)
