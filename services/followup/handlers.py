"""Application handlers: load what is known, ask the domain, record what it decided."""
from __future__ import annotations

import uuid
from typing import Any

from services.followup import domain, projection
from shared.envelope import Event
from shared.unit_of_work import UnitOfWork


def report_check_in(uow: UnitOfWork, match_id: str, report: dict[str, Any]) -> str:
    checkin_id = str(uuid.uuid4())
    payload = domain.check_in(projection.followed_match(uow.conn, match_id), match_id, report,
                              checkin_id)
    uow.record(domain.stream_id(match_id), "checked_in", payload)
    return checkin_id


def on_checkin_reported(uow: UnitOfWork, event: Event) -> None:
    """A check-in from an intake system (e.g. a volunteer app) means what the gateway's does."""
    report = {k: v for k, v in event.payload.items() if k != "match_id"}
    report_check_in(uow, event.payload["match_id"], report)


def close_match(uow: UnitOfWork, match_id: str, command: dict[str, Any]) -> None:
    payload = domain.close(projection.followed_match(uow.conn, match_id), match_id, command)
    uow.record(domain.stream_id(match_id), "closed", payload)


HANDLERS = {"checkin_reported": on_checkin_reported}
