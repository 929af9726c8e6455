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


def test_keyset_pages_walk_every_row_once_in_order_and_refuse_edited_cursors(tmp_path) -> None:
    from datetime import date, datetime, timedelta, timezone

    from sqlalchemy import Column, Date, MetaData, String, Table, insert, select

    from shared.db import UtcDateTime, make_engine
    from shared.paging import encode_key, keyset_page

    metadata = MetaData()
    things = Table("things", metadata, Column("day", Date), Column("at", UtcDateTime()),
                   Column("id", String(10), primary_key=True))
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    metadata.create_all(engine)
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    rows = [{"day": date(2023, 1, 1 + n % 3), "at": start + timedelta(seconds=n % 2), "id": f"t{n:02d}"}
            for n in range(23)]
    order = (things.c.day, things.c.at, things.c.id)
    with engine.begin() as conn:
        conn.execute(insert(things), rows)
        seen, cursor = [], None
        while True:
            page_rows, cursor = keyset_page(conn, select(things), order, cursor, 5)
            seen += [r.id for r in page_rows]
            if cursor is None:
                break
        expected = [r.id for r in conn.execute(select(things).order_by(*order))]
        for edited in (encode_key({"day": "2023-01-02", "at": "x", "id": "t01"}),
                       encode_key({"day": "2023-01-02", "id": "t01"}),
                       encode_key({"day": "2023-01-02", "at": "2023-01-01T00:00:00", "id": "t01"}),
                       encode_key({"day": "2023-01-02", "at": "2023-01-01T00:00:00+00:00", "id": 7})):
            with pytest.raises(ValidationFailed):
                keyset_page(conn, select(things), order, edited, 5)
    engine.dispose()
    assert seen == expected and len(seen) == 23
