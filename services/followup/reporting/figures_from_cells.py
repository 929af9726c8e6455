"""The evaluation's figures from counted cells, as ``figures_from_fold.summary`` gives them from folded facts. Pure.

A *cell* is the matches sharing what the figures break down by: region, site,
and the participant's gender, country and age decade at matching, with how
many of them count towards each figure of the period (established, active at
its end, eligible for and successful at six months, arrived before 2015). The
database counts the cells (``cell_counts``); this adds them up per scope (all,
each region, each site) and words them as the contract does.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from services.followup.reporting.figures_from_fold import AGE_BANDS, TOP_COUNTRIES, age_band, pct


class Cell(NamedTuple):
    region: str
    site: str | None
    gender: str | None  # None: participant not known
    country: str | None
    decade: int | None  # age at matching // 10
    established: int  # how many of the cell's matches were established in the period,
    active: int  # were active at its end,
    eligible: int  # were established and are eligible at six months,
    successful: int  # and successful,
    arrived_2014: int  # were established and their (known) participant arrived before 2015


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

    def add(self, cell: Cell) -> None:
        n = cell.established
        self.active += cell.active
        self.established += n
        self.eligible += cell.eligible
        self.successful += cell.successful
        if n and cell.gender is not None:
            assert cell.country is not None and cell.decade is not None
            self.genders[cell.gender] += n
            self.countries[cell.country] += n
            self.bands[age_band(cell.decade * 10)] += n
            self.arrived += cell.arrived_2014


def summary(cells: list[Cell], approvals: dict[str | None, int], date_from: date, date_to: date,
            region: str | None) -> dict[str, Any]:
    """The summary (without ``as_of``); ``approvals``: approvals in the period by region, every region with one."""
    everything, by_region, by_site = Tally(), {}, {}
    for cell in cells:
        everything.add(cell)
        by_region.setdefault(cell.region, Tally()).add(cell)
        if cell.site is not None:
            by_site.setdefault(cell.site, Tally()).add(cell)
    recruited = sum(n for r, n in approvals.items() if region is None or r == region)
    report = _figures(everything, recruited)
    report["period"] = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    report["region"] = region
    names = sorted(set(by_region) | {r for r in approvals if r is not None})
    report["by_region"] = {name: _figures(by_region.get(name, Tally()), approvals.get(name, 0))
                           for name in names if region is None or name == region}
    report["by_site"] = {site: _figures(by_site[site], None) for site in sorted(by_site)}
    return report


def _figures(tally: Tally, recruited: int | None) -> dict[str, Any]:
    n = tally.established
    ordered = sorted(tally.genders, key=lambda g: (-tally.genders[g], g))
    top = sorted(tally.countries.items(), key=lambda item: (-item[1], item[0]))[:TOP_COUNTRIES]
    figures: dict[str, Any] = {
        "matches_established": n,
        "matches_active": tally.active,
        "participants": {
            "n": n,
            "gender_pct": {g: pct(tally.genders[g], n) for g in ordered},
            "gender_n": {g: tally.genders[g] for g in ordered},
            "top_countries": [{"country": c, "count": k, "pct": pct(k, n)} for c, k in top],
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
