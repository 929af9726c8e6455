"""Replies leave once serialised, transient and unconfirmed; an unsendable result is an error reply."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

import kombu.serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.runtime.rpc import TRANSIENT, Responder
from tests.unit.test_compiled_schema import same


class Recorded:
    """Stands in for nameko's ``Publisher``: keeps what would have gone to the broker."""

    sent: list[tuple[dict[str, Any], Any, dict[str, Any]]] = []

    def __init__(self, amqp_uri: str, **options: Any) -> None:
        self.options = options

    def publish(self, body: Any, **kwargs: Any) -> None:
        Recorded.sent.append((self.options, body, kwargs))


class Request:
    properties = {"content_type": "application/json", "reply_to": "reply-1", "correlation_id": "c-1"}


def reply(result: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], Any]:
    Recorded.sent.clear()
    responder = Responder("amqp://127.0.0.1/", "nameko-rpc", "json", Request())
    responder.publisher_cls = Recorded
    returned = responder.send_response(result, None)
    [(options, body, kwargs)] = Recorded.sent
    return options, kwargs, json.loads(body), returned


def test_a_reply_is_sent_transient_without_a_confirm_to_the_callers_queue() -> None:
    options, kwargs, body, returned = reply({"referral_id": "r-1"})
    assert options["use_confirms"] is False and options["delivery_mode"] == TRANSIENT
    assert (kwargs["routing_key"], kwargs["correlation_id"]) == ("reply-1", "c-1")
    assert kwargs["content_type"] == "application/json"
    assert body == {"result": {"referral_id": "r-1"}, "error": None}
    assert returned == ({"referral_id": "r-1"}, None)


def test_a_result_json_cannot_carry_is_answered_as_an_error() -> None:
    _, _, body, (result, exc_info) = reply({"on": object()})
    assert body["result"] is None and body["error"]["exc_type"] == "UnserializableValueError"
    assert result is None and exc_info is not None


class _Code(str):
    pass


ODD_RESULTS = st.sampled_from([datetime(2023, 1, 15, 10, 0, tzinfo=timezone.utc), date(2023, 1, 15), b"bytes",
                               _Code("c"), 2**70, -(2**64), (1, "a"), "æ\u2028\x00\"\\", 0.1, -0.0, 1e300])
FINITE = st.floats(allow_nan=False, allow_infinity=False)
RESULTS = st.recursive(st.none() | st.booleans() | st.integers() | FINITE | st.text(max_size=6)
                       | ODD_RESULTS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=4) | st.integers(-2, 2), inner, max_size=3), max_leaves=8)


def _read(body: Any) -> Any:
    return kombu.serialization.loads(body, "application/json", "utf-8")


@settings(max_examples=300, deadline=None)
@given(result=RESULTS)
def test_a_reply_reads_back_as_kombus_own_encoding_of_it_reads(result: Any) -> None:
    _, kwargs, _, _ = reply(result)
    expected = _read(kombu.serialization.dumps({"result": result, "error": None}, "json")[2])
    assert same(_read(Recorded.sent[0][1]), expected)
    assert kwargs["content_type"] == "application/json" and kwargs["content_encoding"] == "utf-8"


def test_a_number_json_cannot_write_arrives_as_null() -> None:
    assert reply([float("nan"), float("inf")])[2] == {"result": [None, None], "error": None}
