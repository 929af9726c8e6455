"""Consuming raw deliveries: once, or kept with reasons; never lost."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from shared import deadletters
from shared.consumption import APPLIED, DUPLICATE, REJECTED, RETRY, Delivery, consume, consume_batch
from shared.errors import RuleViolated
from shared.eventstore import events
from shared.eventstore import metadata as store_metadata
from tests.support import events as ev
from tests.support.postgres import emptied
from tests.support.store import make_database, seen
from tests.support.store import metadata as counts_metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """On PostgreSQL a batch holds its writes (``shared.pipelined``): every test here runs on both."""
    if request.param == "sqlite":
        database = make_database(f"sqlite:///{tmp_path / 'consumer.db'}")
    else:
        database = make_database(emptied(request.getfixturevalue("postgres_url"), store_metadata, counts_metadata))
    yield database
    database.engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path):
    return make_database(f"sqlite:///{tmp_path / 'consumer.db'}")


def _delivery(body: bytes, routing_key: str = "referral_submitted", attempt: int = 1) -> Delivery:
    return Delivery(body=body, exchange="intake.events", routing_key=routing_key,
                    attempt=attempt)


def _letters(db):
    with db.reading() as conn:
        return deadletters.list_page(conn, None, 0, 100)


def test_a_redelivered_event_is_applied_once(db):
    message = ev.body(ev.referral_submitted())
    assert consume(db, {}, _delivery(message), 5) == APPLIED
    assert consume(db, {}, _delivery(message), 5) == DUPLICATE
    assert seen(db, "referral_submitted") == 1


def test_a_body_that_is_not_json_is_kept_with_the_reason(db):
    assert consume(db, {}, _delivery(b"\xff not json"), 5) == REJECTED
    [letter] = _letters(db)
    assert "not UTF-8 JSON" in letter["error"]
    assert letter["routing_key"] == "referral_submitted"


def test_a_routing_key_that_disagrees_with_the_event_type_is_refused(db):
    message = ev.body(ev.referral_submitted())
    assert consume(db, {}, _delivery(message, routing_key="checkin_reported"), 5) == REJECTED
    assert "differs from routing key" in _letters(db)[0]["error"]


def test_a_rule_refusing_the_event_rolls_back_the_inbox_and_keeps_the_message(db):
    from shared.errors import RuleViolated

    def refuse(uow, event):
        raise RuleViolated("no such match", {"match_id": ["unknown"]})

    message = ev.referral_submitted()
    assert consume(db, {"referral_submitted": refuse}, _delivery(ev.body(message)), 5) == REJECTED
    with db.reading() as conn:
        assert conn.execute(select(events)).all() == []
    [letter] = _letters(db)
    assert letter["event_id"] == message["event_id"]
    assert letter["fields"] == {"match_id": ["unknown"]}


def test_an_unexpected_failure_is_retried_then_kept_after_the_last_attempt(db):
    def broken(uow, event):
        raise OSError("disk on fire")

    message = ev.body(ev.referral_submitted())
    for attempt in (1, 2):
        with pytest.raises(OSError):
            consume(db, {"referral_submitted": broken}, _delivery(message, attempt=attempt), 3)
    assert _letters(db) == []
    assert consume(db, {"referral_submitted": broken}, _delivery(message, attempt=3), 3) == REJECTED
    [letter] = _letters(db)
    assert "gave up after 3 attempts" in letter["error"] and letter["attempts"] == 3
    assert seen(db, "referral_submitted") == 0


def test_a_bad_message_redelivered_is_one_dead_letter_but_two_alike_are_two(db):
    assert consume(db, {}, _delivery(b"{broken"), 5) == REJECTED
    again = Delivery(b"{broken", "intake.events", "referral_submitted", redelivered=True)
    assert consume(db, {}, again, 5) == REJECTED
    [letter] = _letters(db)
    assert letter["deliveries"] == 2
    assert consume(db, {}, _delivery(b"{broken"), 5) == REJECTED  # sent afresh: another message
    assert len(_letters(db)) == 2


def test_a_rejected_body_is_sealed_at_rest_and_opened_to_be_shown(sqlite_db, tmp_path):
    db = sqlite_db  # its file is read
    message = ev.referral_submitted(personal={"name": "Canary-Dl9"}, referring_site="nowhere")
    assert consume(db, {}, _delivery(ev.body(message)), 5) == REJECTED
    [letter] = _letters(db)
    with db.reading() as conn:
        shown = deadletters.get(conn, letter["dead_letter_id"], db.keyring)
    assert shown["body"] is not None and "Canary-Dl9" in shown["body"] and not shown["erased"]
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    assert b"Canary-Dl9" not in stored


def test_a_bad_message_in_a_batch_is_kept_and_the_others_are_applied(db):
    first, second = ev.referral_submitted(), ev.referral_submitted()
    batch = [_delivery(ev.body(first)), _delivery(b"{broken"), _delivery(ev.body(second)),
             _delivery(ev.body(first))]
    assert consume_batch(db, {}, batch, 5) == [APPLIED, REJECTED, APPLIED, DUPLICATE]
    assert seen(db, "referral_submitted") == 2
    [letter] = _letters(db)
    assert "not UTF-8 JSON" in letter["error"]


def test_an_unexpected_failure_in_a_batch_retries_that_delivery_alone(db):
    def broken_for_madrid(uow, event):
        if event.payload["participant"]["municipality"] == "Madrid":
            raise OSError("disk on fire")

    handlers = {"referral_submitted": broken_for_madrid}
    poison = ev.referral_submitted(participant=ev.participant(municipality="Madrid"))
    batch = [_delivery(ev.body(ev.referral_submitted())), _delivery(ev.body(poison), attempt=1),
             _delivery(ev.body(ev.referral_submitted()))]
    assert consume_batch(db, handlers, batch, 3) == [APPLIED, RETRY, APPLIED]
    assert seen(db, "referral_submitted") == 2 and _letters(db) == []
    assert consume_batch(db, handlers, [_delivery(ev.body(poison), attempt=3)], 3) == [REJECTED]
    assert "gave up after 3 attempts" in _letters(db)[0]["error"]


def test_a_batch_whose_transaction_cannot_begin_blames_none_of_its_deliveries(db, monkeypatch):
    real, calls = db.transaction, []

    def locked_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("database is locked")  # as SQLite says after its busy wait
        return real(*args, **kwargs)

    monkeypatch.setattr(db, "transaction", locked_once)
    last_tries = [_delivery(ev.body(ev.referral_submitted()), attempt=3) for _ in range(2)]
    assert consume_batch(db, {}, last_tries, 3) == [APPLIED, APPLIED]
    assert seen(db, "referral_submitted") == 2 and _letters(db) == []


def test_a_message_refused_by_its_handler_in_a_batch_is_kept_and_its_writes_undone(db):
    def refuses_madrid(uow, event):
        if event.payload["participant"]["municipality"] == "Madrid":
            raise RuleViolated("no referrals from Madrid")

    madrid = ev.referral_submitted(participant=ev.participant(municipality="Madrid"))
    batch = [_delivery(ev.body(ev.referral_submitted())), _delivery(ev.body(madrid)),
             _delivery(ev.body(ev.referral_submitted())), _delivery(ev.body(madrid))]
    outcomes = consume_batch(db, {"referral_submitted": refuses_madrid}, batch, 3)
    assert outcomes == [APPLIED, REJECTED, APPLIED, REJECTED]
    assert seen(db, "referral_submitted") == 2  # the refused one's inbox row went with it
    assert [letter["error"] for letter in _letters(db)] == ["no referrals from Madrid"] * 2


def test_an_event_another_consumer_kept_after_the_batch_asked_is_applied_once(db, monkeypatch, caplog):
    """A second instance commits an event after this batch asked the inbox (PostgreSQL: the batch
    holds that event's insert, which then stores nothing): a duplicate, as one at a time."""
    known = ev.referral_submitted()
    assert consume(db, {}, _delivery(ev.body(known)), 5) == APPLIED
    monkeypatch.setattr(db.store, "kept_among", lambda conn, ids: set())  # asked before that commit
    batch = [_delivery(ev.body(ev.referral_submitted())), _delivery(ev.body(known)),
             _delivery(ev.body(ev.referral_submitted()))]
    with caplog.at_level(logging.INFO, logger="shared.consumption"):
        assert consume_batch(db, {}, batch, 5) == [APPLIED, DUPLICATE, APPLIED]
    assert seen(db, "referral_submitted") == 3 and _letters(db) == []
    assert ("a held write" in caplog.text) is (db.engine.dialect.name == "postgresql")


def test_a_write_of_a_handler_that_fails_where_it_is_sent_retries_that_delivery_alone(db):
    """On PostgreSQL the handler's write is held and fails only with the next delivery's first
    statement; the next delivery is not blamed."""
    from sqlalchemy import insert

    from shared import driver_statements
    from tests.support.store import counts

    with db.engine.begin() as conn:
        conn.execute(insert(counts), {"event_type": "taken", "n": 1})

    def takes_a_taken_key_for_madrid(uow, event):
        if event.payload["participant"]["municipality"] == "Madrid":
            driver_statements.write_later(uow.conn, insert(counts), {"event_type": "taken", "n": 2})

    madrid = ev.referral_submitted(participant=ev.participant(municipality="Madrid"))
    batch = [_delivery(ev.body(ev.referral_submitted())), _delivery(ev.body(madrid)),
             _delivery(ev.body(ev.referral_submitted()))]
    assert consume_batch(db, {"referral_submitted": takes_a_taken_key_for_madrid}, batch, 3) == \
        [APPLIED, RETRY, APPLIED]
    assert seen(db, "referral_submitted") == 2 and _letters(db) == []
