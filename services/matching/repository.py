"""What matching's handlers read of its projection: the port, and its SQL implementation."""
from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection

from services.matching import domain, pool, projection, queries, ranking
from shared import erasure


class Matching(Protocol):
    """Volunteers, waiting referrals, proposals and the pool, as the decisions need them.

    ``for_update`` reads lock the row until the unit of work ends (PostgreSQL), so two
    consultants matching at once decide one after the other.
    """

    def volunteer(self, volunteer_id: str, for_update: bool = False) -> domain.Volunteer | None:
        """The volunteer, if registered."""

    def waiting_referral(self, referral_id: str,
                         for_update: bool = False) -> domain.WaitingReferral | None:
        """The referral as matching follows it (status, region, earlier matches), if known."""

    def participant(self, referral_id: str) -> ranking.Participant | None:
        """The referral's participant as ranking reads them, if known."""

    def candidate_pool(self, participant: ranking.Participant
                       ) -> tuple[list[ranking.Profile], dict[str, int]]:
        """The volunteers who pass the hard rules, and how many each rule left out."""

    def proposal(self, proposal_id: str) -> domain.Proposal | None:
        """A recorded proposal, if there is one by that id."""

    def volunteers_by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The named volunteers as the list shows them (no personal data)."""

    def matches_of(self, erased: dict[str, Any]) -> list[str]:
        """The matches of an erased party (a ``subject_erased`` payload)."""


class SqlMatching:
    """``Matching`` over the projection's tables, in the transaction of ``conn``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def volunteer(self, volunteer_id: str, for_update: bool = False) -> domain.Volunteer | None:
        return projection.volunteer(self.conn, volunteer_id, for_update=for_update)

    def waiting_referral(self, referral_id: str,
                         for_update: bool = False) -> domain.WaitingReferral | None:
        return pool.waiting_referral(self.conn, referral_id, for_update=for_update)

    def participant(self, referral_id: str) -> ranking.Participant | None:
        return pool.participant(self.conn, referral_id)

    def candidate_pool(self, participant: ranking.Participant
                       ) -> tuple[list[ranking.Profile], dict[str, int]]:
        return pool.candidate_pool(self.conn, participant)

    def proposal(self, proposal_id: str) -> domain.Proposal | None:
        return pool.proposal(self.conn, proposal_id)

    def volunteers_by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return queries.volunteers_by_id(self.conn, ids)

    def matches_of(self, erased: dict[str, Any]) -> list[str]:
        return erasure.matches_in(self.conn, projection.matches, erased)
