"""What one version of a fact counts towards, and what a new version changes in the counts. Pure.

A count is named by the slice it belongs to (region, site), what it counts
(*measure*, with a *key* for a breakdown: a gender, a country, an age decade)
and the month of the date it is counted by: ``matched_on`` for everything
about a match but its closure, which counts by the day it ended the match
(the later of matched and closed: "matched and closed by the end" is one
range). The same conditions are written in SQL for the days the count tables
do not hold (``edge_counts``); the fold (``figures_from_fold``) is the oracle of both.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from services.followup.reporting.spans import Month, month_of

MATCHED, SUCCESSFUL, ARRIVED, CLOSED = "matched", "successful", "arrived", "closed"
GENDER, COUNTRY, DECADE = "gender", "country", "decade"  # of the participant, when known
APPROVED = "recruited"  # a volunteer approved (its region as known then; no site)
ARRIVED_BY = 2014  # arrived_2014_or_earlier

Count = tuple[str | None, str | None, str, str, Month]  # region, site, measure, key ("" for none), month


def of_match(row: Mapping[str, Any]) -> list[Count]:
    """The counts a ``report_matches`` row is one of."""
    region, site, month = row["region"], row["site"], month_of(row["matched_on"])
    found: list[Count] = [(region, site, MATCHED, "", month)]
    if row["closed_on"] is None or row["closed_on"] >= row["six_month_on"]:  # successful when eligible
        found.append((region, site, SUCCESSFUL, "", month))
    if row["gender"] is not None:
        found += [(region, site, GENDER, row["gender"], month), (region, site, COUNTRY, row["country"], month),
                  (region, site, DECADE, str(row["age_decade"]), month)]
        if row["arrival_year"] <= ARRIVED_BY:
            found.append((region, site, ARRIVED, "", month))
    if row["closed_on"] is not None:
        found.append((region, site, CLOSED, "", month_of(max(row["matched_on"], row["closed_on"]))))
    return found


def of_approval(row: Mapping[str, Any]) -> list[Count]:
    """The count a ``report_approvals`` row is one of."""
    return [(row["region"], None, APPROVED, "", month_of(row["approved_on"]))]


def change(old: list[Count], new: list[Count]) -> dict[Count, int]:
    """What replacing a version that was ``old`` by one that is ``new`` adds to each count (no zeros)."""
    delta: Counter[Count] = Counter(new)
    delta.subtract(old)
    return {count: n for count, n in delta.items() if n}
