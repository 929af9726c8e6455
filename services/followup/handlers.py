"""Application handlers: load what is known, ask the domain, record what it decided.

Each is a plain function of a unit of work (``shared/ports.py``) whose repository is
``Followup``, or of a ``Store`` of them where it reads a snapshot before it writes;
``HANDLERS`` are those the inbox calls, by event type.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import eventlet

from services.followup import domain, policy
from services.followup.cadence import Policy
from services.followup.repository import Followup
from services.followup.standing import standing
from shared import erasure, reference
from shared.envelope import Event
from shared.errors import ConcurrencyConflict
from shared.ports import Store, Work

log = logging.getLogger(__name__)
SWEEP_BATCH = 500  # matches the reminder sweep reads at a time


def report_check_in(work: Work[Followup], match_id: str, report: dict[str, Any],
                    policies: Sequence[Policy]) -> str:
    checkin_id = str(uuid.uuid4())
    payload = domain.check_in(work.repository.followed_match(match_id), match_id, report,
                              checkin_id, work.repository.checkins(match_id), policies)
    work.record(domain.stream_id(match_id), "checked_in", payload)
    return checkin_id


def on_checkin_reported(work: Work[Followup], event: Event) -> None:
    """A check-in from an intake system (e.g. a volunteer app) means what the gateway's does."""
    report = {k: v for k, v in event.payload.items() if k != "match_id"}
    report_check_in(work, event.payload["match_id"], report, policy.load())


def close_match(work: Work[Followup], match_id: str, command: dict[str, Any],
                policies: Sequence[Policy]) -> None:
    payload = domain.close(work.repository.followed_match(match_id), match_id, command,
                           policies, reference.allows_rematch(command["reason"]))
    work.record(domain.stream_id(match_id), "closed", payload)


def publish_due_reminders(store: Store[Followup], on: date, policies: Sequence[Policy]) -> list[str]:
    """Record one ``followup_due`` per match due on ``on`` and not yet reminded of that due date.

    Exactly once per match and due date, however often this runs and whoever else runs
    it at the same time: each reminder is version 1 of a stream named after the match
    and the due date, so the event store's unique (stream, version) refuses a second.
    One transaction per match, so a crash half-way leaves the rest for the next run. The
    matches are read in batches and other green threads run between batches and between
    transactions, so a national sweep never holds the service (SQLite does not yield).
    """
    sent = []
    for match_id in _due_in_batches(store, on, policies):
        try:
            with store.work() as work:
                if remind(work, match_id, on, policies):
                    sent.append(match_id)
        except ConcurrencyConflict:
            log.info("followup_due for %s on %s was recorded by another run", match_id, on)
        eventlet.sleep(0)
    log.info("followup_due: %s reminder(s) recorded for %s", len(sent), on)
    return sent


def _due_in_batches(store: Store[Followup], on: date, policies: Sequence[Policy]) -> list[str]:
    """The ids of the matches due on ``on``, most urgent first, read ``SWEEP_BATCH`` at a time."""
    due: list[tuple[tuple[bool, int, str], str]] = []
    after: str | None = ""
    while after is not None:
        with store.reading() as repository:
            found, after = repository.due_batch(on, policies, after, SWEEP_BATCH)
        due += found
        eventlet.sleep(0)
    return [match_id for _, match_id in sorted(due)]


def remind(work: Work[Followup], match_id: str, on: date, policies: Sequence[Policy]) -> bool:
    """Record the ``followup_due`` of one match, unless it is not due or already reminded."""
    match = work.repository.followed_match(match_id)
    facts = work.repository.match_history(match_id)
    if match is None or facts is None:
        return False
    payload = domain.due_reminder(match, standing(facts, policies, on), on,
                                  work.repository.reminded(match_id))
    if payload is None:
        return False
    work.record(domain.reminder_stream_id(match_id, payload["due_on"]), "followup_due", payload,
               expected_version=0)
    return True


def on_matched(work: Work[Followup], event: Event) -> None:
    """A match of someone already erased gets no notes that could be read."""
    keys, p = work.keys, event.payload
    if keys.erased(p["referral_id"]) or keys.erased(p["volunteer_id"]):
        keys.forget([p["match_id"]], "match")


def on_subject_erased(work: Work[Followup], event: Event) -> None:
    """A followed erasure: destroy the keys of the subject and of its matches (notes, reasons)."""
    erasure.follow(work, event.payload, work.repository.matches_of)


HANDLERS = {"checkin_reported": on_checkin_reported, "matched": on_matched,
            "subject_erased": on_subject_erased}
