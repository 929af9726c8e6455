"""Test data schemathesis cannot derive from ``/openapi.json``, mapped as it is generated.

Loaded by ``schemathesis run`` through ``SCHEMATHESIS_HOOKS`` (the fuzzing phase; the
coverage phase's few fixed values are answered as documented). Each fix is a rule the
document states in words but JSON Schema cannot express; everything else is generated
as the document says:

- ``Idempotency-Key``: a key sent again with another request is 422 (documented).
  Generated keys repeat ("0", "00"…) across different bodies, so each gets its own,
  and the handlers behind the header are reached.
- ``participant.arrival_year`` cannot be before ``birth_year`` (a cross-field rule, 400):
  generated years are put in order.
- Dates (``format: date``) are business dates from 2000-01-01 to one year ahead, as each
  field's description and ``x-minimum``/``x-maximum`` say (400 outside them).
"""
from __future__ import annotations

import uuid
from typing import Any

import schemathesis
from hypothesis import strategies as st

from shared.validation import EARLIEST_DATE, latest_date

schemathesis.openapi.format("date", st.dates(EARLIEST_DATE, latest_date()).map(lambda day: day.isoformat()))


@schemathesis.hook
def map_headers(context: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    if headers and "Idempotency-Key" in headers:
        return {**headers, "Idempotency-Key": str(uuid.uuid4())}
    return headers


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    participant = body.get("participant") if isinstance(body, dict) else None
    if isinstance(participant, dict):
        born, arrived = participant.get("birth_year"), participant.get("arrival_year")
        if isinstance(born, int) and isinstance(arrived, int) and arrived < born:
            return {**body, "participant": {**participant, "birth_year": arrived, "arrival_year": born}}
    return body
