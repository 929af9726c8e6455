"""A closure's rematch decision is the one recorded with it, whatever the configuration says later."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.referrals.projection import PROJECTION, referrals
from shared.db import make_engine
from shared.envelope import Event, new_event_id, utcnow
from tests.support import events as ev


def _event(event_type: str, payload: dict) -> Event:
    return Event(new_event_id(), event_type, 1, utcnow(), "test", payload, recorded_at=utcnow())


@pytest.fixture
def conn(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    PROJECTION.create(engine)
    with engine.begin() as connection:
        received = {**ev.referral_payload(), "referral_id": "r-1", "region": "hovedstaden"}
        PROJECTION.apply(connection, _event("referral_received", received))
        PROJECTION.apply(connection, _event("matched", {
            "match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1", "region": "hovedstaden",
            "matched_on": "2023-02-01"}))
        yield connection


def _closed(conn, **decision) -> str:
    PROJECTION.apply(conn, _event("closed", {
        "match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1", "closed_on": "2023-04-01",
        "initiator": "participant", "reason": "moved", **decision}))
    return conn.execute(select(referrals.c.status)).scalar_one()


def test_the_recorded_decision_wins_over_todays_configuration(conn):
    assert _closed(conn, rematch_allowed=False) == "closed"  # "moved" is configured to allow a rematch


def test_closures_recorded_before_the_decision_existed_follow_the_configuration(conn):
    assert _closed(conn) == "waiting"


def test_an_old_match_closing_late_does_not_unseat_the_participants_new_match(conn):
    _closed(conn, rematch_allowed=True)  # m-1 ends; back on the waiting list
    PROJECTION.apply(conn, _event("matched", {
        "match_id": "m-2", "referral_id": "r-1", "volunteer_id": "v-2", "region": "hovedstaden",
        "matched_on": "2023-05-01"}))
    assert _closed(conn, rematch_allowed=True) == "matched"  # m-1's closure re-driven late


def test_a_withdrawal_that_crossed_a_match_leaves_the_match_be(conn):
    PROJECTION.apply(conn, _event("referral_withdrawn", {"referral_id": "r-1", "reason": "moved away"}))
    assert conn.execute(select(referrals.c.status)).scalar_one() == "matched"
