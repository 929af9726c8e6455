"""The report's facts as tables, kept up to date event by event, each version with when it was learned.

Bitemporal in the sense the report needs: a row holds a fact as the system knew
it from ``learned_at`` (when this store applied the event, ``shared.eventstore``)
until ``superseded_at`` (when a later event changed it; null while current).
The facts as known at any moment are the rows valid then, so ``as_of`` answers
read exactly what the fold over the log up to that moment would
(``fold.fold``, kept as the oracle), without reading the log.

A match row carries its participant's attributes: the participant known when
the row's version began (a participant learned later starts a new version).
Each new version of a match or an approval also adds its difference to the
counts by month (``count_tables``), which a summary reads instead of the rows.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)

from services.followup.reporting import contributions
from services.followup.reporting.count_tables import CountTable
from services.followup.standing import six_month_mark
from shared import driver_statements
from shared.batching import replay_memo
from shared.db import UtcDateTime
from shared.envelope import Event
from shared.eventstore import learned_at
from shared.vocabulary import ScreeningOutcome


def _learned() -> list[Column[Any]]:
    return [Column("learned_at", UtcDateTime(), nullable=False), Column("superseded_at", UtcDateTime())]


CURRENT = text("superseded_at IS NULL")


def tables(metadata: MetaData) -> tuple[Table, Table, Table, Table]:
    """The report's tables, in the projection's ``metadata`` (replayed and verified with it)."""
    matches = Table(
        "report_matches", metadata,
        Column("match_id", String(64), primary_key=True), Column("version", Integer, primary_key=True),
        Column("referral_id", String(64), nullable=False), Column("region", String(50), nullable=False),
        Column("matched_on", Date, nullable=False), Column("six_month_on", Date, nullable=False),
        Column("closed_on", Date), Column("site", String(50)), Column("gender", String(20)),
        Column("birth_year", Integer), Column("country", String(10)), Column("arrival_year", Integer),
        Column("age_decade", Integer), *_learned(),
        Index("ix_report_matches_current", "match_id", sqlite_where=CURRENT, postgresql_where=CURRENT),
        Index("ix_report_matches_referral", "referral_id"),
        # The days and moments a summary reads from the rows, not the counts (edge_counts).
        Index("ix_report_matches_learned", "learned_at"), Index("ix_report_matches_superseded", "superseded_at"),
        Index("ix_report_matches_matched_on", "matched_on"), Index("ix_report_matches_closed_on", "closed_on"))
    participants = Table(
        "report_participants", metadata,
        Column("referral_id", String(64), primary_key=True), Column("version", Integer, primary_key=True),
        Column("site", String(50), nullable=False), Column("gender", String(20), nullable=False),
        Column("birth_year", Integer, nullable=False), Column("country", String(10), nullable=False),
        Column("arrival_year", Integer, nullable=False), *_learned())
    approvals = Table(
        "report_approvals", metadata,
        Column("volunteer_id", String(64), primary_key=True), Column("version", Integer, primary_key=True),
        Column("region", String(50)), Column("approved_on", Date, nullable=False), *_learned(),
        Index("ix_report_approvals_learned", "learned_at"), Index("ix_report_approvals_superseded", "superseded_at"),
        Index("ix_report_approvals_approved_on", "approved_on"))
    volunteer_regions = Table(
        "report_volunteer_regions", metadata,
        Column("volunteer_id", String(64), primary_key=True), Column("region", String(50), nullable=False))
    return matches, participants, approvals, volunteer_regions


class ReportStore:
    """Appliers for the report's tables (one per event type the report folds).

    In a replay the current version of each key is read from the replay's memo
    (``shared.batching.replay_memo``) instead of the tables, so the writes go
    out in batches; outside one, from the tables.
    """

    def __init__(self, metadata: MetaData) -> None:
        self.matches, self.participants, self.approvals, self.volunteer_regions = tables(metadata)
        self.counts = CountTable(metadata)
        self._counted = {self.matches: contributions.of_match, self.approvals: contributions.of_approval}
        self._keys = {self.matches: "match_id", self.participants: "referral_id", self.approvals: "volunteer_id"}
        self._insert = {table: insert(table) for table in self._keys}
        self._supersede = {table: update(table).where(table.c[key] == bindparam("b_key"),
                                                      table.c.version == bindparam("b_version"))
                           .values(superseded_at=bindparam("b_superseded_at")) for table, key in self._keys.items()}
        regions = self.volunteer_regions
        # What an applier reads outside a replay, once per event: built once.
        self._current_of = {table: select(table).where(table.c[key] == bindparam("b_key"), CURRENT)
                            for table, key in self._keys.items()}
        self._matches_of_referral = select(self.matches).where(
            self.matches.c.referral_id == bindparam("b_referral_id"), CURRENT)
        self._region_of = select(regions.c.region).where(regions.c.volunteer_id == bindparam("b_volunteer_id"))
        self._add_region = insert(regions)
        self._move_region = update(regions).where(regions.c.volunteer_id == bindparam("b_volunteer_id")).values(
            region=bindparam("b_region"))

    def appliers(self) -> dict[str, Any]:
        return {"referral_received": self.referral_received, "matched": self.matched, "closed": self.closed,
                "volunteer_registered": self.volunteer_registered,
                "volunteer_screened": self.volunteer_screened}

    def row_keys(self) -> dict[Any, str | tuple[str, ...]]:
        """The statements' rows (``shared.batching``): a version of a key, a volunteer's region."""
        return {**{self._insert[table]: (key, "version") for table, key in self._keys.items()},
                **{statement: ("b_key", "b_version") for statement in self._supersede.values()},
                self._add_region: "volunteer_id", self._move_region: "b_volunteer_id", **self.counts.row_keys()}

    def referral_received(self, conn: Connection, event: Event) -> None:
        p, person = event.payload, event.payload["participant"]
        attributes = {"site": p["referring_site"], "gender": person["gender"], "birth_year": person["birth_year"],
                      "country": person["country_of_birth"], "arrival_year": person["arrival_year"]}
        self._new_version(conn, self.participants, p["referral_id"], attributes)
        for row in self._current_matches_of(conn, p["referral_id"]):
            self._new_version(conn, self.matches, row["match_id"], _with_age({**_facts_of(row), **attributes}))

    def matched(self, conn: Connection, event: Event) -> None:
        p = event.payload
        matched_on = date.fromisoformat(p["matched_on"])
        person = self._current(conn, self.participants, p["referral_id"])
        self._new_version(conn, self.matches, p["match_id"], _with_age({
            "referral_id": p["referral_id"], "region": p["region"], "matched_on": matched_on,
            "six_month_on": six_month_mark(matched_on), "closed_on": None, **_attributes_of(person)}))

    def closed(self, conn: Connection, event: Event) -> None:
        p = event.payload
        row = self._current(conn, self.matches, p["match_id"])
        if row is not None:  # a closure of a match not (yet) known changes no figure
            self._new_version(conn, self.matches, p["match_id"],
                              _with_age({**_facts_of(row), **_attributes_of(row),
                                         "closed_on": date.fromisoformat(p["closed_on"])}))

    def volunteer_registered(self, conn: Connection, event: Event) -> None:
        p = event.payload
        if self._region(conn, p["volunteer_id"]) is not None:
            conn.execute(self._move_region, {"b_volunteer_id": p["volunteer_id"], "b_region": p["region"]})
        else:
            conn.execute(self._add_region, {"volunteer_id": p["volunteer_id"], "region": p["region"]})
        if (memo := replay_memo(conn, self.volunteer_regions.name)) is not None:
            memo[p["volunteer_id"]] = (p["region"],)

    def volunteer_screened(self, conn: Connection, event: Event) -> None:
        p = event.payload
        if p["outcome"] != ScreeningOutcome.APPROVED:
            return
        known = self._region(conn, p["volunteer_id"])
        self._new_version(conn, self.approvals, p["volunteer_id"],
                          {"region": known[0] if known else None, "approved_on": date.fromisoformat(p["screened_on"])})

    def _region(self, conn: Connection, volunteer_id: str) -> Any:
        """(region,) of a registered volunteer, or None."""
        memo = replay_memo(conn, self.volunteer_regions.name)
        if memo is not None:
            return memo.get(volunteer_id)
        return conn.execute(self._region_of, {"b_volunteer_id": volunteer_id}).first()

    def _current(self, conn: Connection, table: Table, value: str) -> Any:
        memo = replay_memo(conn, table.name)
        if memo is not None:
            return memo.get(value)
        rows = driver_statements.mappings(conn, self._current_of[table], {"b_key": value})
        return rows[0] if rows else None

    def _current_matches_of(self, conn: Connection, referral_id: str) -> list[Any]:
        memo = replay_memo(conn, "report_matches_of_referral")
        if memo is not None:
            current = replay_memo(conn, self.matches.name) or {}
            return [current[match_id] for match_id in memo.get(referral_id, ())]
        return driver_statements.mappings(conn, self._matches_of_referral, {"b_referral_id": referral_id})

    def _new_version(self, conn: Connection, table: Table, value: str, values: dict[str, Any]) -> None:
        """End the current version of ``value`` now and start the next one with ``values``."""
        now = learned_at(conn)
        current = self._current(conn, table, value)
        if current is not None:
            conn.execute(self._supersede[table], {"b_key": value, "b_version": current["version"],
                                                  "b_superseded_at": now})
        row = {self._keys[table]: value, "version": (current["version"] + 1) if current else 1,
               "learned_at": now, "superseded_at": None, **values}
        conn.execute(self._insert[table], row)
        if (counted := self._counted.get(table)) is not None:
            self.counts.add(conn, contributions.change(counted(current) if current else [], counted(row)), now)
        if (memo := replay_memo(conn, table.name)) is not None:
            memo[value] = row
            if table is self.matches:
                of_referral = replay_memo(conn, "report_matches_of_referral")
                assert of_referral is not None
                of_referral.setdefault(values["referral_id"], {})[value] = None


def _facts_of(row: Any) -> dict[str, Any]:
    return {name: row[name] for name in ("referral_id", "region", "matched_on", "six_month_on", "closed_on")}


def _attributes_of(row: Any) -> dict[str, Any]:
    names = ("site", "gender", "birth_year", "country", "arrival_year")
    return {name: row[name] if row is not None else None for name in names}


def _with_age(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the participant's age at matching in decades (the age bands' unit)."""
    born = values["birth_year"]
    return {**values, "age_decade": None if born is None else (values["matched_on"].year - born) // 10}


def valid_at(table: Table, as_of: datetime | None) -> Any:
    """The condition for the rows of ``table`` that held at ``as_of`` (None: now)."""
    if as_of is None:
        return table.c.superseded_at.is_(None)
    return (table.c.learned_at <= as_of) & (table.c.superseded_at.is_(None) | (table.c.superseded_at > as_of))
