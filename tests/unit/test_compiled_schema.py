"""The compiled checks answer exactly what marshmallow answers, or step aside (``Unsure``).

Inputs are drawn from each schema's own fields: valid values, values just off
(wrong types, bools for integers, odd date spellings, control characters, None,
missing and extra keys) and arbitrary JSON, at every depth.
"""
from __future__ import annotations

import string
from datetime import date, datetime, timedelta, timezone
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, missing, validate, validates, validates_schema

from shared import compiled_schema, envelope
from shared.compiled_schema import Unsure
from shared.contracts import REGISTRY
from shared.validation import propagate_unknown
from tests.support import events as ev

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                              max_size=3),
                    max_leaves=6)
ODD_TEXT = st.sampled_from(["", " ", "a\x00b", "line\nbreak", "tab\there", "\u202eevil", "x" * 6000,
                            "2023-1-5", "2023-01-15\n", " 2023-01-15", "２０２３-01-15", "2023-02-30",
                            "2023-01-15T10:00:00", "2023-01-15T10:00:00+01:00", "1999-12-31", "9999-12-31",
                            "2023-01-15T10:00:00Z", "2023-01-15T10:00:00.5-00:30", "2023-01-15T10:00:00+0100",
                            "2023-01-15T24:00:00Z", "2023-01-15T10:00:00+24:00", "2023-01-15 10:00:00Z",
                            "2023-01-15T10:00:00.1234567+01:00", "2023-01-15T10:00:00Z\n",
                            "1", "true", "SY", "sy", "ar", "female", "any"])
ODD = st.one_of(st.none(), st.booleans(), st.integers(-3, 3000), st.sampled_from([1.0, 2014.0, float("nan")]),
                ODD_TEXT, st.just([]), st.just({}), JSON)


def _validator(field: fields.Field, kind: type) -> Any:
    return next((v for v in field.validators if isinstance(v, kind)), None)


def _choices(field: fields.Field) -> tuple[Any, ...] | None:
    """The values a field allows, as JSON carries them (a StrEnum member as its plain string)."""
    found = next((getattr(v, "choices") for v in field.validators if hasattr(v, "choices")),
                 field.metadata.get("enum"))
    return None if found is None else tuple(str(c) if isinstance(c, str) else c for c in found)


def _range(field: fields.Field, low: int, high: int) -> tuple[int, int]:
    bounds = _validator(field, validate.Range)
    if bounds is not None:
        return (low if bounds.min is None else bounds.min), (high if bounds.max is None else bounds.max)
    years = next((v for v in field.validators if hasattr(v, "bounds")), None)
    return years.bounds() if years is not None else (low, high)


def valid(field: fields.Field) -> st.SearchStrategy[Any]:
    """Values the field takes (all but the schema's own cross-field rules)."""
    if isinstance(field, fields.Nested):
        return valid_object(field.schema)
    if _choices(field):
        return st.sampled_from(_choices(field))
    length = _validator(field, validate.Length)
    low, high = (length.min or 0, min(length.max or 12, 12)) if length else (0, 12)
    if isinstance(field, fields.List):
        inner = valid(field.inner)
        unique = any(getattr(v, "__name__", "") == "_unique" for v in field.validators)
        return st.lists(inner, min_size=low, max_size=max(low, min(high, 4)), unique=unique)
    if isinstance(field, fields.Boolean):
        return st.booleans()
    if isinstance(field, fields.Integer):
        return st.integers(*_range(field, -5, 3000))
    if isinstance(field, fields.Float):
        return st.floats(-1e6, 1e6)
    if isinstance(field, fields.AwareDateTime):
        return st.datetimes(min_value=datetime(1990, 1, 1), timezones=st.just(timezone.utc)
                            | st.just(timezone(timedelta(hours=1)))).map(lambda d: d.isoformat())
    if isinstance(field, fields.Date):
        return st.dates(date(2000, 1, 1), date.today() + timedelta(days=300)).map(date.isoformat)
    if isinstance(field, fields.Dict):
        return st.dictionaries(st.text(string.ascii_lowercase, max_size=4), st.integers(0, 5), max_size=3)
    pattern = _validator(field, validate.Regexp)
    if pattern is not None:
        return st.from_regex(pattern.regex, fullmatch=True)
    return st.text(string.ascii_letters + string.digits + "-_ æøåé", min_size=max(low, 1), max_size=high)


