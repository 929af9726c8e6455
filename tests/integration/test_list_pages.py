"""Volunteer, match and dead-letter lists page by key on SQLite and PostgreSQL: every row once, in order, and
a cursor the API did not issue is refused (a 400 at the gateway), never passed to the database."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, insert

from services.followup import policy
from services.followup import queries as followup_queries
from services.followup.projection import PROJECTION as FOLLOWUP
from services.followup.projection import matches
from services.matching import queries as matching_queries
from services.matching.projection import PROJECTION as MATCHING
from services.matching.projection import volunteers
from shared import deadletters
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.errors import ValidationFailed
from shared.paging import encode_key
from shared.unit_of_work import ServiceDatabase
from tests.support import postgres

ROWS = 23  # pages of 5: four full ones and a short last one
START = date(2023, 1, 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path) -> Iterator[dict[str, ServiceDatabase]]:
    names = ("matching", "followup")
    with ExitStack() as stack:
        if request.param == "postgresql":  # both have a table "matches": a database each
            made = stack.enter_context(postgres.service_databases(names))
            urls = {name: made[f"{name.upper()}_DATABASE_URL"] for name in names}
        else:
            urls = {name: f"sqlite:///{tmp_path / (name + '.db')}" for name in names}
        found = {name: ServiceDatabase(name, make_engine(urls[name]), projection, REGISTRY)
                 for name, projection in zip(names, (MATCHING, FOLLOWUP))}
        for database in found.values():
            database.create_tables()
            stack.callback(database.engine.dispose)
        yield found


def _volunteer(n: int) -> dict[str, Any]:
    return {"volunteer_id": f"v{(n * 7) % ROWS:02d}", "status": "available" if n % 2 else "registered",
            "region": "hovedstaden", "municipality": "København", "gender": "female", "birth_year": 1980,
            "languages": json.dumps(["da"]), "strengths": json.dumps(["network"]), "capacity": 1,
            "active_matches": 0, "trained": True, "registered_on": START + timedelta(days=n % 4),
            "personal": json.dumps({})}


def _match(n: int) -> dict[str, Any]:
    return {"match_id": f"m{(n * 5) % ROWS:02d}", "referral_id": f"r{n}", "volunteer_id": "v",
            "region": "hovedstaden", "status": "active" if n % 3 else "closed",
            "matched_on": START + timedelta(days=n % 3), "checkins": 0}


def _dead_letter(n: int) -> dict[str, Any]:
    return {"received_at": datetime(2023, 1, 1, tzinfo=timezone.utc), "exchange": "intake.events",
            "routing_key": "x", "body": "{}", "body_digest": f"{n:064d}", "error": "bad", "fields": "{}",
            "attempts": 1, "deliveries": 1, "status": "open" if n % 2 else "redriven"}


def walk(read: Callable[[str | None], dict[str, Any]], key: str) -> list[Any]:
    seen, cursor = [], None
    while True:
        answer = read(cursor)
        assert len(answer["items"]) <= 5
        seen += [item[key] for item in answer["items"]]
        if (cursor := answer["next_cursor"]) is None:
            return seen


def lists(conn: Connection) -> dict[str, tuple[Callable[[dict[str, Any], str | None], dict[str, Any]], str]]:
    return {
        "volunteers": (lambda filters, cursor: matching_queries.list_volunteers(conn, filters, 5, cursor),
                       "volunteer_id"),
        "matches": (lambda filters, cursor: followup_queries.list_matches(conn, filters, 5, cursor, None,
                                                                                  policy.load()),
                    "match_id"),
        "dead_letters": (lambda filters, cursor: deadletters.keyed_page(conn, filters.get("status"), cursor, 5),
                         "dead_letter_id"),
    }


def test_every_list_walks_every_row_once_in_its_order_with_and_without_a_filter(databases):
    with databases["matching"].engine.begin() as conn:
        conn.execute(insert(volunteers), [_volunteer(n) for n in range(ROWS)])
        conn.execute(insert(deadletters.dead_letters), [_dead_letter(n) for n in range(ROWS)])
    with databases["followup"].engine.begin() as conn:
        conn.execute(insert(matches), [_match(n) for n in range(ROWS)])
    expected = {
        "volunteers": [r["volunteer_id"] for r in sorted(map(_volunteer, range(ROWS)),
                                                       key=lambda r: (r["registered_on"], r["volunteer_id"]))],
        "matches": [r["match_id"] for r in sorted(map(_match, range(ROWS)),
                                                  key=lambda r: (r["matched_on"], r["match_id"]))],
        "dead_letters": list(range(1, ROWS + 1)),
    }
    statuses = {"volunteers": "available", "matches": "closed", "dead_letters": "open"}
    with lists_of(databases) as every:
        for name, (read, key) in every.items():
            assert walk(lambda cursor, read=read: read({}, cursor), key) == expected[name], name
            filtered = walk(lambda cursor, read=read, name=name: read({"status": statuses[name]}, cursor), key)
            assert filtered and set(filtered) < set(expected[name]), name
            assert filtered == [k for k in expected[name] if k in set(filtered)], name


@contextmanager
def lists_of(databases: dict[str, ServiceDatabase]) -> Iterator[dict[str, Any]]:
    found: dict[str, Any] = {}
    with databases["matching"].reading() as matching, databases["followup"].reading() as followup:
        found.update({name: lists(matching)[name] for name in ("volunteers", "dead_letters")})
        found["matches"] = lists(followup)["matches"]
        yield found


@pytest.mark.parametrize("cursor", [
    "garbage", encode_key({"id": 10**30}), encode_key({"id": True}), encode_key({"id": "1"}),
    encode_key({"registered_on": "2023-13-01", "volunteer_id": "v"}), encode_key({"registered_on": "2023-01-01"}),
    encode_key({"matched_on": 5, "match_id": "m"}), encode_key({"matched_on": "2023-01-01", "match_id": ["m"]}),
    "W1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1td",
])
def test_a_cursor_the_api_did_not_issue_is_refused_by_every_list(databases, cursor):
    with lists_of(databases) as every:
        for name, (read, _key) in every.items():
            with pytest.raises(ValidationFailed) as refused:
                read({}, cursor)
            assert "cursor" in refused.value.fields, name
