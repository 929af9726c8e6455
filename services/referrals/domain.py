"""Decisions about referrals: pure functions from a command and what is known to new events."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from shared import json_text, referral_lifecycle
from shared.errors import RuleViolated


@dataclass(frozen=True)
class KnownReferral:
    """What the decisions need to know of a referral already received."""

    referral_id: str
    status: str
    content_digest: str


def content_digest(submission: dict[str, Any]) -> str:
    """A fingerprint of a submission's content, to tell a resubmission from a clash.

    Lists here are sets (needs, languages): their order is not content. The text hashed is
    ``json.dumps(…, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, which orjson
    writes byte for byte for plain JSON values, at a tenth of the CPU; anything else (an
    integer beyond 64 bits, a subclass of str) is written by ``json.dumps`` itself. (A float
    could be spelled otherwise, ``1e-7`` for ``1e-07``, and NaN as null: a submission has none.)
    """
    unordered = _unordered(submission)
    try:
        canonical = orjson.dumps(unordered, option=json_text.ORJSON_SORTED_PLAIN)
    except orjson.JSONEncodeError:
        canonical = json.dumps(unordered, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()


def _unordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _unordered(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(item) for item in value), key=json.dumps)
    return value


def receive(submission: dict[str, Any], known: KnownReferral | None, new_id: str,
            region: str) -> dict[str, Any] | None:
    """The ``referral_received`` payload for a submission, or None for a resubmission.

    ``submission`` is a ``referral_submitted`` at its current schema version.
    The same (site, external_ref) with the same content is the same referral,
    whichever version each copy was sent in; with other content it is a clash
    the referring site must sort out.
    """
    digest = content_digest(submission)
    if known is not None:
        if known.content_digest == digest:
            return None
        raise RuleViolated(
            f"external_ref {submission['external_ref']!r} of {submission['referring_site']} "
            "was already submitted with different content",
            {"external_ref": ["already used for another referral from this site"]})
    content = {key: value for key, value in submission.items() if key != "referral_date"}
    return {**content, "referred_on": submission["referral_date"], "referral_id": new_id,
            "region": region, "submission_digest": digest}


def withdraw(known: KnownReferral, reason_code: str, reason: str | None = None) -> dict[str, Any]:
    """The ``referral_withdrawn`` payload; only a waiting referral can be withdrawn.

    ``reason_code`` is published; the free-text ``reason`` stays in this service.
    """
    if not referral_lifecycle.may_withdraw(known.status):
        raise RuleViolated(f"referral {known.referral_id} is {known.status}; "
                           "only a waiting referral can be withdrawn")
    return {"referral_id": known.referral_id, "reason_code": reason_code, "reason": reason}


def new_referral_id(submission_event_id: str) -> str:
    """A new referral's id follows from its submission's event id, so sealing the stored
    submission (before any handler runs) and the handler name the same data subject."""
    return str(uuid.uuid5(_REFERRAL_IDS, submission_event_id))


_REFERRAL_IDS = uuid.UUID("6f1c2a52-5d0e-4a8e-9a57-3b8f0f6d2c11")


def stream_id(referral_id: str) -> str:
    return f"referral-{referral_id}"
