"""Body and query parsing at the gateway (query arguments: ``arguments.py``'s schemas)."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.arguments import MatchDay, Paging
from services.gateway.errors import PayloadTooLarge
from services.gateway.json_bodies import MAX_BODY_BYTES, read_json_object
from shared.errors import ValidationFailed
from shared.validation import normalise


def request(query: str = "", data: bytes | str | None = None) -> Request:
    builder = EnvironBuilder(method="POST", path="/x", query_string=query, data=data,
                             content_type="application/json")
    return Request(builder.get_environ())


def page_args(query: dict[str, str]) -> tuple[int, str | None]:
    found = normalise(Paging(), query, "query")
    return found["limit"], found.get("cursor")


def test_page_defaults_to_fifty_without_cursor() -> None:
    assert page_args({}) == (50, None)


@pytest.mark.parametrize("limit", ["1", "500", "73"])
def test_page_accepts_limits_in_range(limit: str) -> None:
    assert page_args({"limit": limit, "cursor": "abc"}) == (int(limit), "abc")


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "2.5", "\u00b2", "\u0663"])
def test_page_refuses_limits_out_of_range(limit: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        page_args({"limit": limit})
    assert "limit" in caught.value.fields


def test_body_must_be_a_json_object() -> None:
    assert read_json_object(request(data='{"reason": "moved"}')) == {"reason": "moved"}
    with pytest.raises(ValidationFailed):
        read_json_object(request(data="[1, 2]"))
    with pytest.raises(ValidationFailed):
        read_json_object(request(data="{not json"))
    with pytest.raises(ValidationFailed):
        read_json_object(request(data=""))


def test_optional_body_may_be_empty() -> None:
    assert read_json_object(request(data=""), required=False) == {}


def test_body_over_one_mebibyte_is_too_large() -> None:
    huge = '{"note": "' + "x" * MAX_BODY_BYTES + '"}'
    with pytest.raises(PayloadTooLarge):
        read_json_object(request(data=huge))


def test_dates_are_checked_and_default_to_today() -> None:
    assert normalise(MatchDay(), {"on": "2023-03-01"}, "query") == {"on": "2023-03-01"}
    assert normalise(MatchDay(), {}, "query") == {"on": date.today().isoformat()}
    for refused in ("March", "9999-12-31"):
        with pytest.raises(ValidationFailed) as caught:
            normalise(MatchDay(), {"on": refused}, "query")
        assert "on" in caught.value.fields


def test_chunked_body_over_one_mebibyte_is_too_large() -> None:
    environ = EnvironBuilder(method="POST", data='{"note": "' + "x" * 2 * MAX_BODY_BYTES + '"}').get_environ()
    del environ["CONTENT_LENGTH"]  # as a chunked request arrives
    environ["wsgi.input_terminated"] = True
    with pytest.raises(PayloadTooLarge):
        read_json_object(Request(environ))


def test_a_body_nested_too_deep_is_a_clear_400() -> None:
    with pytest.raises(ValidationFailed):
        read_json_object(request(data="[" * 100_000 + "]" * 100_000))
