"""Which referrals, volunteers and matches an event is about: the audit trail's index keys.

Read from the payload's id fields only, never from other values, so an audit
lookup by a phone number, a name or a region finds nothing.
"""
from __future__ import annotations

from typing import Any

from shared.envelope import Event

ID_FIELDS = ("referral_id", "volunteer_id", "match_id")
MAX_SUBJECT_LENGTH = 200


def subjects_of(event: Event) -> set[str]:
    """The ids of the referrals, volunteers and matches ``event`` is about."""
    payload = event.payload
    found = [payload.get(field) for field in ID_FIELDS]
    if event.event_type == "candidates_proposed":  # every volunteer proposed is a subject
        found += [_id_of(candidate) for candidate in _list(payload.get("candidates"))]
    if event.event_type == "subject_erased":  # the erasure belongs to the subject's trail
        found.append(payload.get("subject_id"))
    return {value for value in found if isinstance(value, str) and 0 < len(value) <= MAX_SUBJECT_LENGTH}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id_of(candidate: Any) -> Any:
    return candidate.get("volunteer_id") if isinstance(candidate, dict) else None
