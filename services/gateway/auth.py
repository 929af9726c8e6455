"""Who is asking, and may they: token verification and the role/region policy.

Roles: ``coordinator`` may do everything; ``consultant`` reads and writes only
objects in its regions (others are answered as absent); ``auditor`` reads reports
and audit trails only, never personal data; ``system`` only submits referrals and
reports check-ins.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from werkzeug.datastructures import Headers

from shared.errors import NotFound, ValidationFailed

from . import token_registry, tokens
from .errors import Forbidden, Unauthorized

COORDINATOR, CONSULTANT, AUDITOR, SYSTEM = tokens.ROLES

# Who may call a route (declared on it, CONTRACTS.md section 4.2): casework (referrals,
# volunteers, matches, candidates, check-ins due) is for staff only, never for auditors.
STAFF = frozenset({COORDINATOR, CONSULTANT})
INTAKE = frozenset({COORDINATOR, CONSULTANT, SYSTEM})
REPORT = frozenset({COORDINATOR, CONSULTANT, AUDITOR})
AUDIT = frozenset({COORDINATOR, AUDITOR})
OPERATE = frozenset({COORDINATOR})


@dataclass(frozen=True)
class Principal:
    """The verified bearer of a token."""

    name: str
    role: str
    regions: tuple[str, ...] = ()

    @property
    def sees_personal(self) -> bool:
        """Whether single-object reads may include ``personal`` data."""
        return self.role in (COORDINATOR, CONSULTANT)

    @property
    def personal_read(self) -> tuple[Any, ...]:
        """A single read's arguments: personal data only when allowed, then naming the reader (logged)."""
        return (True, self.actor) if self.sees_personal else (False,)

    @property
    def actor(self) -> dict[str, str]:
        """The ``actor`` recorded on the events this principal causes."""
        kind = "system" if self.role == SYSTEM else "consultant"
        return {"kind": kind, "id": self.name, "role": self.role}


def authenticate(header: str | None) -> Principal:
    """The principal behind an ``Authorization: Bearer`` header, or ``Unauthorized``.

    Expired, over-long (beyond 30 days), revoked and unrecorded tokens are all ``Unauthorized``.
    """
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.")
    try:
        claims = tokens.verify(token.strip(), refusal=token_registry.refusal)
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"The token is not valid: {exc}.") from None
    return _principal(claims)


def _principal(claims: Mapping[str, Any]) -> Principal:
    regions = claims.get("regions") or []
    if claims.get("role") not in tokens.ROLES or not isinstance(regions, list):
        raise Unauthorized("The token carries no known role.")
    if claims["role"] == CONSULTANT and not regions:
        raise Unauthorized("A consultant token must name at least one region.")
    return Principal(str(claims["sub"]), claims["role"], tuple(str(r) for r in regions))


def authorize(headers: Headers | Mapping[str, str], roles: Collection[str]) -> Principal:
    """Authenticate from request headers and require one of ``roles``."""
    principal = authenticate(headers.get("Authorization"))
    if principal.role not in roles:
        raise Forbidden(f"The {principal.role} role may not do this.")
    return principal


def check_region(principal: Principal, region: str | None) -> None:
    """Refuse a consultant a region outside its own (a filter, or where a new object goes)."""
    if principal.role == CONSULTANT and region not in principal.regions:
        raise Forbidden(f"Region {region!r} is outside this token's regions.")


def check_visible(principal: Principal, region: str | None, absent: str) -> None:
    """An object outside a consultant's regions is answered as absent: ``NotFound(absent)``.

    ``absent`` must be the message the service gives for a missing object, so the
    answer tells nothing about the object, not even that it exists.
    """
    if principal.role == CONSULTANT and region not in principal.regions:
        raise NotFound(absent)


def scoped(principal: Principal, filters: dict[str, Any]) -> dict[str, Any]:
    """List filters narrowed to a consultant's regions."""
    if principal.role != CONSULTANT:
        return dict(filters)
    if "region" in filters:
        check_region(principal, filters["region"])
        return dict(filters)
    return {**filters, "regions": list(principal.regions)}


def scoped_regions(principal: Principal, region: str | None) -> list[str] | None:
    """The regions a region-list query covers: asked, a consultant's own, or all (None)."""
    if region:
        check_region(principal, region)
        return [region]
    return list(principal.regions) if principal.role == CONSULTANT else None


SMALLEST_CELL = 5  # CONTRACTS.md 4.3: reports for consultants and auditors show no count under 5


def report_protection(principal: Principal, asked: int | None) -> tuple[int | None, int | None]:
    """``(suppress_below, round_to)`` for a report (``services.followup.reporting.disclosure_control``).

    A coordinator gets what it asks (nothing suppressed unless it asks); anyone else at
    least ``SMALLEST_CELL``, counts rounded to that multiple so two reports cannot be
    subtracted either. A smaller ``suppress_below`` from anyone else is refused as a bad value
    (400 naming the field and the bound): the report itself is allowed.
    """
    if principal.role == COORDINATOR:
        return asked, None
    if asked is not None and asked < SMALLEST_CELL:
        bound = f"at least {SMALLEST_CELL} for a {principal.role} (only a coordinator may ask for less)"
        raise ValidationFailed(f"suppress_below must be {bound}.", {"suppress_below": [f"must be {bound}"]})
    below = asked or SMALLEST_CELL
    return below, below
