"""Application handlers: load what is known, ask the domain, record what it decided."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.matching import domain, projection
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def register_volunteer(uow: UnitOfWork, command: dict[str, Any]) -> str:
    volunteer_id = str(uuid.uuid4())
    uow.record(domain.volunteer_stream(volunteer_id), "volunteer_registered",
               {**command, "volunteer_id": volunteer_id}, expected_version=0)
    return volunteer_id


def screen_volunteer(uow: UnitOfWork, volunteer_id: str, command: dict[str, Any]) -> None:
    volunteer = _volunteer(uow, volunteer_id)
    uow.record(domain.volunteer_stream(volunteer_id), "volunteer_screened",
               domain.screen(volunteer, command["outcome"], command["screened_on"]))


def train_volunteer(uow: UnitOfWork, volunteer_id: str, command: dict[str, Any]) -> None:
    volunteer = _volunteer(uow, volunteer_id)
    uow.record(domain.volunteer_stream(volunteer_id), "volunteer_trained",
               domain.train(volunteer, command["completed_on"]))


def match_participant(uow: UnitOfWork, command: dict[str, Any]) -> str:
    """Record ``matched`` if the rules allow; rows are locked so two consultants can't both win."""
    match_id = str(uuid.uuid4())
    payload = domain.match(
        projection.waiting_referral(uow.conn, command["referral_id"], for_update=True),
        projection.volunteer(uow.conn, command["volunteer_id"], for_update=True),
        referral_id=command["referral_id"], volunteer_id=command["volunteer_id"],
        match_id=match_id, matched_on=date.fromisoformat(command["matched_on"]))
    uow.record(domain.match_stream(match_id), "matched", payload, expected_version=0)
    return match_id


def _volunteer(uow: UnitOfWork, volunteer_id: str) -> domain.Volunteer:
    volunteer = projection.volunteer(uow.conn, volunteer_id)
    if volunteer is None:
        raise NotFound(f"no volunteer {volunteer_id}")
    return volunteer


# Consumed events change only the projection; nothing here decides on them.
HANDLERS: dict[str, Any] = {}
