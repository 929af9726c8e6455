"""Answers are dumped compiled from their schemas, and say exactly what marshmallow's dump says.

Inputs are drawn from each answer schema's own fields (as the compiled checks' tests draw
them), with odd values at every depth: dates and moments as objects, numbers as text,
tuples for lists, missing keys, ``None`` where none is allowed, and arbitrary JSON.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema

from services.gateway import answers, endpoints
from services.gateway.service import GatewayService
from shared import compiled_schema
from shared.compiled_schema import Unsure
from tests.unit.test_compiled_schema import inputs, mutated, same

ANSWERS = sorted({e.answer for e in endpoints.endpoints_of(GatewayService) if e.answer is not None},
                 key=lambda schema: schema.__name__)
OBJECTS = st.sampled_from([date(2023, 1, 15), datetime(2023, 1, 15, 10, 0, tzinfo=timezone.utc),
                           datetime(2023, 1, 15, 10, 0), ("a", "b"), 7, 2.5, "7", True, None, b"x"])


def _outcome(run: Any, value: Any) -> tuple[str, Any]:
    try:
        return "value", run(value)
    except Unsure:
        return "unsure", None
    except Exception as exc:  # marshmallow may raise on odd input: the answer must raise alike
        return "error", type(exc)


def check(schema_class: type[Schema], value: Any) -> str:
    marshmallow = _outcome(endpoints._schema(schema_class).dump, value)
    compiled = compiled_schema.dumper(endpoints._schema(schema_class))
    if compiled is not None:
        fast = _outcome(compiled, value)
        assert fast[0] == "unsure" or (fast[0] == "value" and marshmallow[0] == "value"
                                       and same(fast[1], marshmallow[1])), (value, fast, marshmallow)
    answered = _outcome(lambda v: endpoints._dump(schema_class, v), value)
    assert answered[0] == marshmallow[0] and (same(answered[1], marshmallow[1]) if answered[0] == "value"
                                              else answered[1] == marshmallow[1]), (value, answered, marshmallow)
    return "compiled" if compiled is not None and fast[0] == "value" else "marshmallow"


@st.composite
def odd_objects(draw: st.DrawFn, schema: Schema) -> Any:
    """A drawn answer with one value swapped for a Python object no JSON parser gives."""
    value = draw(inputs(schema))
    if isinstance(value, dict) and value:
        target = value
        while True:
            key = draw(st.sampled_from(sorted(target)))
            if isinstance(target[key], dict) and target[key] and draw(st.booleans()):
                target = target[key]
                continue
            target[key] = draw(OBJECTS)
            return value
    return value


@pytest.mark.parametrize("schema_class", ANSWERS, ids=lambda s: s.__name__)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_answer_dumps_as_marshmallow_dumps_it(schema_class: type[Schema], data: Any) -> None:
    schema = endpoints._schema(schema_class)
    check(schema_class, data.draw(st.one_of(inputs(schema), odd_objects(schema))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_page_of_referrals_with_odd_items_dumps_as_marshmallow_dumps_it(data: Any) -> None:
    item = endpoints._schema(answers.Referral)
    items = data.draw(st.lists(st.one_of(inputs(item), odd_objects(item)), max_size=4))
    page = {"items": items, "next_cursor": data.draw(st.none() | st.text(max_size=5))}
    check(answers.ReferralPage, mutated(data.draw, page, data.draw(st.sampled_from([0, 1]))))


def _referral(n: int) -> dict[str, Any]:
    return {"referral_id": f"r-{n}", "external_ref": "X-1", "referring_site": "CTP", "region": "hovedstaden",
            "status": "waiting", "referred_on": "2023-01-15", "received_at": "2023-01-15T10:00:00+00:00",
            "days_waiting": 3, "participant": {"gender": "female", "birth_year": 1990, "country_of_birth": "SY",
                                               "arrival_year": 2015, "municipality": "København",
                                               "languages": ["ar", "da"]},
            "needs": ["language"], "preferences": {"volunteer_gender": "any"}, "interpreter_needed": False,
            "match_id": None, "withdrawn_reason_code": None, "closed_on": None}


def test_list_pages_go_the_compiled_way() -> None:
    assert check(answers.ReferralPage, {"items": [_referral(n) for n in range(3)], "next_cursor": "abc"}) \
        == "compiled"
    assert check(answers.ReferralPage, {"items": [], "next_cursor": None}) == "compiled"


@pytest.mark.parametrize("page", [{"next_cursor": None}, {"items": [_referral(1)]},
                                  {"items": ({"referral_id": "r-1"},), "next_cursor": None},
                                  {"items": [{"participant": "not an object"}], "next_cursor": None}])
def test_a_page_the_compiled_dump_cannot_vouch_for_is_marshmallows(page: dict[str, Any]) -> None:
    assert check(answers.ReferralPage, page) in ("marshmallow", "compiled")
    assert compiled_schema.dumper(endpoints._schema(answers.ReferralPage)) is not None
    if "items" not in page:  # a dict lacks "items": marshmallow dumps the dict's method
        with pytest.raises(Unsure):
            compiled_schema.dumper(endpoints._schema(answers.ReferralPage))(page)  # type: ignore[misc]
