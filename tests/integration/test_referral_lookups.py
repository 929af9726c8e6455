"""A submission's (site, external_ref) is asked once per delivery, and a repeat in the same batch is still known."""
from __future__ import annotations

import pytest

from services.referrals import projection
from services.referrals.service import INBOX_HANDLERS as HANDLERS
from shared import driver_statements
from shared.consumption import APPLIED, DUPLICATE, Delivery, consume_batch
from shared.envelope import load_envelope
from tests.support import events as ev
from tests.support.projections import rows
from tests.support.store import referrals_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    yield from referrals_database(request, tmp_path)


def submitted(message: dict) -> Delivery:
    return Delivery(ev.body(message), "intake.events", "referral_submitted")


def test_a_submission_is_looked_up_once_and_a_repeat_in_the_same_batch_is_the_same_referral(db, monkeypatch):
    lookups: list[dict] = []
    first_row = driver_statements.first_row

    def counted(conn, statement, params):
        if statement is projection._BY_REF:
            lookups.append(params)
        return first_row(conn, statement, params)

    monkeypatch.setattr(driver_statements, "first_row", counted)
    first = ev.referral_submitted()
    again = {**first, "event_id": ev.referral_submitted()["event_id"]}  # the same referral sent again
    other = ev.referral_submitted()
    outcomes = consume_batch(db, HANDLERS, [submitted(first), submitted(again), submitted(other),
                                            submitted(first)], 5)
    assert outcomes == [APPLIED, APPLIED, APPLIED, DUPLICATE]
    # Once each as its subject; the handlers took those answers. The duplicate is looked up
    # as a subject (before the inbox tells it) and runs no handler.
    assert len(lookups) == 4
    referrals = rows(str(db.engine.url), "referrals")
    assert sorted(r["external_ref"] for r in referrals) == sorted(
        [first["payload"]["external_ref"], other["payload"]["external_ref"]])


def test_a_lookup_kept_in_one_transaction_is_not_the_answer_in_the_next(db):
    message = ev.referral_submitted()
    site, ref = message["payload"]["referring_site"], message["payload"]["external_ref"]
    with db.engine.connect() as conn:
        with conn.begin():
            projection.referral_for(conn, load_envelope(message))  # unknown then, and kept
        assert consume_batch(db, HANDLERS, [submitted(message)], 5) == [APPLIED]
        with conn.begin():  # the same connection, a later transaction: asked again
            known = projection.known_by_ref(conn, site, ref)
    assert known is not None and known.referral_id == rows(str(db.engine.url), "referrals")[0]["referral_id"]
