"""Replies leave once serialised, transient and unconfirmed; an unsendable result is an error reply."""
from __future__ import annotations

import json
from typing import Any

from shared.runtime.rpc import TRANSIENT, Responder


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