def valid_object(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """A dict ``schema`` should accept: required fields present, others present, None or missing."""
    drawn = {}
    for name, field in schema.load_fields.items():
        value = valid(field)
        if field.allow_none:
            value = value | st.none()
        if not field.required:
            value = value | st.just(compiled_schema.missing)
        drawn[name] = value
    return st.fixed_dictionaries(drawn).map(
        lambda known: {k: v for k, v in known.items() if v is not compiled_schema.missing})


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


def mutated(draw: st.DrawFn, value: Any, times: int) -> Any:
    """``value`` with up to ``times`` changes: a value made odd, a key dropped, a key added."""
    for _ in range(times):
        path = draw(st.sampled_from(_paths(value)))
        if not path:
            return draw(ODD)
        *parents, last = path
        target = value
        for key in parents:
            target = target[key]
        action = draw(st.sampled_from(["odd", "odd", "drop", "add"]))
        if action == "odd":
            target[last] = draw(ODD)
        elif action == "drop" and isinstance(target, dict):
            del target[last]
        elif isinstance(target, dict):
            target[draw(st.sampled_from(["extra", "payload", "id", "name"]))] = draw(JSON)
    return value


def inputs(schema: Schema) -> st.SearchStrategy[Any]:
    """Mostly valid objects, some with one or two changes, now and then arbitrary JSON."""
    @st.composite
    def drawn(draw: st.DrawFn) -> Any:
        value = draw(valid_object(schema))
        return mutated(draw, value, draw(st.sampled_from([0, 0, 1, 1, 2])))
    return st.one_of(drawn(), drawn(), drawn(), JSON)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 == True == 1.0 would hide a difference)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset() and a.tzname() == b.tzname()
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)


def _registry_schema(event_type: str, version: int, strict: bool) -> Schema:
    schema = REGISTRY.schema(event_type, version)(unknown=RAISE if strict else EXCLUDE)
    propagate_unknown(schema)
    return schema


PAYLOADS = [(t, v, strict) for t in REGISTRY.event_types() for v in REGISTRY.versions(t)
            for strict in (True, False)]


def _answers(run: Any, data: Any) -> tuple[str, Any]:
    try:
        return "value", run(data)
    except ValidationError:
        return "invalid", None
    except Unsure:
        return "unsure", None
    except Exception as exc:  # marshmallow may raise on odd input; the compiled check must then step aside
        return "error", type(exc)


def check_normaliser(schema: Schema, data: Any) -> str:
    fast = compiled_schema.normaliser(schema)
    assert fast is not None
    expected = _answers(lambda d: dict(schema.dump(schema.load(d))), data)
    got = _answers(fast, data)
    if got[0] == "value":
        assert expected[0] == "value" and same(got[1], expected[1]), (data, got, expected)
    else:
        assert got[0] == "unsure", got
    return got[0]


