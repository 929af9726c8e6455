"""The evaluation's figures from counts, as ``figures_from_fold.summary`` gives them from folded facts. Pure.

A *count* is how many matches (or approvals) of one slice — a region and a site
(None: participant not known) — count towards one ``measure`` (``contributions``),
with a ``key`` for a breakdown, over one span of days (``spans``). The figures
of the period are then sums and one difference:

- established: matched in the period; its participants' genders, countries and
  age decades, and how many arrived in 2014 or before, likewise;
- active at the end: matched by the end − closed by the end;
- eligible: matched between the period's start and the last day a mark can be
  reached by its end; successful: those of them not closed before their mark;
- which regions and sites are listed: those with anything ever (not only in the period).

This adds them up per scope (all, each region, each site) and words them as the contract does.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.followup.reporting.contributions import (
    APPROVED,
    ARRIVED,
    CLOSED,
    COUNTRY,
    DECADE,
    GENDER,
    MATCHED,
    SUCCESSFUL,
)
from services.followup.reporting.figures_from_fold import AGE_BANDS, TOP_COUNTRIES, age_band, pct
from services.followup.reporting.spans import BY_END, ELIGIBLE, EVER, PERIOD

Counts = Counter[tuple[str | None, str | None, str, str, str]]  # region, site, measure, key, span


@dataclass
class Tally:
    established: int = 0
    active: int = 0
    eligible: int = 0
    successful: int = 0
    arrived: int = 0
    genders: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)
    bands: Counter[str] = field(default_factory=Counter)

    def add(self, measure: str, key: str, span: str, n: int) -> None:
        if span == PERIOD:
            if measure == MATCHED:
                self.established += n
            elif measure == ARRIVED:
                self.arrived += n
            elif measure == GENDER:
                self.genders[key] += n
            elif measure == COUNTRY:
                self.countries[key] += n
            elif measure == DECADE:
                self.bands[age_band(int(key) * 10)] += n
        elif span == ELIGIBLE:
            if measure == MATCHED:
                self.eligible += n
            elif measure == SUCCESSFUL:
                self.successful += n
        elif span == BY_END:
            if measure == MATCHED:
                self.active += n
            elif measure == CLOSED:
                self.active -= n


def summary(counts: Counts, date_from: date, date_to: date, region: str | None) -> dict[str, Any]:
    """The summary (without ``as_of``) from the counts of the slices the caller may see."""
    everything, by_region, by_site = Tally(), {}, {}
    slices = {(r, s) for (r, s, measure, _key, span), n in counts.items() if measure == MATCHED and span == EVER and n}
    approvals = {r: 0 for (r, _s, measure, _key, span), n in counts.items()
                 if measure == APPROVED and span == EVER and n and r is not None}
    recruited = 0
    for (r, s, measure, key, span), n in counts.items():
        if measure == APPROVED:
            if span == PERIOD:
                recruited += n
                if r is not None:
                    approvals[r] = approvals.get(r, 0) + n
        else:
            everything.add(measure, key, span, n)
            by_region.setdefault(r, Tally()).add(measure, key, span, n)
            if s is not None:
                by_site.setdefault(s, Tally()).add(measure, key, span, n)
    report = _figures(everything, recruited)
    report["period"] = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    report["region"] = region
    names = sorted({r for r, _ in slices} | set(approvals))
    report["by_region"] = {name: _figures(by_region.get(name, Tally()), approvals.get(name, 0)) for name in names}
    report["by_site"] = {site: _figures(by_site.get(site, Tally()), None)
                         for site in sorted({s for _, s in slices if s is not None})}
    return report


def _figures(tally: Tally, recruited: int | None) -> dict[str, Any]:
    n = tally.established
    genders = {g: k for g, k in tally.genders.items() if k}
    ordered = sorted(genders, key=lambda g: (-genders[g], g))
    top = sorted(((c, k) for c, k in tally.countries.items() if k), key=lambda item: (-item[1], item[0]))
    figures: dict[str, Any] = {
        "matches_established": n,
        "matches_active": tally.active,
        "participants": {
            "n": n,
            "gender_pct": {g: pct(genders[g], n) for g in ordered},
            "gender_n": {g: genders[g] for g in ordered},
            "top_countries": [{"country": c, "count": k, "pct": pct(k, n)} for c, k in top[:TOP_COUNTRIES]],
            "age_band_pct": {b: pct(tally.bands[b], n) for b in AGE_BANDS},
            "age_band_n": {b: tally.bands[b] for b in AGE_BANDS},
            "arrived_2014_or_earlier_pct": pct(tally.arrived, n),
            "arrived_2014_or_earlier_n": tally.arrived,
        },
        "six_month": {"eligible": tally.eligible, "successful": tally.successful,
                      "rate_pct": pct(tally.successful, tally.eligible)},
    }
    if recruited is not None:
        figures["volunteers_recruited"] = recruited
    return figures
