"""referral_submitted version 2 beside version 1; version-1 history still replays the same."""
from __future__ import annotations

import json

import pytest

from services.referrals.projection import PROJECTION
from services.referrals.service import INBOX_HANDLERS as HANDLERS
from shared import replay
from shared.consumption import APPLIED, REJECTED, Delivery, consume
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import load_envelope
from shared.unit_of_work import ServiceDatabase
from tests.support import events as ev
from tests.support.projections import rows


def as_v2(message: dict, interpreter_needed: bool = False) -> dict:
    """The same submission as an integrator on schema version 2 sends it."""
    payload = {k: v for k, v in message["payload"].items() if k != "referred_on"}
    payload.update(referral_date=message["payload"]["referred_on"],
                   interpreter_needed=interpreter_needed)
    return {**message, "event_id": ev.referral_submitted()["event_id"], "schema_version": 2,
            "payload": payload}


def deliver(db: ServiceDatabase, message: dict) -> str:
    delivery = Delivery(json.dumps(message).encode(), "intake.events", "referral_submitted")
    return consume(db, HANDLERS, delivery, 5)


@pytest.fixture
def db(tmp_path):
    database = ServiceDatabase("referrals", make_engine(f"sqlite:///{tmp_path / 'r.db'}"),
                               PROJECTION, REGISTRY)
    database.create_tables()
    return database


def test_version_2_is_accepted_beside_version_1(db):
    v1 = ev.referral_submitted()
    v2 = as_v2(ev.referral_submitted(), interpreter_needed=True)
    assert deliver(db, v1) == APPLIED
    assert deliver(db, v2) == APPLIED
    found = {r["external_ref"]: r for r in rows(str(db.engine.url), "referrals")}
    assert str(found[v2["payload"]["external_ref"]]["referred_on"]) == "2023-01-15"
    assert found[v2["payload"]["external_ref"]]["interpreter_needed"] is True
    assert found[v1["payload"]["external_ref"]]["interpreter_needed"] is False


def test_the_same_referral_resent_as_version_2_is_the_same_referral(db):
    v1 = ev.referral_submitted()
    assert deliver(db, v1) == APPLIED
    assert deliver(db, as_v2(v1)) == APPLIED  # a new event, applied: it changes nothing
    assert len(rows(str(db.engine.url), "referrals")) == 1


def test_a_version_2_field_renamed_back_is_refused_not_guessed(db):
    v2 = as_v2(ev.referral_submitted())
    v2["payload"]["referred_on"] = v2["payload"].pop("referral_date")
    assert deliver(db, v2) == REJECTED
    assert rows(str(db.engine.url), "referrals") == []


def test_a_version_1_history_replays_to_the_projection_it_built(db):
    history = [ev.referral_submitted() for _ in range(5)]
    for message in history + history[:2]:
        deliver(db, message)
    before = rows(str(db.engine.url), "referrals")
    assert replay.rebuild(db) == 5 + 5 + 0  # 5 submissions consumed, 5 receptions recorded
    assert rows(str(db.engine.url), "referrals") == before
    stored = [json.loads(e.to_json()) for _, e in _consumed(db)]
    assert {e["schema_version"] for e in stored} == {1}  # kept as received, read through the upcaster


def test_upcaster_reads_version_1_as_version_2():
    message = ev.referral_submitted()
    event = load_envelope(message)
    lifted = REGISTRY.upcast(event.evolve(payload=REGISTRY.validate(
        "referral_submitted", 1, event.payload, strict=False)))
    assert lifted.schema_version == 2
    assert lifted.payload["referral_date"] == "2023-01-15"
    assert "referred_on" not in lifted.payload and lifted.payload["interpreter_needed"] is False


def _consumed(db):
    with db.reading() as conn:
        return list(db.store.read_all(conn, origin="consumed"))