@pytest.mark.parametrize(("event_type", "version", "strict"), PAYLOADS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_compiled_payload_check_answers_as_marshmallow_or_steps_aside(event_type: str, version: int,
                                                                        strict: bool, data: Any) -> None:
    schema = _registry_schema(event_type, version, strict)
    check_normaliser(schema, data.draw(inputs(schema)))


@pytest.mark.parametrize("strict", [True, False])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_compiled_envelope_check_loads_as_marshmallow_or_steps_aside(strict: bool, data: Any) -> None:
    schema = envelope.EnvelopeSchema(unknown=RAISE if strict else EXCLUDE)
    fast = compiled_schema.loader(schema)
    assert fast is not None
    sample = data.draw(inputs(schema))
    expected, got = _answers(schema.load, sample), _answers(fast, sample)
    if got[0] == "value":
        assert expected[0] == "value" and same(got[1], expected[1]), (sample, got, expected)
    else:
        assert got[0] == "unsure", got


def test_the_events_consumers_take_every_day_go_the_compiled_way() -> None:
    submitted = ev.referral_submitted()
    assert check_normaliser(_registry_schema("referral_submitted", 1, False), submitted["payload"]) == "value"
    assert check_normaliser(_registry_schema("checkin_reported", 1, True),
                            {"match_id": "m-1", "occurred_on": "2023-03-01", "contact": "meeting"}) == "value"
    received = {**submitted["payload"], "referral_id": "r-1", "region": "hovedstaden"}
    assert check_normaliser(_registry_schema("referral_received", 1, True), received) == "value"
    assert compiled_schema.loader(envelope._TOLERANT) is not None
    assert envelope._FAST[False] is not None and envelope._FAST[False](submitted)["source"] == "CTP"
    # Moments are parsed here too (not by the field's own deserialize), into the zone marshmallow gives them.
    with mock.patch.object(fields.AwareDateTime, "_deserialize", side_effect=AssertionError):
        assert envelope._FAST[False](submitted)["occurred_at"].tzname() == "+0100"


@pytest.mark.parametrize("change, field", [
    (lambda p: p["participant"].update(arrival_year=1970), "payload.participant.arrival_year"),  # a schema hook
    (lambda p: p["consent"].update(given=False), "payload.consent.given"),  # a field hook
    (lambda p: p.update(referred_on="2023-1-5x"), "payload.referred_on"),
    (lambda p: p["participant"].update(birth_year=True), "payload.participant.birth_year"),
])
def test_what_the_compiled_check_refuses_gets_marshmallows_field_errors(change: Any, field: str) -> None:
    payload = ev.referral_payload()
    change(payload)
    with pytest.raises(Exception) as refused:
        REGISTRY.validate("referral_submitted", 1, payload, strict=False)
    assert field in refused.value.fields  # type: ignore[attr-defined]


class _Renamed(Schema):
    name = fields.String(data_key="full_name")


def test_a_schema_with_what_the_compiler_does_not_model_is_left_to_marshmallow() -> None:
    assert compiled_schema.normaliser(_Renamed()) is None


class _Dropping(Schema):
    name = fields.String()
    code = fields.String()

    @validates("code")
    def _dropped(self, value: str, **_: Any) -> Any:
        return missing  # marshmallow then leaves the field out of what it loads


def test_a_hook_that_drops_a_field_is_left_to_marshmallow() -> None:
    normalise = compiled_schema.normaliser(_Dropping())
    assert normalise is not None and normalise({"name": "a"}) == {"name": "a"}
    with pytest.raises(Unsure):
        normalise({"name": "a", "code": "x"})
    assert _Dropping().dump(_Dropping().load({"name": "a", "code": "x"})) == {"name": "a"}


class _IntegersAsText(Schema):
    xs = fields.List(fields.Integer(as_string=True))


class _Rewriting(Schema):
    """Hooks that change what was loaded: marshmallow dumps what they left."""

    d = fields.Dict()
    n = fields.Nested(Schema.from_dict({"s": fields.String()}))
    when = fields.Date()

    @validates("d")
    def _mark(self, value: dict, **_: Any) -> None:
        value["marked"] = 1

    @validates_schema
    def _rename(self, data: dict, **_: Any) -> None:
        data["n"]["s"] = "changed"
        data["when"] = date(2024, 2, 2)


@pytest.mark.parametrize("schema, data", [
    (_IntegersAsText(), {"xs": [1, 2]}),
    (_Rewriting(), {"d": {}, "n": {"s": "a"}, "when": "2024-01-01"}),
])
def test_the_normaliser_dumps_as_marshmallow_dumps(schema: Schema, data: dict) -> None:
    normalise = compiled_schema.normaliser(schema)
    assert normalise is not None
    assert normalise(data) == schema.dump(schema.load(data))


class _SelfNested(Schema):
    name = fields.String()
    parent = fields.Nested(lambda: _SelfNested(), allow_none=True)


@pytest.mark.parametrize("schema", [
    Schema.from_dict({"a.b": fields.String()})(),  # marshmallow loads it into {"a": {"b": ...}}
    Schema.from_dict({"a": fields.String(), "f": fields.Function(lambda obj: "F")})(),  # dumped when absent
])
def test_what_marshmallow_loads_or_dumps_otherwise_is_left_to_it(schema: Schema) -> None:
    assert compiled_schema.normaliser(schema) is None and compiled_schema.loader(schema) is None


def test_a_schema_nested_in_itself_is_compiled_to_its_nesting_and_left_to_marshmallow_below() -> None:
    load = compiled_schema.loader(_SelfNested())
    assert load is not None
    data = {"name": "a", "parent": {"name": "b", "parent": None}}
    assert load(data) == _SelfNested().load(data)
