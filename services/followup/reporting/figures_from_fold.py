"""The evaluation's figures (CONTRACTS.md ``/api/v1/reports/summary``) from folded facts. Pure.

Percentages are of ``n`` and rounded half up to one decimal. A match is
*eligible* for the six-month measure when ``matched_on`` + 6 calendar months
lies on or before ``to``, and *successful* when it was not closed before that
mark. ``by_region`` and ``by_site`` repeat the figures for each slice.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.followup import standing
from services.followup.reporting.fold import FoldedFacts, MatchFact
from services.followup.standing import six_month_mark

AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60+")
TOP_COUNTRIES = 5


def summary(facts: FoldedFacts, date_from: date, date_to: date, region: str | None = None,
            regions: list[str] | None = None) -> dict[str, Any]:
    """The contract's summary for one period, optionally one region, with its breakdowns.

    ``regions`` narrows everything further to the regions a consultant may see.
    """
    if regions is not None:
        facts = _within(facts, set(regions))
    report = _figures(facts, date_from, date_to, lambda m: region is None or m.region == region,
                      lambda a: region is None or a.region == region)
    report["period"] = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    report["region"] = region
    report["by_region"] = {
        name: _figures(facts, date_from, date_to, lambda m, n=name: m.region == n,
                       lambda a, n=name: a.region == n)
        for name in sorted({m.region for m in facts.matches.values()} | _approval_regions(facts))
        if region is None or name == region}
    report["by_site"] = {
        site: _figures(facts, date_from, date_to,
                       lambda m, s=site: _site(facts, m) == s and (region is None or m.region == region), None)
        for site in sorted({_site(facts, m) for m in facts.matches.values()
                            if region is None or m.region == region} - {None})}
    return report


def pct(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal, half up; None when there is no whole."""
    if whole == 0:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _figures(facts: FoldedFacts, date_from: date, date_to: date, match_filter: Callable[[MatchFact], bool],
             approval_filter: Callable[[Any], bool] | None) -> dict[str, Any]:
    matches = [m for m in facts.matches.values() if match_filter(m)]
    established = [m for m in matches if date_from <= m.matched_on <= date_to]
    figures: dict[str, Any] = {
        "matches_established": len(established),
        "matches_active": sum(m.matched_on <= date_to and (m.closed_on is None or m.closed_on > date_to)
                              for m in matches),
        "participants": _participants(facts, established),
        "six_month": _six_month(established, date_to),
    }
    if approval_filter is not None:
        figures["volunteers_recruited"] = sum(
            date_from <= a.approved_on <= date_to for a in facts.approvals.values() if approval_filter(a))
    return figures


def _participants(facts: FoldedFacts, established: list[MatchFact]) -> dict[str, Any]:
    people = [(m, facts.participants.get(m.referral_id)) for m in established]
    known = [(m, p) for m, p in people if p is not None]
    n = len(established)
    genders = Counter(p.gender for _, p in known)
    countries = Counter(p.country for _, p in known)
    bands = Counter(age_band(m.matched_on.year - p.birth_year) for m, p in known)
    top = sorted(countries.items(), key=lambda item: (-item[1], item[0]))[:TOP_COUNTRIES]
    arrived = sum(p.arrival_year <= 2014 for _, p in known)
    ordered = sorted(genders, key=lambda g: (-genders[g], g))
    return {
        "n": n,
        "gender_pct": {g: pct(genders[g], n) for g in ordered},
        "gender_n": {g: genders[g] for g in ordered},
        "top_countries": [{"country": c, "count": k, "pct": pct(k, n)} for c, k in top],
        "age_band_pct": {band: pct(bands[band], n) for band in AGE_BANDS},
        "age_band_n": {band: bands[band] for band in AGE_BANDS},
        "arrived_2014_or_earlier_pct": pct(arrived, n),
        "arrived_2014_or_earlier_n": arrived,
    }


def _six_month(established: list[MatchFact], date_to: date) -> dict[str, Any]:
    eligible = [m for m in established if six_month_mark(m.matched_on) <= date_to]
    successful = sum(bool(standing.successful(six_month_mark(m.matched_on), m.closed_on, date_to))
                     for m in eligible)
    return {"eligible": len(eligible), "successful": successful, "rate_pct": pct(successful, len(eligible))}


def age_band(age: int) -> str:
    if age < 30:
        return "18-29"
    if age >= 60:
        return "60+"
    return f"{age // 10 * 10}-{age // 10 * 10 + 9}"


def _site(facts: FoldedFacts, match: MatchFact) -> str | None:
    participant = facts.participants.get(match.referral_id)
    return participant.site if participant else None


def _within(facts: FoldedFacts, regions: set[str]) -> FoldedFacts:
    return FoldedFacts(participants=facts.participants,
                 matches={k: m for k, m in facts.matches.items() if m.region in regions},
                 approvals={k: a for k, a in facts.approvals.items() if a.region in regions},
                 volunteer_regions=facts.volunteer_regions)


def _approval_regions(facts: FoldedFacts) -> set[str]:
    return {a.region for a in facts.approvals.values() if a.region}
