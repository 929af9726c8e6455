"""Projections with the random parts taken out, so two runs of one workload compare row for row."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import MetaData, create_engine, select

from shared.keyring import Keyring
from tests.faults.tally import _payloads
from tests.support.canary import opened_row


def canonical(urls: dict[str, str]) -> dict[str, list[str]]:
    """Every projection table of every service, ids replaced by business keys, times dropped."""
    ref_of = {e["payload"]["referral_id"]: e["payload"]["external_ref"]
              for e in _payloads(urls["referrals"], "referral_received", "recorded")}
    match_ref = {e["payload"]["match_id"]: ref_of.get(e["payload"]["referral_id"])
                 for e in _payloads(urls["matching"], "matched", "recorded")}
    result: dict[str, list[str]] = {}
    keyring = Keyring()  # the runner's LGV_MASTER_KEY, which the services share
    for service, url in urls.items():
        engine = create_engine(url)
        try:
            metadata = MetaData()
            metadata.reflect(engine)
            with engine.connect() as conn:
                for name, table in metadata.tables.items():
                    if name in _STORE_TABLES or f"{service}.{name}" in _CLOCK_TABLES:
                        continue
                    query = select(table)
                    skip = set(_ARRIVAL_ORDER_COLUMNS.get(f"{service}.{name}", set()))
                    if "superseded_at" in table.c:
                        # A bitemporal table's history is when each fact arrived, which competing
                        # consumers and faults change; what it holds now is what the events say.
                        query = query.where(table.c.superseded_at.is_(None))
                        skip.add("version")
                    rows = [opened_row(keyring, conn, dict(r)) for r in conn.execute(query).mappings()]
                    result[f"{service}.{name}"] = sorted(
                        json.dumps({k: v for k, v in _row(r, ref_of, match_ref).items() if k not in skip},
                                   sort_keys=True, default=str) for r in rows)
        finally:
            engine.dispose()
    return result


# The store's own tables, the event index and the access log among them: they follow the log
# (which competing consumers and faults fill in another order), not what the events say.
_STORE_TABLES = {"events", "outbox", "dead_letters", "stream_positions", "parked_events", "subject_keys",
                 "key_check", "event_subjects", "access_log", "alembic_version"}
# Fed by a daily timer, not by the workload: what they hold depends on when the timer fired.
_CLOCK_TABLES = {"followup.reminders"}
# Judgements recorded with an intake check-in from what was known when it arrived (its place
# among the match's contacts, the due date it answered). Independent intake events have no
# order on the bus, so competing consumers may take a match's check-ins in another order.
_ARRIVAL_ORDER_COLUMNS = {"followup.checkins": {"number", "due_on"}}


def _row(row: dict[str, Any], ref_of: dict[str, str], match_ref: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column == "referral_id":
            out[column] = ref_of.get(value, value)
        elif column == "match_id":
            out[column] = match_ref.get(value, value)
        elif column.endswith("_id") or column.endswith("_at") or column in ("id", "n", "seq"):
            continue  # generated at random or by the clock: not part of what the events say
        else:
            out[column] = value
    return out
