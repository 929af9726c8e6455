"""What followup's handlers read of its projection: the port, and its SQL implementation."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Connection

from services.followup import domain, projection, queries
from services.followup.cadence import Policy
from services.followup.standing import CheckIn, MatchHistory
from shared import erasure

Urgency = tuple[bool, int, str]
"""Where a due match stands in the due list: open concerns first, the most overdue, by id."""


class Followup(Protocol):
    """The matches followed, their check-ins and reminders, as the decisions need them."""

    def followed_match(self, match_id: str) -> domain.FollowedMatch | None:
        """The match, if followup knows it."""

    def checkins(self, match_id: str) -> tuple[CheckIn, ...]:
        """The match's check-ins, in recording order."""

    def match_history(self, match_id: str) -> MatchHistory | None:
        """When the match began and ended, and its check-ins; None if unknown."""

    def reminded(self, match_id: str) -> set[date]:
        """The due dates a ``followup_due`` was already recorded for."""

    def due_batch(self, on: date, policies: Sequence[Policy], after: str, limit: int
                  ) -> tuple[list[tuple[Urgency, str]], str | None]:
        """Of the next ``limit`` matches active on ``on`` by id after ``after``, those whose
        contact is due or overdue and not yet reminded of that due date, each with its urgency
        (the due list's order); and the last id read, to go on after (None: there are no more)."""

    def matches_of(self, erased: dict[str, Any]) -> list[str]:
        """The matches of an erased party (a ``subject_erased`` payload)."""


class SqlFollowup:
    """``Followup`` over the projection's tables, in the transaction of ``conn``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def followed_match(self, match_id: str) -> domain.FollowedMatch | None:
        return projection.followed_match(self.conn, match_id)

    def checkins(self, match_id: str) -> tuple[CheckIn, ...]:
        return projection.checkins_of(self.conn, [match_id])[match_id]

    def match_history(self, match_id: str) -> MatchHistory | None:
        return projection.match_history(self.conn, match_id)

    def reminded(self, match_id: str) -> set[date]:
        return projection.reminded(self.conn, match_id)

    def due_batch(self, on: date, policies: Sequence[Policy], after: str, limit: int
                  ) -> tuple[list[tuple[Urgency, str]], str | None]:
        found, last = queries.due_batch(self.conn, on, policies, after, limit)
        return [(queries.urgency(pair), pair[0].match_id) for pair in found], last

    def matches_of(self, erased: dict[str, Any]) -> list[str]:
        return erasure.matches_in(self.conn, projection.matches, erased)
