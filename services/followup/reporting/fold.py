"""The facts the evaluation's figures are made of, folded from an event history. Pure.

The report is computed from the event log itself, filtered by when this service
learned each event, so an ``as_of`` answer is exactly what the system knew then
and a back-dated correction shows only from the moment it was recorded.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from shared.envelope import Event
from shared.vocabulary import ScreeningOutcome


@dataclass(frozen=True)
class ParticipantFact:
    referral_id: str
    site: str
    region: str
    gender: str
    birth_year: int
    country: str
    arrival_year: int


@dataclass(frozen=True)
class MatchFact:
    match_id: str
    referral_id: str
    region: str
    matched_on: date
    closed_on: date | None = None


@dataclass(frozen=True)
class Approval:
    volunteer_id: str
    region: str | None
    approved_on: date


@dataclass
class FoldedFacts:
    participants: dict[str, ParticipantFact] = field(default_factory=dict)
    matches: dict[str, MatchFact] = field(default_factory=dict)
    approvals: dict[str, Approval] = field(default_factory=dict)
    volunteer_regions: dict[str, str] = field(default_factory=dict)


def fold(events: Iterable[Event]) -> FoldedFacts:
    """FoldedFacts from events in the order they were applied (each at its current schema version)."""
    facts = FoldedFacts()
    for event in events:
        _APPLIERS.get(event.event_type, _ignore)(facts, event.payload)
    return facts


def _referral_received(facts: FoldedFacts, p: dict) -> None:
    person = p["participant"]
    facts.participants[p["referral_id"]] = ParticipantFact(
        p["referral_id"], p["referring_site"], p["region"], person["gender"], person["birth_year"],
        person["country_of_birth"], person["arrival_year"])


def _matched(facts: FoldedFacts, p: dict) -> None:
    facts.matches[p["match_id"]] = MatchFact(p["match_id"], p["referral_id"], p["region"],
                                             date.fromisoformat(p["matched_on"]))


def _closed(facts: FoldedFacts, p: dict) -> None:
    match = facts.matches.get(p["match_id"])
    if match is not None:
        facts.matches[p["match_id"]] = replace(match, closed_on=date.fromisoformat(p["closed_on"]))


def _volunteer_registered(facts: FoldedFacts, p: dict) -> None:
    facts.volunteer_regions[p["volunteer_id"]] = p["region"]


def _volunteer_screened(facts: FoldedFacts, p: dict) -> None:
    if p["outcome"] == ScreeningOutcome.APPROVED:
        facts.approvals[p["volunteer_id"]] = Approval(
            p["volunteer_id"], facts.volunteer_regions.get(p["volunteer_id"]),
            date.fromisoformat(p["screened_on"]))


def _ignore(facts: FoldedFacts, p: dict) -> None:
    return None


_APPLIERS = {
    "referral_received": _referral_received,
    "matched": _matched,
    "closed": _closed,
    "volunteer_registered": _volunteer_registered,
    "volunteer_screened": _volunteer_screened,
}
