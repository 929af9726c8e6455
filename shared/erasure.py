"""Erasure (GDPR art. 17) by crypto-shredding: destroy a subject's keys, keep every event.

The service that owns the subject (referrals: a participant, matching: a
volunteer) records ``subject_erased`` on the subject's own stream and destroys
its keys; every service that follows it destroys the keys it holds for that
subject (and, in followup, those of the subject's matches) when the event comes.
Nothing else changes: the events stay, with their identifying fields sealed under
keys that no longer exist, so reports, replays and the audit trail are as before
and the identifying data reads as null (erased) everywhere, backups included.
Kept message bodies (dead letters, parked events) that name the subject go too.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, select

from shared import deadletters, ordering
from shared.keyring import ERASED, Keyring, subject_of
from shared.ports import Work

Linked = Callable[[dict[str, Any]], list[str]]
"""The other subjects an erasure takes along (a party's matches), given its payload."""


def erase(work: Work[Any], kind: str, subject_id: str, stream_id: str,
          command: dict[str, Any], linked: Linked | None = None) -> bool:
    """Record the erasure of a subject this service owns; False when it was erased before."""
    if work.keys.erased(subject_id):
        return False
    recorded = work.record(stream_id, "subject_erased", {
        "erasure_id": str(uuid.uuid4()), "subject_kind": kind, "subject_id": subject_id,
        "reason_code": command["reason_code"], "reason_text": command["reason"]})
    also = linked(recorded.payload) if linked else []
    work.keys.forget([subject_id, *also], kind)
    return True


def follow(work: Work[Any], erased: dict[str, Any], linked: Linked | None = None) -> None:
    """A followed ``subject_erased``: destroy what this service holds of the subject (and ``linked``)."""
    also = linked(erased) if linked else []
    work.keys.forget([erased["subject_id"], *also], erased["subject_kind"])


def matches_in(conn: Connection, matches: Table, erased: dict[str, Any]) -> list[str]:
    """For a service with a ``matches`` table: an erased party's matches (their notes and reasons)."""
    party = matches.c.referral_id if erased["subject_kind"] == "referral" else matches.c.volunteer_id
    return [row.match_id for row in conn.execute(
        select(matches.c.match_id).where(party == erased["subject_id"]))]


def forget(conn: Connection, keyring: Keyring, subject_ids: list[str], kind: str) -> None:
    """Destroy the subjects' keys and those of every kept body that names one of them."""
    keyring.destroy(conn, subject_ids, kind)
    for token in deadletters.sealed_bodies(conn) + ordering.sealed_bodies(conn):
        body = keyring.open(conn, token)
        if body is not ERASED and any(subject_id in str(body) for subject_id in subject_ids):
            keyring.destroy(conn, [subject_of(token)], "kept_body")
