"""Reports that cannot identify: small cells suppressed so that no sum gives them away. Pure.

A report's counts are cells tied by sums: a slice's figures add up to the whole
(``by_region`` and ``by_site`` to the total, a region's sites to the region),
genders, age bands and arrival to ``n``, the six-month successes and failures to
``eligible``. Every cell under ``below`` is hidden (*primary* suppression); then,
while some hidden small cell can still be worked out from the visible ones by any
combination of those sums (exact linear algebra, not only one subtraction at a
time), the smallest visible cell that shares a sum with it is hidden too
(*complementary* suppression). A percentage is hidden with its count.

Two reports asked apart (two periods one day apart, two ``as_of`` moments) differ
by cells no single report shows; ``round_to`` rounds every visible count to a
multiple of itself (half up), so a difference of two published counts is itself a
multiple and never a small number. Percentages are then computed from the
published counts, so they give back no more than those.

The figures' shape is ``services.followup.reporting.figures_from_fold.summary``'s; any producer of the
same figures (a fold or a projection) composes with this step.
"""
from __future__ import annotations

import copy
from typing import Any

from services.followup.reporting.csv_output import scoped
from services.followup.reporting.figures_from_fold import pct
from shared import reference

Cell = tuple[str, ...]  # (scope, *path): ("all", "participants", "gender_n", "female")
Relation = tuple[Cell, list[Cell]]  # total = sum of parts

OTHER_COUNTRIES = "other_countries"  # the participants from countries outside a top list (never shown)
_PRIME = (1 << 61) - 1
LOOKAHEAD = 6  # complements tried per step  # exact arithmetic for a rank question about small integer sums


def protect(report: dict[str, Any], below: int, round_to: int | None = None) -> dict[str, Any]:
    """``report`` with cells under ``below`` (and their complements) as ``"<below>"``, maybe rounded."""
    result = copy.deepcopy(report)
    values, published = _cells(result)
    relations = _relations(result, values)
    hidden = hidden_cells(values, published, relations, below)
    _write(result, values, hidden, f"<{below}", round_to)
    result["suppressed_below"] = below
    if round_to:
        result["rounded_to"] = round_to
    return result


def hidden_cells(values: dict[Cell, int], published: set[Cell], relations: list[Relation],
                 below: int) -> set[Cell]:
    """The published cells to hide so that no cell under ``below`` is determined by the rest."""
    small = {cell for cell, value in values.items()
             if value < below and not (cell[-1] == OTHER_COUNTRIES and value == 0)}  # a complete list
    hidden = (small & published) | (set(values) - published)
    exposed = determined(hidden, relations) & small
    while exposed:
        hidden, exposed = _complement(exposed, values, published, hidden, relations, small)
    return hidden & published


def determined(hidden: set[Cell], relations: list[Relation]) -> set[Cell]:
    """The hidden cells whose value follows from the visible ones through the sums."""
    pivots: dict[Cell, dict[Cell, int]] = {}
    for total, parts in relations:
        row: dict[Cell, int] = {}
        for cell, coefficient in [(total, -1), *((part, 1) for part in parts)]:
            if cell in hidden:
                row[cell] = (row.get(cell, 0) + coefficient) % _PRIME
        _add_row({cell: c for cell, c in row.items() if c}, pivots)
    return {cell for cell, row in pivots.items() if len(row) == 1}


def _add_row(row: dict[Cell, int], pivots: dict[Cell, dict[Cell, int]]) -> None:
    """Gauss-Jordan, one equation at a time: ``pivots`` stays in reduced row echelon form."""
    for cell in [c for c in row if c in pivots]:
        factor = row.get(cell, 0)
        if factor:
            for other, c in pivots[cell].items():
                row[other] = (row.get(other, 0) - factor * c) % _PRIME
    row = {cell: c for cell, c in row.items() if c}
    if not row:
        return
    lead = min(row)
    inverse = pow(row[lead], _PRIME - 2, _PRIME)
    row = {cell: c * inverse % _PRIME for cell, c in row.items()}
    for other in pivots.values():
        factor = other.get(lead, 0)
        if factor:
            for cell, c in row.items():
                other[cell] = (other.get(cell, 0) - factor * c) % _PRIME
            for cell in [cell for cell, c in other.items() if not c]:
                del other[cell]
    pivots[lead] = row


def _complement(exposed: set[Cell], values: dict[Cell, int], published: set[Cell], hidden: set[Cell],
                relations: list[Relation], small: set[Cell]) -> tuple[set[Cell], set[Cell]]:
    """Hide one more visible cell, for the smallest exposed cell.

    The candidates are the visible cells of the sums that reach it through hidden
    cells (what gives it away may be a sum or two further on). Of the smallest few,
    the one that covers it, else leaves the fewest exposed; a part before a total.
    """
    target = min(exposed, key=lambda c: (values[c], c))
    reach, frontier = {target}, [target]
    touching: list[Relation] = []
    while frontier:
        cell = frontier.pop()
        for relation in relations:
            members = {relation[0], *relation[1]}
            if cell in members:
                touching.append(relation)
                for other in members & hidden - reach:
                    reach.add(other)
                    frontier.append(other)
    found = {c for total, parts in touching for c in (total, *parts) if c in published and c not in hidden}
    ordered = sorted(found, key=lambda c: (values[c], c[0] == "all", c))
    tried = []
    for cell in ordered[:LOOKAHEAD]:
        left = determined(hidden | {cell}, relations) & small
        tried.append(((target in left, len(left), cell[0] == "all", values[cell], cell), left))
    if not tried:  # nothing visible is left to hide
        return hidden, set()
    (*_, chosen), left = min(tried, key=lambda t: t[0])
    return hidden | {chosen}, left


