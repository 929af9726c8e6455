"""What referrals' handlers read of its projection: the port, and its SQL implementation."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection

from services.referrals import domain, projection


class Referrals(Protocol):
    """The referrals already received, as the decisions need them."""

    def known_by_id(self, referral_id: str) -> domain.KnownReferral | None:
        """The referral with this id, if received."""

    def known_by_ref(self, site: str, external_ref: str) -> domain.KnownReferral | None:
        """The referral a site submitted under ``external_ref``, if received."""


class SqlReferrals:
    """``Referrals`` over the projection's tables, in the transaction of ``conn``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def known_by_id(self, referral_id: str) -> domain.KnownReferral | None:
        return projection.known_by_id(self.conn, referral_id)

    def known_by_ref(self, site: str, external_ref: str) -> domain.KnownReferral | None:
        return projection.known_by_ref(self.conn, site, external_ref)
