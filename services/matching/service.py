"""nameko entrypoints of the matching service: parse, call, format."""
from __future__ import annotations

from datetime import date
from typing import Any

from services.matching import handlers, queries, schemas, weights
from services.matching.projection import PROJECTION
from services.matching.repository import SqlMatching
from shared import commands, validation
from shared.paging import check_limit
from shared.personal import filled_fields
from shared.runtime import consumer, operations
from shared.runtime.heap import FrozenHeap
from shared.runtime.rpc import rpc
from shared.runtime.storage import Storage
from shared.stored_work import StoredStore, stored_handlers, work

INBOX_HANDLERS = stored_handlers(handlers.HANDLERS, SqlMatching)


class MatchingService(operations.Operations, consumer.ConsumesEvents):
    name = "matching"
    db = Storage(PROJECTION)
    heap = FrozenHeap()
    inbox_handlers = INBOX_HANDLERS

    @rpc
    def register_volunteer(self, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        command = validation.command(schemas.RegisterVolunteer, body, "volunteer")
        with work(self.db, SqlMatching, actor=actor) as uow:
            return {"volunteer_id": handlers.register_volunteer(uow, command)}

    @rpc
    def screen_volunteer(self, volunteer_id: str, body: dict[str, Any],
                         actor: dict[str, Any]) -> dict[str, str]:
        command = validation.command(schemas.ScreenVolunteer, body, "screening")
        with work(self.db, SqlMatching, actor=actor) as uow:
            handlers.screen_volunteer(uow, volunteer_id, command)
        return {"volunteer_id": volunteer_id}

    @rpc
    def train_volunteer(self, volunteer_id: str, body: dict[str, Any],
                        actor: dict[str, Any]) -> dict[str, str]:
        command = validation.command(schemas.TrainVolunteer, body, "training")
        with work(self.db, SqlMatching, actor=actor) as uow:
            handlers.train_volunteer(uow, volunteer_id, command)
        return {"volunteer_id": volunteer_id}

    @rpc
    def erase_volunteer(self, volunteer_id: str, body: dict[str, Any],
                        actor: dict[str, Any]) -> dict[str, Any]:
        command = validation.command(commands.EraseSubject, body, "erasure")
        with work(self.db, SqlMatching, actor=actor) as uow:
            handlers.erase_volunteer(uow, volunteer_id, command)
        return {"volunteer_id": volunteer_id, "erased": True}

    @rpc
    def match_participant(self, body: dict[str, Any], actor: dict[str, Any],
                          regions: list[str] | None = None) -> dict[str, str]:
        """Match within the caller's ``regions`` (None: every region), as the gateway says."""
        command = validation.command(schemas.MatchParticipant, body, "match")
        with work(self.db, SqlMatching, actor=actor) as uow:
            return {"match_id": handlers.match_participant(uow, command, regions)}

    @rpc
    def get_volunteer(self, volunteer_id: str, include_personal: bool = False,
                      reader: dict[str, Any] | None = None) -> dict[str, Any]:
        """One volunteer; with ``include_personal``, their personal data, shown to ``reader`` (logged)."""
        with self.db.reading() as conn:
            volunteer = queries.get_volunteer(conn, volunteer_id, include_personal, self.db.keyring)
        if include_personal:
            self.disclosed(reader, kind="volunteer", subject_id=volunteer_id,
                           fields=filled_fields("personal", volunteer.get("personal")))
        return volunteer

    @rpc
    def list_volunteers(self, filters: dict[str, Any], limit: int = 50,
                        cursor: str | None = None) -> dict[str, Any]:
        with self.db.reading() as conn:
            return queries.list_volunteers(conn, filters or {}, limit, cursor)

    @rpc
    def candidates(self, referral_id: str, limit: int = 50, on: str | None = None,
                   actor: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ranked volunteers for a waiting referral as of ``on`` (default: today), recorded."""
        day = validation.day(on) if on else date.today()
        return handlers.propose_candidates(StoredStore(self.db, SqlMatching), referral_id, check_limit(limit), day,
                                           weights.current(), actor)
