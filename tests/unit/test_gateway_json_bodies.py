"""Answers are written with orjson and say what ``json.dumps(ensure_ascii=False, default=str)`` says."""
from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date, datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.gateway.json_bodies import json_response


@dataclasses.dataclass
class _Row:
    n: int


ODD = st.sampled_from([datetime(2023, 1, 15, 10, 0, tzinfo=timezone.utc), datetime(2023, 1, 15), date(2023, 1, 15),
                       uuid.UUID(int=7), _Row(1), {1, 2}, 2**70, -(2**64), "æ\u2028\x00\"\\", 0.1, -0.0, 1e300,
                       (1, "a"), b"bytes"])
FINITE = st.floats(allow_nan=False, allow_infinity=False)
KEYS = st.one_of(st.text(max_size=4), st.integers(-3, 3), st.booleans(), st.none(), st.sampled_from([1.5]))
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | FINITE | st.text(max_size=6)
                      | ODD, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
                      max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(value=VALUES)
def test_an_answer_reads_back_as_json_dumps_wrote_it(value: Any) -> None:
    expected = json.loads(json.dumps(value, ensure_ascii=False, default=str))
    assert json.loads(json_response(value).get_data()) == expected


def test_a_number_json_cannot_write_is_null_not_an_invalid_token() -> None:
    assert json_response([float("nan"), float("inf"), -float("inf")]).get_data() == b"[null,null,null]"


def test_an_answer_is_utf8_json() -> None:
    response = json_response({"navn": "Søren", "at": datetime(2023, 1, 15, tzinfo=timezone.utc)}, 201)
    assert response.status_code == 201 and response.content_type == "application/json"
    assert response.get_data().decode("utf-8") == '{"navn":"Søren","at":"2023-01-15 00:00:00+00:00"}'
