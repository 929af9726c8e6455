"""The hard matching rules, once: deciding a match (``domain.match``) and ranking candidates
(``ranking.first_failed``, ``pool.candidate_pool``) ask these. Pure, no I/O.

A volunteer must be ``available`` (approved, trained, below capacity): the domain works that
out from the volunteer's facts, ranking reads the status the projection keeps.
"""
from __future__ import annotations

from collections.abc import Mapping

ANY_GENDER = "any"
MISMATCH = "mismatch"  # the close reason that rules a pair out for good


def within_region(volunteer_region: str, participant_region: str) -> bool:
    """A match is always within one region."""
    return volunteer_region == participant_region


def meets_preference(wanted: str, gender: str | None) -> bool:
    """The participant's ``volunteer_gender`` preference (female | male | any) holds."""
    return wanted == ANY_GENDER or gender == wanted


def mismatched_before(earlier: Mapping[str, str], volunteer_id: str) -> bool:
    """An earlier match of this pair closed as a mismatch (``earlier``: volunteer id -> close reason)."""
    return earlier.get(volunteer_id) == MISMATCH
