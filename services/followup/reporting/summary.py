"""The report summary as a use case: check the question, count the facts known then, answer."""
from __future__ import annotations

from datetime import date
from typing import Any

from services.followup.projection import REPORT
from services.followup.reporting import csv_output, disclosure_control, edge_counts, figures_from_counts, month_counts
from services.followup.reporting.spans import report_spans
from shared import reference, validation
from shared.errors import ValidationFailed
from shared.unit_of_work import ServiceDatabase


def summary(db: ServiceDatabase, params: dict[str, Any]) -> dict[str, Any]:
    """CONTRACTS.md's summary; ``{"csv": ...}`` instead when ``params["format"] == "csv"``."""
    date_from, date_to = _date(params, "from"), _date(params, "to")
    if date_from > date_to:
        raise ValidationFailed("from must not be after to", {"from": ["after to"]})
    as_of = validation.timestamp(params.get("as_of"), "as_of")
    region = params.get("region") or None
    if region is not None and region not in reference.regions():
        raise ValidationFailed(f"unknown region {region!r}", {"region": ["unknown region"]})
    regions, spans = params.get("regions"), report_spans(date_from, date_to)
    with db.reading() as conn:
        counts = month_counts.counts(conn, REPORT.counts.table, spans, as_of, region, regions)
        counts.update(edge_counts.counts(conn, REPORT, spans, as_of, region, regions))
    report = figures_from_counts.summary(counts, date_from, date_to, region)
    report["as_of"] = as_of.isoformat() if as_of else None
    below, round_to = _whole(params, "suppress_below", 0), _whole(params, "round_to", 1)
    if below:  # 0: nothing suppressed (a coordinator's choice, CONTRACTS.md 4.3)
        report = disclosure_control.protect(report, below, round_to)
    if params.get("format", "json") == "csv":
        return {"csv": csv_output.to_csv(report)}
    return report


def _whole(params: dict[str, Any], name: str, least: int) -> int | None:
    value = params.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
        raise ValidationFailed(f"{name} must be a whole number of at least {least}", {name: [f"must be >= {least}"]})
    return value


def _date(params: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(str(params[name]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(f"{name} is required as YYYY-MM-DD", {name: ["required date"]}) from exc