def _cells(report: dict[str, Any]) -> tuple[dict[Cell, int], set[Cell]]:
    values: dict[Cell, int] = {}
    published: set[Cell] = set()
    for scope, figures in scoped(report):
        for path, value in _counts(figures):
            values[(scope, *path)] = value
            published.add((scope, *path))
        people, six = figures["participants"], figures["six_month"]
        values[(scope, "participants", "not_arrived")] = people["n"] - people["arrived_2014_or_earlier_n"]
        values[(scope, "six_month", "failed")] = six["eligible"] - six["successful"]
        listed = sum(c["count"] for c in people["top_countries"])
        values[(scope, "participants", OTHER_COUNTRIES)] = people["n"] - listed
    return values, published


def _counts(figures: dict[str, Any]) -> list[tuple[tuple[str, ...], int]]:
    people, six = figures["participants"], figures["six_month"]
    found = [((key,), figures[key]) for key in ("matches_established", "matches_active", "volunteers_recruited")
             if key in figures]
    found += [(("participants", "n"), people["n"]),
              (("participants", "arrived_2014_or_earlier_n"), people["arrived_2014_or_earlier_n"]),
              (("six_month", "eligible"), six["eligible"]), (("six_month", "successful"), six["successful"])]
    for group in ("gender_n", "age_band_n"):
        found += [(("participants", group, key), count) for key, count in people[group].items()]
    found += [(("participants", "country", c["country"]), c["count"]) for c in people["top_countries"]]
    return found


def _relations(report: dict[str, Any], values: dict[Cell, int]) -> list[Relation]:
    relations: list[Relation] = []
    scopes = [scope for scope, _ in scoped(report)]
    for scope, figures in scoped(report):
        relations += _within(scope, figures)
    # Each slice's top list is its own: what it leaves out does not add up across slices.
    paths = {cell[1:] for cell in values if cell[0] == "all" and cell[-1] != OTHER_COUNTRIES}
    regions = [s for s in scopes if s.startswith("region:")]
    sites = [s for s in scopes if s.startswith("site:")]
    groups = [("all", regions), ("all", sites)]
    groups += [(region, [s for s in sites if _region_of(s) == region.removeprefix("region:")]) for region in regions]
    for total_scope, part_scopes in groups:
        if not part_scopes:
            continue
        for path in sorted(paths):
            total = (total_scope, *path)
            if total not in values:
                continue
            parts = [(scope, *path) for scope in part_scopes]
            if path[:2] == ("participants", "country") and any(
                    part not in values and values[(part[0], "participants", OTHER_COUNTRIES)] for part in parts):
                continue  # a slice whose top list leaves this country out holds it unseen: no sum to use
            parts = [part for part in parts if part in values]
            if parts or path[:2] == ("participants", "country"):
                relations.append((total, parts))
    return relations


def _within(scope: str, figures: dict[str, Any]) -> list[Relation]:
    people = figures["participants"]
    n = (scope, "participants", "n")
    relations: list[Relation] = [((scope, "matches_established"), [n])]  # n counts the matches established
    for group in ("gender_n", "age_band_n"):
        if people[group]:
            relations.append((n, [(scope, "participants", group, key) for key in people[group]]))
    arrived = [(scope, "participants", "arrived_2014_or_earlier_n"), (scope, "participants", "not_arrived")]
    relations.append((n, arrived))
    countries = [(scope, "participants", "country", c["country"]) for c in people["top_countries"]]
    relations.append((n, [*countries, (scope, "participants", OTHER_COUNTRIES)]))
    six = (scope, "six_month")
    relations.append(((*six, "eligible"), [(*six, "successful"), (*six, "failed")]))
    return relations


def _write(report: dict[str, Any], values: dict[Cell, int], hidden: set[Cell], mark: str,
           round_to: int | None) -> None:
    def shown(cell: Cell) -> Any:
        if cell in hidden:
            return mark
        return _rounded(values[cell], round_to) if round_to else values[cell]

    for scope, figures in scoped(report):
        for path, _ in _counts(figures):
            if path[:2] != ("participants", "country"):
                _set(figures, path, shown((scope, *path)))
        people, six = figures["participants"], figures["six_month"]
        n = shown((scope, "participants", "n"))
        for group, pcts in (("gender_n", "gender_pct"), ("age_band_n", "age_band_pct")):
            for key in people[group]:
                people[pcts][key] = _pct(people[group][key], n, mark)
        for country in people["top_countries"]:
            country["count"] = shown((scope, "participants", "country", country["country"]))
            country["pct"] = _pct(country["count"], n, mark)
        people["arrived_2014_or_earlier_pct"] = _pct(people["arrived_2014_or_earlier_n"], n, mark)
        six["rate_pct"] = _pct(six["successful"], six["eligible"], mark)


def _pct(part: Any, whole: Any, mark: str) -> Any:
    return mark if mark in (part, whole) else pct(part, whole)


def _rounded(value: int, base: int) -> int:
    return (value + base // 2) // base * base


def _set(figures: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = figures
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _region_of(site_scope: str) -> str | None:
    site = site_scope.removeprefix("site:")
    return reference.region_of_site(site) if site in reference.site_codes() else None
