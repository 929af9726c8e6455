"""A programme history shaped like the evaluation (DOMAIN.md), with the figures it should give.

The generator decides every fact itself (who is referred, matched when, closed when and
why), computes the report's figures on its own from those facts, and replays the history
through the bus and the gateway as the sites' systems and the consultants would.
"""
from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.support import events as ev

PERIOD = (date(2022, 1, 1), date(2023, 6, 15))
SITES = {"hovedstaden": ("CTP", "OASIS", "DIGNITY"), "syddanmark": ("RCT_HADERSLEV", "ATT_VEJLE", "ATT_ODENSE")}
COUNTRIES = [("SY", 29), ("AF", 19), ("IQ", 11), ("IR", 10), ("PK", 7), ("ER", 6), ("SO", 6), ("LB", 5),
             ("TR", 5), ("PS", 5), ("UA", 5), ("LK", 4), ("BA", 4), ("MM", 4), ("CD", 4)]  # 124 in all
AGE_AT_MATCH = [(44, 52), (35, 30), (55, 24), (25, 9), (63, 9)]  # (typical age, people): mostly 40s


@dataclass
class Match:
    ref: str
    region: str
    site: str
    gender: str
    birth_year: int
    country: str
    arrival_year: int
    referred_on: date
    matched_on: date
    closed_on: date | None = None
    reason: str | None = None
    volunteer: int = -1
    referral_id: str = ""
    match_id: str = ""


@dataclass
class Volunteer:
    region: str
    approved_on: date
    gender: str
    capacity: int = 2
    volunteer_id: str = ""
    busy_until: list[date] = field(default_factory=list)


def programme(seed: int) -> tuple[list[Match], list[Volunteer]]:
    rng = random.Random(seed)
    countries = [c for c, n in COUNTRIES for _ in range(n)]
    ages = [a + rng.randint(-4, 4) for a, n in AGE_AT_MATCH for _ in range(n)]
    rng.shuffle(countries)
    rng.shuffle(ages)
    women = set(rng.sample(range(124), 89))                 # 71.8 %
    early = set(rng.sample(range(124), 57))                 # arrived 2014 or earlier: 46.0 %
    span = (PERIOD[1] - PERIOD[0]).days
    matches = []
    for i in range(124):
        region = "hovedstaden" if i % 5 < 3 else "syddanmark"
        matched_on = PERIOD[0] + timedelta(days=rng.randrange(span + 1))
        birth_year = matched_on.year - ages[i]
        matches.append(Match(
            ref=f"EVAL-{seed}-{i:03d}", region=region, site=rng.choice(SITES[region]),
            gender="female" if i in women else "male", birth_year=birth_year, country=countries[i],
            arrival_year=rng.randint(1995, 2014) if i in early else rng.randint(2015, 2021),
            referred_on=matched_on - timedelta(days=rng.randint(5, 90)), matched_on=matched_on))
    eligible = [m for m in matches if six_month_mark(m.matched_on) <= PERIOD[1]]
    failing = {id(m) for m in rng.sample(eligible, round(0.21 * len(eligible)))}
    for match in matches:
        if id(match) in failing or (match not in eligible and rng.random() < 0.21):
            match.closed_on = match.matched_on + timedelta(days=rng.randint(20, 170))  # before the mark
            match.reason = rng.choice(("lost_contact", "participant_withdrew", "health"))
        elif rng.random() < 0.3:
            match.closed_on = match.matched_on + timedelta(days=rng.randint(200, 300))  # after it
            match.reason = "commitment_completed"
    # 100 recruited in the period, and 12 from before it who take the first matches.
    volunteers = [Volunteer("hovedstaden" if k % 2 else "syddanmark", date(2021, 6, 1) + timedelta(days=10 * k),
                            rng.choice(("female", "male"))) for k in range(12)]
    volunteers += [Volunteer("hovedstaden" if k % 5 < 3 else "syddanmark",
                             PERIOD[0] + timedelta(days=rng.randrange(span * 6 // 10)),
                             rng.choice(("female", "male"))) for k in range(100)]
    _assign(matches, volunteers)
    return matches, volunteers


def _assign(matches: list[Match], volunteers: list[Volunteer]) -> None:  # noqa: C901
    """Each match gets a volunteer of its region approved by then with a free place."""
    for match in sorted(matches, key=lambda m: m.matched_on):
        for index, volunteer in enumerate(volunteers):
            free = [d for d in volunteer.busy_until if d > match.matched_on]
            if (volunteer.region == match.region and volunteer.approved_on <= match.matched_on
                    and len(free) < volunteer.capacity):
                match.volunteer = index
                volunteer.busy_until.append(match.closed_on or date.max)
                break
        assert match.volunteer >= 0, f"no volunteer free for {match.ref}: change the seed or the pool"


def expected(matches: list[Match], volunteers: list[Volunteer], date_from: date, date_to: date) -> dict[str, Any]:
    """The figures, computed from the generator's own facts."""
    est = [m for m in matches if date_from <= m.matched_on <= date_to]
    n = len(est)

    def pct(k: int, whole: int = n) -> float | None:
        if whole == 0:
            return None
        return float((Decimal(k) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    eligible = [m for m in est if six_month_mark(m.matched_on) <= date_to]
    successful = [m for m in eligible if m.closed_on is None or m.closed_on >= six_month_mark(m.matched_on)]
    countries: dict[str, int] = {}
    for m in est:
        countries[m.country] = countries.get(m.country, 0) + 1
    top = sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))[:5]

    def band(m: Match) -> str:
        age = m.matched_on.year - m.birth_year
        return "18-29" if age < 30 else "60+" if age >= 60 else f"{age // 10 * 10}-{age // 10 * 10 + 9}"

    return {
        "matches_established": n,
        "matches_active": sum(m.matched_on <= date_to and (m.closed_on is None or m.closed_on > date_to)
                              for m in matches),
        "volunteers_recruited": sum(date_from <= v.approved_on <= date_to for v in volunteers),
        "gender_pct": {g: pct(sum(m.gender == g for m in est)) for g in ("female", "male")},
        "top_countries": [{"country": c, "count": k, "pct": pct(k)} for c, k in top],
        "age_band_pct": {b: pct(sum(band(m) == b for m in est)) for b in ("18-29", "30-39", "40-49", "50-59", "60+")},
        "arrived_2014_or_earlier_pct": pct(sum(m.arrival_year <= 2014 for m in est)),
        "six_month": {"eligible": len(eligible), "successful": len(successful),
                      "rate_pct": pct(len(successful), len(eligible))},
    }


def six_month_mark(day: date) -> date:
    """Six calendar months on, clamped to the end of the month (worked out here, independently)."""
    month = day.month - 1 + 6
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def referral_message(match: Match) -> dict[str, Any]:
    payload = ev.referral_payload(
        external_ref=match.ref, site=match.site, referred_on=match.referred_on.isoformat(),
        participant=ev.participant(gender=match.gender, birth_year=match.birth_year,
                                   country_of_birth=match.country, arrival_year=match.arrival_year),
        preferences={"volunteer_gender": "any"},
        consent={"given": True, "recorded_on": match.referred_on.isoformat()})
    return ev.envelope("referral_submitted", payload, source=match.site)


def volunteer_body(volunteer: Volunteer) -> dict[str, Any]:
    # One place more than the generator uses: closures it holds back as late corrections keep a
    # place taken in the system a little longer than in the story.
    return ev.volunteer_body(region=volunteer.region, gender=volunteer.gender, capacity=volunteer.capacity + 1)
