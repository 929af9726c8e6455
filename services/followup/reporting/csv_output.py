"""The report's figures as CSV, one row per figure. Pure. (Suppression: ``disclosure_control``.)"""
from __future__ import annotations

import csv
import io
from typing import Any

FIGURE_SCOPES = ("by_region", "by_site")


def to_csv(report: dict[str, Any]) -> str:
    """One row per figure: scope, figure, key, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "figure", "key", "value"])
    for scope, figures in scoped(report):
        for figure, key, value in _flatten(figures):
            writer.writerow([scope, figure, key, "" if value is None else value])
    return out.getvalue()


def scoped(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each set of figures with its scope: ``all``, ``region:<name>``, ``site:<code>``."""
    found = [("all", report)]
    for scope in FIGURE_SCOPES:
        found += [(f"{scope.removeprefix('by_')}:{name}", figures)
                  for name, figures in report.get(scope, {}).items()]
    return found


def _flatten(figures: dict[str, Any]) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for name, value in figures.items():
        if name in FIGURE_SCOPES or name in ("period", "region", "as_of", "suppressed_below", "rounded_to"):
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
