"""Application handlers: load what is known, ask the domain, record what it decided."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import eventlet

from services.followup import domain, policy, projection, queries
from services.followup.cadence import Policy
from services.followup.standing import standing
from shared import erasure, reference
from shared.envelope import Event
from shared.errors import ConcurrencyConflict
from shared.unit_of_work import ServiceDatabase, UnitOfWork

log = logging.getLogger(__name__)
SWEEP_BATCH = 500  # matches the reminder sweep reads at a time


def report_check_in(uow: UnitOfWork, match_id: str, report: dict[str, Any],
                    policies: Sequence[Policy]) -> str:
    checkin_id = str(uuid.uuid4())
    earlier = projection.checkins_of(uow.conn, [match_id])[match_id]
    payload = domain.check_in(projection.followed_match(uow.conn, match_id), match_id, report,
                              checkin_id, earlier, policies)
    uow.record(domain.stream_id(match_id), "checked_in", payload)
    return checkin_id


def on_checkin_reported(uow: UnitOfWork, event: Event) -> None:
    """A check-in from an intake system (e.g. a volunteer app) means what the gateway's does."""
    report = {k: v for k, v in event.payload.items() if k != "match_id"}
    report_check_in(uow, event.payload["match_id"], report, policy.load())


def close_match(uow: UnitOfWork, match_id: str, command: dict[str, Any],
                policies: Sequence[Policy]) -> None:
    payload = domain.close(projection.followed_match(uow.conn, match_id), match_id, command,
                           policies, reference.allows_rematch(command["reason"]))
    uow.record(domain.stream_id(match_id), "closed", payload)


def publish_due_reminders(db: ServiceDatabase, on: date, policies: Sequence[Policy]) -> list[str]:
    """Record one ``followup_due`` per match due on ``on`` and not yet reminded of that due date.

    Exactly once per match and due date, however often this runs and whoever else runs
    it at the same time: each reminder is version 1 of a stream named after the match
    and the due date, so the event store's unique (stream, version) refuses a second.
    One transaction per match, so a crash half-way leaves the rest for the next run. The
    matches are read in batches and other green threads run between batches and between
    transactions, so a national sweep never holds the service (SQLite does not yield).
    """
    sent = []
    for match_id in _due_in_batches(db, on, policies):
        try:
            with db.transaction() as uow:
                if remind(uow, match_id, on, policies):
                    sent.append(match_id)
        except ConcurrencyConflict:
            log.info("followup_due for %s on %s was recorded by another run", match_id, on)
        eventlet.sleep(0)
    log.info("followup_due: %s reminder(s) recorded for %s", len(sent), on)
    return sent


def _due_in_batches(db: ServiceDatabase, on: date, policies: Sequence[Policy]) -> list[str]:
    """The ids of the matches due on ``on``, most urgent first, read ``SWEEP_BATCH`` at a time."""
    due: list[tuple[tuple[bool, int, str], str]] = []
    after: str | None = ""
    while after is not None:
        with db.reading() as conn:
            found, after = queries.due_batch(conn, on, policies, after, SWEEP_BATCH)
        due += [(queries.urgency(pair), pair[0].match_id) for pair in found]
        eventlet.sleep(0)
    return [match_id for _, match_id in sorted(due)]


def remind(uow: UnitOfWork, match_id: str, on: date, policies: Sequence[Policy]) -> bool:
    """Record the ``followup_due`` of one match, unless it is not due or already reminded."""
    match = projection.followed_match(uow.conn, match_id)
    facts = projection.match_history(uow.conn, match_id)
    if match is None or facts is None:
        return False
    payload = domain.due_reminder(match, standing(facts, policies, on), on,
                                  projection.reminded(uow.conn, match_id))
    if payload is None:
        return False
    uow.record(domain.reminder_stream_id(match_id, payload["due_on"]), "followup_due", payload,
               expected_version=0)
    return True


def on_matched(uow: UnitOfWork, event: Event) -> None:
    """A match of someone already erased gets no notes that could be read."""
    keyring, p = uow.db.keyring, event.payload
    if keyring.erased(uow.conn, p["referral_id"]) or keyring.erased(uow.conn, p["volunteer_id"]):
        erasure.forget(uow.conn, keyring, [p["match_id"]], "match")


HANDLERS = {"checkin_reported": on_checkin_reported, "matched": on_matched,
            "subject_erased": erasure.on_subject_erased(erasure.matches_in(projection.matches))}
