"""Cursor pagination: opaque cursors, bounded limits, a next page only when there is one."""
from __future__ import annotations

import base64
from typing import Any

import pytest

from shared.errors import ValidationFailed
from shared.paging import MAX_LIMIT, MAX_OFFSET, check_limit, decode_cursor, encode_cursor, page


@pytest.mark.parametrize("offset", [0, 1, 50, 123456])
def test_cursor_round_trips_to_its_offset(offset: int) -> None:
    assert decode_cursor(encode_cursor(offset)) == offset


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor: str | None) -> None:
    assert decode_cursor(cursor) == 0


@pytest.mark.parametrize("cursor", [
    "garbage", "abc", "!!!", "ø", encode_cursor(-5), encode_cursor(10**30), encode_cursor(MAX_OFFSET + 1),
    base64.urlsafe_b64encode(b" 12").decode(), base64.urlsafe_b64encode(b"1_0").decode(),
    encode_cursor(12) + "\n", "MTI",
])
def test_cursor_not_issued_by_the_api_is_refused(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        decode_cursor(cursor)

    assert "cursor" in exc.value.fields


@pytest.mark.parametrize("limit", [1, 50, MAX_LIMIT])
def test_limit_within_bounds_is_accepted(limit: int) -> None:
    assert check_limit(limit) == limit


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, "10", None])
def test_limit_outside_one_to_max_is_refused(limit: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_limit(limit)

    assert "limit" in exc.value.fields


def test_max_limit_is_five_hundred() -> None:
    assert MAX_LIMIT == 500


def test_page_with_an_extra_row_offers_the_next_cursor() -> None:
    result = page(list(range(11)), offset=20, limit=10)

    assert result["items"] == list(range(10))
    assert decode_cursor(result["next_cursor"]) == 30


@pytest.mark.parametrize("rows", [[], [1], list(range(10))])
def test_page_without_more_rows_has_no_next_cursor(rows: list[int]) -> None:
    result = page(rows, offset=0, limit=10)

    assert result == {"items": rows, "next_cursor": None}
