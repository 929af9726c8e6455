"""Reads for the gateway: volunteers and candidates as CONTRACTS.md shapes them."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from services.matching import ranking
from services.matching.projection import VOLUNTEER_ORDER, volunteers
from shared.errors import NotFound
from shared.filters import narrowed
from shared.keyring import Keyring
from shared.paging import keyset_page
from shared.personal import disclose
from shared.vocabulary import VolunteerStatus


def get_volunteer(conn: Connection, volunteer_id: str, include_personal: bool,
                  keyring: Keyring) -> dict[str, Any]:
    row = conn.execute(select(volunteers).where(volunteers.c.volunteer_id == volunteer_id)).first()
    if row is None:
        raise NotFound(f"no volunteer {volunteer_id}")
    disclosed = disclose(keyring, conn, volunteer_id, json.loads(row.personal))
    if not include_personal:
        disclosed.pop("personal")
    return {**_shape(row), **disclosed}


def list_volunteers(conn: Connection, filters: dict[str, Any], limit: int,
                    cursor: str | None) -> dict[str, Any]:
    query = narrowed(select(volunteers), volunteers, filters, VolunteerStatus)
    rows, next_cursor = keyset_page(conn, query, VOLUNTEER_ORDER, cursor, limit)
    return {"items": [_shape(row) for row in rows], "next_cursor": next_cursor}


def volunteers_by_id(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The named volunteers as the list shows them (no personal data)."""
    rows = conn.execute(select(volunteers).where(volunteers.c.volunteer_id.in_(ids))).all() if ids else []
    return {row.volunteer_id: _shape(row) for row in rows}


def candidates_answer(proposal: dict[str, Any], top: Sequence[ranking.Candidate],
                      shown: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The candidates answer: the proposal's identity, the ranked volunteers, who was left out."""
    items = [{**shown[c.volunteer_id], "rank": c.rank, "score": c.score, "reasons": list(c.reasons),
              "waited_days": c.waited_days} for c in top]
    keys = ("referral_id", "proposal_id", "algorithm", "weights_version", "ranked_on", "eligible",
            "excluded")
    return {**{key: proposal[key] for key in keys}, "items": items}


def _shape(row: Any) -> dict[str, Any]:
    data = {
        "volunteer_id": row.volunteer_id, "status": row.status, "region": row.region,
        "municipality": row.municipality, "gender": row.gender, "birth_year": row.birth_year,
        "languages": json.loads(row.languages), "strengths": json.loads(row.strengths),
        "capacity": row.capacity, "active_matches": row.active_matches,
        "screened_on": row.screened_on.isoformat() if row.screened_on else None,
        "trained_on": row.trained_on.isoformat() if row.trained_on else None,
    }
    return data
