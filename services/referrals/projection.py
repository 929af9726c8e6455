"""The referrals read model: one row per referral with its status."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Update,
    bindparam,
    insert,
    select,
    update,
)

from services.referrals import domain
from shared import driver_statements, json_text, referral_lifecycle
from shared.db import UtcDateTime
from shared.envelope import Event
from shared.projection import Projection
from shared.vocabulary import ReferralStatus

metadata = MetaData()

referrals = Table(
    "referrals", metadata,
    Column("referral_id", String(64), primary_key=True),
    Column("external_ref", String(100), nullable=False),
    Column("referring_site", String(50), nullable=False),
    Column("region", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("participant", Text, nullable=False),
    Column("needs", Text, nullable=False),
    Column("preferences", Text, nullable=False),
    Column("personal", Text, nullable=False),
    Column("interpreter_needed", Boolean, nullable=False),
    Column("content_digest", String(64), nullable=False),
    Column("match_id", String(64)),
    Column("withdrawn_reason_code", String(50)),
    Column("withdrawn_reason", Text),  # free text: private, shown only with personal data
    Column("closed_on", Date),
    Column("version", Integer, nullable=False),
    UniqueConstraint("referring_site", "external_ref", name="uq_referral_site_ref"),
    # Lists are pages in this order (longest waiting first), read by key, never by offset.
    Index("ix_referrals_list_order", "referred_on", "received_at", "referral_id"),
)
LIST_ORDER = (referrals.c.referred_on, referrals.c.received_at, referrals.c.referral_id)


def _received(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_INSERT, {
        "referral_id": p["referral_id"], "external_ref": p["external_ref"],
        "referring_site": p["referring_site"], "region": p["region"], "status": ReferralStatus.WAITING,
        "referred_on": date.fromisoformat(p["referred_on"]), "received_at": event.recorded_at,
        "participant": _json(p["participant"]), "needs": _json(p["needs"]),
        "preferences": _json(p["preferences"]), "personal": _json(p.get("personal") or {}),
        "interpreter_needed": p.get("interpreter_needed", False),
        "content_digest": p.get("submission_digest") or _digest_of_early_event(p), "version": 1})


def _digest_of_early_event(received: dict[str, Any]) -> str:
    """Events recorded before ``submission_digest`` existed: rebuild the submission they came from."""
    submission = {k: v for k, v in received.items()
                  if k not in ("referral_id", "region", "submission_digest", "referred_on")}
    return domain.content_digest({**submission, "referral_date": received["referred_on"],
                                  "interpreter_needed": received.get("interpreter_needed", False)})


def _change(*conditions: Any, columns: tuple[str, ...]) -> Update:
    """One kind of change to a referral; ``conditions`` keep a stale event from undoing a newer state.

    Statements are built once (parameters ``b_<column>``), so a replay can send
    many changes of one kind in one round trip (``shared.batching``).
    """
    return (update(referrals).where(referrals.c.referral_id == bindparam("b_referral_id"), *conditions)
            .values(version=referrals.c.version + 1, **{c: bindparam(f"b_{c}") for c in columns}))


_INSERT = insert(referrals)
# The guards of shared.referral_lifecycle: only a waiting referral is withdrawn, only the
# current match's closure moves the referral.
_WITHDRAW = _change(referrals.c.status == referral_lifecycle.WITHDRAWABLE,
                    columns=("status", "withdrawn_reason_code", "withdrawn_reason"))
_MATCH = _change(columns=("status", "match_id"))
_THIS_MATCH = referrals.c.match_id == bindparam("b_closing_match")
_REOPEN = _change(_THIS_MATCH, columns=("status", "match_id", "closed_on"))
_CLOSE = _change(_THIS_MATCH, columns=("status", "closed_on"))


def _withdrawn(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_WITHDRAW, {"b_referral_id": p["referral_id"], "b_status": ReferralStatus.WITHDRAWN,
                             "b_withdrawn_reason_code": p.get("reason_code"),
                             "b_withdrawn_reason": p.get("reason")})


def _matched(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_MATCH, {"b_referral_id": p["referral_id"], "b_status": ReferralStatus.MATCHED,
                          "b_match_id": p["match_id"]})


def _closed(conn: Connection, event: Event) -> None:
    p = event.payload
    if referral_lifecycle.after_closure(p) == ReferralStatus.WAITING:
        # Back on the waiting list; referred_on is kept, so the days waiting count from referral.
        conn.execute(_REOPEN, {"b_referral_id": p["referral_id"], "b_closing_match": p["match_id"],
                               "b_status": ReferralStatus.WAITING, "b_match_id": None, "b_closed_on": None})
    else:
        conn.execute(_CLOSE, {"b_referral_id": p["referral_id"], "b_closing_match": p["match_id"],
                              "b_status": ReferralStatus.CLOSED, "b_closed_on": date.fromisoformat(p["closed_on"])})


_json = json_text.dumps


def referral_for(conn: Connection, event: Event) -> str:
    """The referral a submission is about: the one with its (site, external_ref), or a new one.

    What it found is kept for the submission's handler, whose own lookup of the same
    (site, external_ref) comes next in the same transaction (``known_by_ref``).
    """
    site, external_ref = event.payload["referring_site"], event.payload["external_ref"]
    known = _by_ref(conn, site, external_ref)
    conn.info[_LOOKED_UP] = (conn.get_transaction(), site, external_ref, known)
    return known.referral_id if known else domain.new_referral_id(event.event_id)


# A submission is looked up by (site, external_ref) twice, as its subject (``referral_for``,
# before it is kept) and by its handler, and this transaction writes no referral between: a
# submission is kept in the event log, sealed under keys, and no applier of the referrals
# takes it. The handler's lookup takes the subject's answer once; any other is asked. (On
# PostgreSQL another instance may commit the same (site, external_ref) meanwhile, as it could
# between two lookups: the insert then fails on the unique index and the delivery is tried again.)
_LOOKED_UP = "lgv.referrals.looked_up_by_ref"


PROJECTION = Projection(metadata, {
    "referral_received": _received,
    "referral_withdrawn": _withdrawn,
    "matched": _matched,
    "closed": _closed,
}, subjects={"referral_submitted": referral_for},
   row_keys={_INSERT: "referral_id", _WITHDRAW: "b_referral_id", _MATCH: "b_referral_id",
             _REOPEN: "b_referral_id", _CLOSE: "b_referral_id"})


_KNOWN = select(referrals.c.referral_id, referrals.c.status, referrals.c.content_digest)
_BY_ID = _KNOWN.where(referrals.c.referral_id == bindparam("b_referral_id"))
# Every submission asks (its subject, then its handler): built once.
_BY_REF = _KNOWN.where(referrals.c.referring_site == bindparam("b_site"),
                       referrals.c.external_ref == bindparam("b_external_ref"))


def known_by_id(conn: Connection, referral_id: str) -> domain.KnownReferral | None:
    return _known(driver_statements.first_row(conn, _BY_ID, {"b_referral_id": referral_id}))


def known_by_ref(conn: Connection, site: str, external_ref: str) -> domain.KnownReferral | None:
    looked_up = conn.info.pop(_LOOKED_UP, None)
    if looked_up is not None:
        transaction, *key, known = looked_up
        if transaction is not None and transaction is conn.get_transaction() and key == [site, external_ref]:
            return known  # type: ignore[no-any-return]
    return _by_ref(conn, site, external_ref)


def _by_ref(conn: Connection, site: str, external_ref: str) -> domain.KnownReferral | None:
    return _known(driver_statements.first_row(conn, _BY_REF, {"b_site": site, "b_external_ref": external_ref}))


def _known(row: tuple[Any, ...] | None) -> domain.KnownReferral | None:
    # Three text columns, as the driver gives them (driver_statements.first_row: no result processors).
    return None if row is None else domain.KnownReferral(*row)
