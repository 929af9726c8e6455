"""Reads for the gateway: referrals as CONTRACTS.md shapes them."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, select

from services.referrals.projection import LIST_ORDER, referrals
from shared import driver_statements
from shared.errors import NotFound
from shared.filters import narrowed
from shared.keyring import ERASED, Keyring
from shared.paging import keyset_page
from shared.personal import disclose
from shared.vocabulary import ReferralStatus

# Every single read runs it: built once.
_BY_ID = select(referrals).where(referrals.c.referral_id == bindparam("b_referral_id"))
# What a referral shows beside its personal data, in the order ``_shape`` takes it. A list shows
# no personal data: its pages leave the sealed columns (most of a row's bytes) unread.
_SHOWN = ("referral_id", "external_ref", "referring_site", "region", "status", "referred_on", "received_at",
          "participant", "needs", "preferences", "interpreter_needed", "match_id", "withdrawn_reason_code",
          "closed_on")
_LISTED = select(*(referrals.c[name] for name in _SHOWN))


def get_referral(conn: Connection, referral_id: str, include_personal: bool,
                 today: date, keyring: Keyring) -> dict[str, Any]:
    found = driver_statements.mappings(conn, _BY_ID, {"b_referral_id": referral_id})  # the driver's, typed
    if not found:
        raise NotFound(f"no referral {referral_id}")
    row = found[0]
    disclosed: dict[str, Any] = disclose(keyring, conn, referral_id, json.loads(row["personal"]))
    if include_personal:
        reason = keyring.open(conn, row["withdrawn_reason"])  # free text: private like personal
        disclosed["withdrawn_reason"] = None if reason is ERASED else reason
    else:
        disclosed.pop("personal")
    return {**_shape(tuple(row[name] for name in _SHOWN), today), **disclosed}


def list_referrals(conn: Connection, filters: dict[str, Any], limit: int, cursor: str | None,
                   today: date) -> dict[str, Any]:
    query = narrowed(_LISTED, referrals, filters, ReferralStatus,
                     exact=("region", "referring_site", "external_ref"))
    # Longest-waiting first; received_at and id break ties so pages are stable.
    rows, next_cursor = keyset_page(conn, query, LIST_ORDER, cursor, limit)
    return {"items": [_shape(row, today) for row in rows], "next_cursor": next_cursor}


def _shape(shown: tuple[Any, ...], today: date) -> dict[str, Any]:
    """A referral from its ``_SHOWN`` columns (unpacked by position: a page has 200 rows of 14)."""
    (referral_id, external_ref, referring_site, region, status, referred_on, received_at, participant, needs,
     preferences, interpreter_needed, match_id, withdrawn_reason_code, closed_on) = shown
    return {
        "referral_id": referral_id, "external_ref": external_ref, "referring_site": referring_site,
        "region": region, "status": status, "referred_on": referred_on.isoformat(),
        "received_at": received_at.isoformat(),
        "days_waiting": (today - referred_on).days if status == ReferralStatus.WAITING else None,
        "participant": orjson.loads(participant), "needs": orjson.loads(needs),
        "preferences": orjson.loads(preferences), "interpreter_needed": interpreter_needed,
        "match_id": match_id, "withdrawn_reason_code": withdrawn_reason_code,
        "closed_on": closed_on.isoformat() if closed_on else None,
    }
