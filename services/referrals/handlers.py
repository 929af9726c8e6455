"""Application handlers: load what is known, ask the domain, record what it decided."""
from __future__ import annotations

from typing import Any

from services.referrals import domain, projection
from shared import erasure, reference
from shared.envelope import Event, new_event_id, utcnow
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def on_referral_submitted(uow: UnitOfWork, event: Event) -> str:
    """Receive a submission once: a repeated (site, external_ref) is the same referral."""
    submission = event.payload
    known = projection.known_by_ref(uow.conn, submission["referring_site"],
                                    submission["external_ref"])
    referral_id = known.referral_id if known else projection.new_referral_id(event)
    received = domain.receive(submission, known, referral_id,
                              reference.region_of_site(submission["referring_site"]))
    if received is not None:
        uow.record(domain.stream_id(referral_id), "referral_received", received,
                   occurred_at=event.occurred_at, expected_version=0)
    return referral_id


def withdraw_referral(uow: UnitOfWork, referral_id: str, reason_code: str, reason: str | None) -> None:
    known = projection.known_by_id(uow.conn, referral_id)
    if known is None:
        raise NotFound(f"no referral {referral_id}")
    uow.record(domain.stream_id(referral_id), "referral_withdrawn",
               domain.withdraw(known, reason_code, reason))


def erase_referral(uow: UnitOfWork, referral_id: str, command: dict[str, Any]) -> None:
    if projection.known_by_id(uow.conn, referral_id) is None:
        raise NotFound(f"no referral {referral_id}")
    erasure.erase(uow, "referral", referral_id, domain.stream_id(referral_id), command)


def submission_event(payload: dict[str, Any], actor: dict[str, Any]) -> Event:
    """A gateway submission as the ``referral_submitted`` event an intake system would send."""
    return Event(event_id=new_event_id(), event_type="referral_submitted", schema_version=1,
                 occurred_at=utcnow(), source="gateway", payload=payload, actor=actor)


HANDLERS = {"referral_submitted": on_referral_submitted,
            "subject_erased": erasure.on_subject_erased()}
