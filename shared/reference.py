"""Reference data (regions, referring sites, focus areas): data, not code.

``LGV_REFERENCE_FILE`` points at another JSON file of the same shape, so a new
region or site is a deployment change, not a release.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from shared import config

_DEFAULT = Path(__file__).with_name("reference_data.json")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data: dict[str, Any] = config.load_json(config.reference_file(_DEFAULT))
    return data


def regions() -> tuple[str, ...]:
    return tuple(_data()["regions"])


def site_codes() -> tuple[str, ...]:
    return tuple(_data()["sites"])


def region_of_site(site: str) -> str:
    return str(_data()["sites"][site]["region"])


def focus_areas() -> tuple[str, ...]:
    return tuple(_data()["focus_areas"])


def rematch_reasons() -> tuple[str, ...]:
    """Closure reasons after which the participant goes back on the waiting list.

    The participant still needs a volunteer after these; not after a relationship
    that ended well (commitment_completed, goals_reached), nor when the participant
    withdrew or could not be reached (participant_withdrew, lost_contact). When in
    doubt (moved, health, other: whose?) the participant stays on the list, where a
    consultant sees them and can withdraw the referral, rather than being forgotten.
    """
    return tuple(_data()["rematch_reasons"])


def allows_rematch(close_reason: str) -> bool:
    return close_reason in rematch_reasons()


def withdrawal_reasons() -> tuple[str, ...]:
    """Codes for why a referral was withdrawn: what ``referral_withdrawn`` carries on the bus."""
    return tuple(_data()["withdrawal_reasons"])


def match_reasons() -> tuple[str, ...]:
    """Codes for why a consultant chose other than the first candidate (``matched``)."""
    return tuple(_data()["match_reasons"])


OTHER_REASON = "other"
"""The code an event carries when only free text was given (it stays private)."""


def reason_code(code: str | None, text: str | None) -> str | None:
    """The code to record: the one given, else ``other`` when there is only free text."""
    return code or (OTHER_REASON if text else None)


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code, or the code itself when unlisted."""
    return str(_data().get("languages", {}).get(code, code))
