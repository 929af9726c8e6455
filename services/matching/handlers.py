"""Application handlers: load what is known, ask the domain, record what it decided.

Each is a plain function of a unit of work (``shared/ports.py``) whose repository is
``Matching``, or of a ``Store`` of them where it reads a snapshot before it writes;
``HANDLERS`` are those the inbox calls, by event type.
"""
from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.matching import domain, queries, ranking
from services.matching.repository import Matching
from services.matching.weights import Weights
from shared import erasure
from shared.envelope import Event
from shared.errors import Conflict, NotFound, RuleViolated
from shared.ports import Store, Work
from shared.vocabulary import ReferralStatus


def register_volunteer(work: Work[Matching], command: dict[str, Any]) -> str:
    volunteer_id = str(uuid.uuid4())
    work.record(domain.volunteer_stream(volunteer_id), "volunteer_registered",
               {**command, "volunteer_id": volunteer_id}, expected_version=0)
    return volunteer_id


def screen_volunteer(work: Work[Matching], volunteer_id: str, command: dict[str, Any]) -> None:
    volunteer = _volunteer(work, volunteer_id)
    work.record(domain.volunteer_stream(volunteer_id), "volunteer_screened",
               domain.screen(volunteer, command["outcome"], command["screened_on"]))


def train_volunteer(work: Work[Matching], volunteer_id: str, command: dict[str, Any]) -> None:
    volunteer = _volunteer(work, volunteer_id)
    work.record(domain.volunteer_stream(volunteer_id), "volunteer_trained",
               domain.train(volunteer, command["completed_on"]))


def erase_volunteer(work: Work[Matching], volunteer_id: str, command: dict[str, Any]) -> None:
    _volunteer(work, volunteer_id)
    erasure.erase(work, "volunteer", volunteer_id, domain.volunteer_stream(volunteer_id), command,
                  work.repository.matches_of)


def match_participant(work: Work[Matching], command: dict[str, Any],
                      regions: Collection[str] | None = None) -> str:
    """Record ``matched`` if the rules allow, within the caller's ``regions`` (None: all);
    two consultants can't both win.

    The rules are checked inside the writing transaction: SQLite lets one
    writer in at a time (BEGIN IMMEDIATE), PostgreSQL locks the two rows, and
    the unique index on active matches is the last word (a 409, never a 500).
    """
    match_id = str(uuid.uuid4())
    referral_id, volunteer_id = command["referral_id"], command["volunteer_id"]
    payload = domain.match(
        work.repository.waiting_referral(referral_id, for_update=True),
        work.repository.volunteer(volunteer_id, for_update=True),
        referral_id=referral_id, volunteer_id=volunteer_id,
        match_id=match_id, matched_on=date.fromisoformat(command["matched_on"]), regions=regions)
    proposal_id = command.get("proposal_id")
    choice = domain.choose(work.repository.proposal(proposal_id) if proposal_id else None,
                           proposal_id=proposal_id, referral_id=referral_id,
                           volunteer_id=volunteer_id, reason=command.get("reason"),
                           reason_code=command.get("reason_code"))
    try:
        work.record(domain.match_stream(match_id), "matched", {**payload, **choice},
                   expected_version=0)
    except IntegrityError as exc:
        raise Conflict(f"participant of referral {referral_id} was matched by someone else "
                       "at the same moment", {"referral_id": ["already has an active match"]}) from exc
    return match_id


def propose_candidates(store: Store[Matching], referral_id: str, limit: int, on: date,
                       weights: Weights, actor: dict[str, Any] | None) -> dict[str, Any]:
    """Rank, record the proposal (``candidates_proposed``) and answer with the top ``limit``.

    Ranking reads a snapshot; only the recording takes the write lock.
    """
    with store.reading() as repository:
        ranked = rank_candidates(repository, referral_id, on, weights, limit)
        top = ranked.candidates
        shown = repository.volunteers_by_id([c.volunteer_id for c in top])
    proposal_id = str(uuid.uuid4())
    payload = {
        "proposal_id": proposal_id, "referral_id": referral_id, "algorithm": ranking.ALGORITHM,
        "weights_version": weights.version, "ranked_on": on.isoformat(),
        "candidates": [{"volunteer_id": c.volunteer_id, "rank": c.rank, "score": c.score,
                        "reasons": list(c.reasons)} for c in top],
        "eligible": ranked.eligible, "excluded": ranked.excluded,
    }
    with store.work(actor=actor) as work:
        work.record(domain.proposal_stream(proposal_id), "candidates_proposed", payload,
                   expected_version=0)
    return queries.candidates_answer(payload, top, shown)


def rank_candidates(repository: Matching, referral_id: str, on: date, weights: Weights,
                    limit: int | None = None) -> ranking.Ranking:
    referral = repository.waiting_referral(referral_id)
    participant = repository.participant(referral_id)
    if referral is None or participant is None:
        raise NotFound(f"no referral {referral_id} is known to matching")
    if referral.status != ReferralStatus.WAITING:
        raise RuleViolated(f"referral {referral_id} is {referral.status}; candidates are "
                           "proposed only while it is waiting")
    profiles, excluded = repository.candidate_pool(participant)
    return ranking.rank(participant, profiles, referral.earlier, weights, on, excluded, limit)


def _volunteer(work: Work[Matching], volunteer_id: str) -> domain.Volunteer:
    volunteer = work.repository.volunteer(volunteer_id)
    if volunteer is None:
        raise NotFound(f"no volunteer {volunteer_id}")
    return volunteer


def on_subject_erased(work: Work[Matching], event: Event) -> None:
    """A followed erasure (a participant's): destroy the keys of the subject and its matches."""
    erasure.follow(work, event.payload, work.repository.matches_of)


# Other consumed events change only the projection; nothing here decides on them.
HANDLERS = {"subject_erased": on_subject_erased}
