"""Application handlers: load what is known, ask the domain, record what it decided.

Each is a plain function of a unit of work (``shared/ports.py``) whose repository
is ``Referrals``; ``HANDLERS`` are those the inbox calls, by event type.
"""
from __future__ import annotations

from typing import Any

from services.referrals import domain
from services.referrals.repository import Referrals
from shared import erasure, reference
from shared.envelope import Event, new_event_id, utcnow
from shared.errors import NotFound
from shared.ports import Work


def on_referral_submitted(work: Work[Referrals], event: Event) -> str:
    """Receive a submission once: a repeated (site, external_ref) is the same referral."""
    submission = event.payload
    known = work.repository.known_by_ref(submission["referring_site"], submission["external_ref"])
    referral_id = known.referral_id if known else domain.new_referral_id(event.event_id)
    received = domain.receive(submission, known, referral_id,
                              reference.region_of_site(submission["referring_site"]))
    if received is not None:
        work.record(domain.stream_id(referral_id), "referral_received", received,
                    occurred_at=event.occurred_at, expected_version=0)
    return referral_id


def withdraw_referral(work: Work[Referrals], referral_id: str, reason_code: str,
                      reason: str | None) -> None:
    work.record(domain.stream_id(referral_id), "referral_withdrawn",
                domain.withdraw(_known(work, referral_id), reason_code, reason))


def erase_referral(work: Work[Referrals], referral_id: str, command: dict[str, Any]) -> None:
    _known(work, referral_id)
    erasure.erase(work, "referral", referral_id, domain.stream_id(referral_id), command)


def on_subject_erased(work: Work[Referrals], event: Event) -> None:
    """A followed erasure: destroy the keys this service holds of the subject."""
    erasure.follow(work, event.payload)


def submission_event(payload: dict[str, Any], actor: dict[str, Any]) -> Event:
    """A gateway submission as the ``referral_submitted`` event an intake system would send."""
    return Event(event_id=new_event_id(), event_type="referral_submitted", schema_version=1,
                 occurred_at=utcnow(), source="gateway", payload=payload, actor=actor)


def _known(work: Work[Referrals], referral_id: str) -> domain.KnownReferral:
    known = work.repository.known_by_id(referral_id)
    if known is None:
        raise NotFound(f"no referral {referral_id}")
    return known


HANDLERS = {"referral_submitted": on_referral_submitted, "subject_erased": on_subject_erased}
