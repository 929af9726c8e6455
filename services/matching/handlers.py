"""Application handlers: load what is known, ask the domain, record what it decided."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from services.matching import domain, pool, projection, queries, ranking
from services.matching.weights import Weights
from shared import erasure
from shared.errors import Conflict, NotFound, RuleViolated
from shared.unit_of_work import ServiceDatabase, UnitOfWork
from shared.vocabulary import ReferralStatus


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


def erase_volunteer(uow: UnitOfWork, volunteer_id: str, command: dict[str, Any]) -> None:
    _volunteer(uow, volunteer_id)
    erasure.erase(uow, "volunteer", volunteer_id, domain.volunteer_stream(volunteer_id), command,
                  erasure.matches_in(projection.matches))


def match_participant(uow: UnitOfWork, command: dict[str, Any]) -> str:
    """Record ``matched`` if the rules allow; two consultants can't both win.

    The rules are checked inside the writing transaction: SQLite lets one
    writer in at a time (BEGIN IMMEDIATE), PostgreSQL locks the two rows, and
    the unique index on active matches is the last word (a 409, never a 500).
    """
    match_id = str(uuid.uuid4())
    referral_id, volunteer_id = command["referral_id"], command["volunteer_id"]
    payload = domain.match(
        pool.waiting_referral(uow.conn, referral_id, for_update=True),
        projection.volunteer(uow.conn, volunteer_id, for_update=True),
        referral_id=referral_id, volunteer_id=volunteer_id,
        match_id=match_id, matched_on=date.fromisoformat(command["matched_on"]))
    proposal_id = command.get("proposal_id")
    choice = domain.choose(pool.proposal(uow.conn, proposal_id) if proposal_id else None,
                           proposal_id=proposal_id, referral_id=referral_id,
                           volunteer_id=volunteer_id, reason=command.get("reason"),
                           reason_code=command.get("reason_code"))
    try:
        uow.record(domain.match_stream(match_id), "matched", {**payload, **choice},
                   expected_version=0)
    except IntegrityError as exc:
        raise Conflict(f"participant of referral {referral_id} was matched by someone else "
                       "at the same moment", {"referral_id": ["already has an active match"]}) from exc
    return match_id


def propose_candidates(db: ServiceDatabase, referral_id: str, limit: int, on: date,
                       weights: Weights, actor: dict[str, Any] | None) -> dict[str, Any]:
    """Rank, record the proposal (``candidates_proposed``) and answer with the top ``limit``.

    Ranking reads a snapshot; only the recording takes the write lock.
    """
    with db.reading() as conn:
        ranked = rank_candidates(conn, referral_id, on, weights, limit)
        top = ranked.candidates
        shown = queries.volunteers_by_id(conn, [c.volunteer_id for c in top])
    proposal_id = str(uuid.uuid4())
    payload = {
        "proposal_id": proposal_id, "referral_id": referral_id, "algorithm": ranking.ALGORITHM,
        "weights_version": weights.version, "ranked_on": on.isoformat(),
        "candidates": [{"volunteer_id": c.volunteer_id, "rank": c.rank, "score": c.score,
                        "reasons": list(c.reasons)} for c in top],
        "eligible": ranked.eligible, "excluded": ranked.excluded,
    }
    with db.transaction(actor=actor) as uow:
        uow.record(domain.proposal_stream(proposal_id), "candidates_proposed", payload,
                   expected_version=0)
    return queries.candidates_answer(payload, top, shown)


def rank_candidates(conn: Connection, referral_id: str, on: date, weights: Weights,
                    limit: int | None = None) -> ranking.Ranking:
    referral = pool.waiting_referral(conn, referral_id)
    participant = pool.participant(conn, referral_id)
    if referral is None or participant is None:
        raise NotFound(f"no referral {referral_id} is known to matching")
    if referral.status != ReferralStatus.WAITING:
        raise RuleViolated(f"referral {referral_id} is {referral.status}; candidates are "
                           "proposed only while it is waiting")
    profiles, excluded = pool.candidate_pool(conn, participant)
    return ranking.rank(participant, profiles, referral.earlier, weights, on, excluded, limit)


def _volunteer(uow: UnitOfWork, volunteer_id: str) -> domain.Volunteer:
    volunteer = projection.volunteer(uow.conn, volunteer_id)
    if volunteer is None:
        raise NotFound(f"no volunteer {volunteer_id}")
    return volunteer


# Consumed events change only the projection; nothing here decides on them.
HANDLERS: dict[str, Any] = {
    "subject_erased": erasure.on_subject_erased(erasure.matches_in(projection.matches))}
