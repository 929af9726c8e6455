"""nameko entrypoints of the referrals service: parse, call, format."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.referrals import handlers, queries, schemas
from services.referrals.projection import PROJECTION
from services.referrals.repository import SqlReferrals
from shared import commands, validation
from shared.envelope import Event
from shared.personal import filled_fields
from shared.runtime import consumer, operations
from shared.runtime.heap import FrozenHeap
from shared.runtime.rpc import rpc
from shared.runtime.storage import Storage
from shared.stored_work import StoredWork, stored_handlers, work

INBOX_HANDLERS = stored_handlers(handlers.HANDLERS, SqlReferrals)


class ReferralsService(operations.Operations, consumer.ConsumesEvents):
    name = "referrals"
    db = Storage(PROJECTION)
    heap = FrozenHeap()
    inbox_handlers = INBOX_HANDLERS

    @rpc
    def submit_referral(self, payload: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        payload = self.db.registry.validate("referral_submitted", 1, payload, strict=True,
                                            prefix="")
        event = handlers.submission_event(payload, actor)
        try:
            return self._submit(event, actor)
        except IntegrityError:
            # The same (site, external_ref) submitted at the same moment (PostgreSQL lets both
            # look first): now the other one is there, and this answers as a resubmission would.
            return self._submit(event, actor)

    def _submit(self, event: Event, actor: dict[str, Any]) -> dict[str, str]:
        with self.db.transaction(cause=event, actor=actor) as uow:
            current = uow.consume(event)
            assert current is not None  # a new event id cannot have been seen
            return {"referral_id": handlers.on_referral_submitted(StoredWork(uow, SqlReferrals),
                                                                  current)}

    @rpc
    def withdraw_referral(self, referral_id: str, body: dict[str, Any],
                          actor: dict[str, Any]) -> dict[str, str]:
        command = validation.command(schemas.WithdrawReferral, body, "withdrawal")
        with work(self.db, SqlReferrals, actor=actor) as uow:
            handlers.withdraw_referral(uow, referral_id, command["reason_code"], command["reason"])
        return {"referral_id": referral_id}

    @rpc
    def erase_referral(self, referral_id: str, body: dict[str, Any],
                       actor: dict[str, Any]) -> dict[str, Any]:
        command = validation.command(commands.EraseSubject, body, "erasure")
        with work(self.db, SqlReferrals, actor=actor) as uow:
            handlers.erase_referral(uow, referral_id, command)
        return {"referral_id": referral_id, "erased": True}

    @rpc
    def get_referral(self, referral_id: str, include_personal: bool = False,
                     reader: dict[str, Any] | None = None) -> dict[str, Any]:
        """One referral; with ``include_personal``, its personal data, shown to ``reader`` (logged)."""
        with self.db.reading() as conn:
            referral = queries.get_referral(conn, referral_id, include_personal, date.today(),
                                            self.db.keyring)
        if include_personal:
            self.disclosed(reader, kind="referral", subject_id=referral_id,
                           fields=filled_fields("personal", referral.get("personal"))
                           + filled_fields("withdrawn_reason", referral.get("withdrawn_reason")))
        return referral

    @rpc
    def list_referrals(self, filters: dict[str, Any], limit: int = 50,
                       cursor: str | None = None) -> dict[str, Any]:
        with self.db.reading() as conn:
            return queries.list_referrals(conn, filters or {}, limit, cursor, date.today())
