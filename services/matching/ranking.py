"""Candidate ranking: which volunteers may be proposed for a referral, in what order, and why.

A pure function of its inputs (no I/O, no clock): the same referral, pool,
earlier matches, weights and date give the same ranking, so a proposal can
be explained and re-derived later from its events and its weights version.

Hard constraints remove a volunteer, never a score. Each removed volunteer is
counted once, under the first constraint it fails, in the order of
``CONSTRAINTS``. Everyone left is scored with the weights (``weights.json``).
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from services.matching import rules
from services.matching.weights import Weights
from shared.reference import language_name
from shared.vocabulary import VolunteerStatus

ALGORITHM = "weighted-sum-1"
DANISH = "da"
REGION, CAPACITY, GENDER = "region", "capacity", "gender_preference"
EARLIER_MISMATCH, EARLIER_MATCH = "earlier_mismatch", "earlier_match"
# capacity: not approved, not trained, or no free place (the volunteer is not ``available``).
CONSTRAINTS = (REGION, CAPACITY, GENDER, EARLIER_MISMATCH, EARLIER_MATCH)


@dataclass(frozen=True)
class Participant:
    """What ranking needs of a waiting referral."""

    referral_id: str
    region: str
    municipality: str
    languages: frozenset[str]
    needs: tuple[str, ...]
    volunteer_gender: str  # female | male | any


class Profile(NamedTuple):
    """What ranking needs of a volunteer (a tuple: thousands are built per ranking)."""

    volunteer_id: str
    status: str
    region: str
    municipality: str
    gender: str
    languages: frozenset[str]
    strengths: frozenset[str]
    trained_on: date | None
    last_matched_on: date | None


class Candidate(NamedTuple):
    volunteer_id: str
    rank: int
    score: float
    reasons: tuple[str, ...]
    waited_days: int


class Fit(NamedTuple):
    """How well one volunteer fits: the points and the facts behind them (reasons are made from these)."""

    points: float
    languages: tuple[str, ...]  # shared, other than Danish
    danish_practice: bool
    strengths: tuple[str, ...]  # the participant's needs this volunteer is strong in, in the needs' order
    same_municipality: bool
    waited_days: int
    first_match: bool


@dataclass(frozen=True)
class Ranking:
    candidates: tuple[Candidate, ...]  # the best ``limit``, best first
    eligible: int  # how many passed every hard constraint
    excluded: dict[str, int]  # constraint -> how many volunteers it removed
    removed: dict[str, tuple[str, ...]]  # constraint -> the ids removed here (not pre-counted)


def rank(participant: Participant, volunteers: Iterable[Profile], earlier: Mapping[str, str],
         weights: Weights, on: date, already_excluded: Mapping[str, int] | None = None,
         limit: int | None = None) -> Ranking:
    """Rank ``volunteers`` for ``participant`` as of ``on``; the best ``limit`` (all: None) are returned.

    ``earlier`` maps volunteer id -> close reason of an earlier match with this
    participant. ``already_excluded`` adds counts of volunteers a caller left
    out before calling (e.g. in SQL) under the same constraints. Equal scores
    go to whoever waited longer, then by volunteer id.
    """
    removed: dict[str, list[str]] = {name: [] for name in CONSTRAINTS}
    score, scored = scorer(participant, weights, on), []
    for volunteer in volunteers:
        failed = first_failed(participant, volunteer, earlier)
        if failed is not None:
            removed[failed].append(volunteer.volunteer_id)
            continue
        found = score(volunteer)
        scored.append((-found.points, -found.waited_days, volunteer.volunteer_id, found))
    best = sorted(scored) if limit is None else heapq.nsmallest(limit, scored)
    candidates = tuple(Candidate(vid, position, found.points, reasons(found), found.waited_days)
                       for position, (_, _, vid, found) in enumerate(best, start=1))
    before = already_excluded or {}
    return Ranking(candidates, len(scored),
                   {name: len(ids) + int(before.get(name, 0)) for name, ids in removed.items()},
                   {name: tuple(ids) for name, ids in removed.items()})


def first_failed(participant: Participant, volunteer: Profile, earlier: Mapping[str, str]) -> str | None:
    """The first hard constraint ``volunteer`` fails for ``participant``, or None."""
    if not rules.within_region(volunteer.region, participant.region):
        return REGION
    if volunteer.status != VolunteerStatus.AVAILABLE:
        return CAPACITY
    if not rules.meets_preference(participant.volunteer_gender, volunteer.gender):
        return GENDER
    if volunteer.volunteer_id in earlier:
        return EARLIER_MISMATCH if rules.mismatched_before(earlier, volunteer.volunteer_id) else EARLIER_MATCH
    return None


def fit(participant: Participant, volunteer: Profile, weights: Weights, on: date) -> Fit:
    """The soft score (rounded to 2 decimals) and what earned it."""
    return scorer(participant, weights, on)(volunteer)


def scorer(participant: Participant, weights: Weights, on: date) -> Callable[[Profile], Fit]:
    """``fit`` for one participant, with what depends on the participant alone worked out once."""
    languages_wanted = participant.languages - {DANISH}
    practice_wanted = "language" in participant.needs
    needs, home = participant.needs, participant.municipality.casefold()
    w = weights

    def score(volunteer: Profile) -> Fit:
        languages = tuple(sorted(languages_wanted & volunteer.languages))
        danish = practice_wanted and DANISH in volunteer.languages
        strengths = tuple(need for need in needs if need in volunteer.strengths)
        local = volunteer.municipality.casefold() == home
        days = waited_days(volunteer, on)
        points = ((w.shared_language if languages else 0.0) + (w.danish_practice if danish else 0.0)
                  + w.need_strength * len(strengths) + (w.same_municipality if local else w.same_region)
                  + min(days, w.fairness_max_days) * w.fairness_per_day)
        return Fit(round(points, 2), languages, danish, strengths, local, days, volunteer.last_matched_on is None)

    return score


def reasons(found: Fit) -> tuple[str, ...]:
    """The reasons a consultant reads, in the order the points were earned."""
    said = [f"speaks {language_name(code)}" for code in found.languages]
    if found.danish_practice:
        said.append("Danish practice: speaks Danish")
    said += [f"strength: {need.replace('_', ' ')}" for need in found.strengths]
    said.append("same municipality" if found.same_municipality else "same region, other municipality")
    if found.waited_days > 0:
        said.append(f"waiting {found.waited_days} days for {'a first' if found.first_match else 'a next'} match")
    return tuple(said)


def waited_days(volunteer: Profile, on: date) -> int:
    """Days since training or since the latest match started, whichever is later."""
    since, last = volunteer.trained_on, volunteer.last_matched_on
    if since is None or (last is not None and last > since):
        since = last
    return max((on - since).days, 0) if since is not None else 0
