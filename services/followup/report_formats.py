"""Reports leaving the organisation: small counts suppressed, and the same figures as CSV. Pure."""
from __future__ import annotations

import copy
import csv
import io
from typing import Any

FIGURE_SCOPES = ("by_region", "by_site")


def suppress(report: dict[str, Any], below: int) -> dict[str, Any]:
    """Replace every count under ``below``, and each percentage built on one, with ``"<below>"``."""
    result = copy.deepcopy(report)
    for figures in _all_figures(result):
        _suppress_figures(figures, below)
    result["suppressed_below"] = below
    return result


def to_csv(report: dict[str, Any]) -> str:
    """One row per figure: scope, figure, key, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "figure", "key", "value"])
    for scope, figures in _scoped(report):
        for figure, key, value in _flatten(figures):
            writer.writerow([scope, figure, key, "" if value is None else value])
    return out.getvalue()


def _suppress_figures(figures: dict[str, Any], below: int) -> None:
    hidden = f"<{below}"
    small = lambda count: isinstance(count, int) and count < below  # noqa: E731
    for key in ("matches_established", "matches_active", "volunteers_recruited"):
        if small(figures.get(key)):
            figures[key] = hidden
    people = figures["participants"]
    for counts, pcts in (("gender_n", "gender_pct"), ("age_band_n", "age_band_pct")):
        cells = dict(people[counts])
        covered = {key for key, count in cells.items() if small(count) or small(people["n"])}
        if len(covered) == 1 and len(cells) > 1:
            # One hidden cell of a group that adds up to n could be had by subtraction:
            # hide the next smallest as well.
            covered.add(min((k for k in cells if k not in covered), key=lambda k: (cells[k], k)))
        for key in covered:
            people[counts][key], people[pcts][key] = hidden, hidden
    for country in people["top_countries"]:
        if small(country["count"]) or small(people["n"]):
            country["count"], country["pct"] = hidden, hidden
    arrived = people["arrived_2014_or_earlier_n"]
    if small(arrived) or small(people["n"]) or small(people["n"] - arrived):
        people["arrived_2014_or_earlier_n"] = people["arrived_2014_or_earlier_pct"] = hidden
    if small(people["n"]):
        people["n"] = hidden
    six = figures["six_month"]
    if small(six["eligible"]):
        six.update(eligible=hidden, successful=hidden, rate_pct=hidden)
    elif small(six["successful"]) or small(six["eligible"] - six["successful"]):
        six.update(successful=hidden, rate_pct=hidden)  # the failures are the complement


def _all_figures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [figures for _, figures in _scoped(report)]


def _scoped(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    scoped = [("all", report)]
    for scope in FIGURE_SCOPES:
        scoped += [(f"{scope.removeprefix('by_')}:{name}", figures)
                   for name, figures in report.get(scope, {}).items()]
    return scoped


def _flatten(figures: dict[str, Any]) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for name, value in figures.items():
        if name in FIGURE_SCOPES or name in ("period", "region", "as_of", "suppressed_below"):
            continue
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, dict):
                    rows += [(f"{name}.{key}", k, v) for k, v in inner.items()]
                elif isinstance(inner, list):
                    rows += [(f"{name}.{key}", item["country"], item["pct"]) for item in inner]
                else:
                    rows.append((name, key, inner))
        else:
            rows.append((name, "", value))
    return rows
