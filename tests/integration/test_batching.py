"""Writes held by ``shared.batching.Batched``, or sent by ``Direct`` through the driver, land as if sent one by one."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, bindparam, event, insert, select, update

from shared import driver_statements
from shared.batching import Batched, Direct
from shared.db import UtcDateTime, make_engine
from tests.support.postgres import emptied

metadata = MetaData()
rows = Table("rows", metadata, Column("key", String(10), primary_key=True), Column("value", Integer),
             Column("log", String(100)))
INSERT = insert(rows)
SET = update(rows).where(rows.c.key == bindparam("b_key")).values(value=bindparam("b_value"))
APPEND = update(rows).where(rows.c.key == bindparam("b_key")).values(
    value=rows.c.value * 2 + 1, log=rows.c.log + bindparam("b_log"))  # depends on the order of writes to its row
ROW_KEYS = {INSERT: "key", SET: "b_key", APPEND: "b_key"}


def _apply(conn, writes):
    for statement, params in writes:
        conn.execute(statement, params)
    if isinstance(conn, Batched):
        conn.flush()
    return sorted(tuple(r) for r in conn.execute(select(rows)))


def test_batched_writes_end_as_the_same_rows_as_one_by_one(tmp_path):
    writes = [(SET, {"b_key": "a", "b_value": 9})]  # before the row exists: changes nothing
    for n in range(30):
        key = f"k{n % 7}"
        writes.append((INSERT, {"key": f"r{n}", "value": n, "log": ""}) if n < 7 else
                      (SET, {"b_key": f"r{n % 7}", "b_value": n}) if n % 3 else
                      (APPEND, {"b_key": f"r{n % 7}", "b_log": key}))
    writes.append((INSERT, {"key": "a", "value": 1, "log": ""}))
    writes.append((APPEND, {"b_key": "a", "b_log": "x"}))
    engine = make_engine(f"sqlite:///{tmp_path / 'batching.db'}")
    metadata.create_all(engine)
    results = []
    for wrap in (lambda c: c, lambda c: Batched(c), lambda c: Batched(c, ROW_KEYS)):
        with engine.begin() as conn:
            conn.execute(rows.delete())
            results.append(_apply(wrap(conn), writes))
    engine.dispose()
    assert results[0] == results[1] == results[2]
    assert ("a", 3, "x") in results[0]  # the write before its row existed changed nothing



typed = Table("typed", metadata, Column("key", String(10), primary_key=True), Column("at", UtcDateTime()),
              Column("on", Date), Column("flag", Boolean), Column("note", String(20)))
ADD_TYPED = insert(typed)
STAMP = update(typed).where(typed.c.key == bindparam("b_key")).values(
    at=bindparam("b_at"), flag=True, note="stamped")  # literal values beside parameters


START = datetime(2023, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))


def _typed_writes(note: str | None = None) -> list[tuple]:
    """Six typed rows (every third with ``note``), then three of them stamped."""
    writes = [(ADD_TYPED, {"key": f"t{n}", "at": START + timedelta(minutes=n), "on": date(2023, 1, n + 1),
                           "flag": n % 2 == 0, "note": None if n % 3 else note}) for n in range(6)]
    return writes + [(STAMP, {"b_key": f"t{n}", "b_at": START - timedelta(days=n)}) for n in range(1, 6, 2)]


def _write_typed(conn, wrap, writes, seen: list[str]) -> None:
    """``writes`` sent through ``wrap(conn)`` to an emptied ``typed``; ``seen`` cleared after the emptying."""
    conn.execute(typed.delete())
    seen.clear()
    target = wrap(conn)
    for statement, params in writes:
        target.execute(statement, params)
    if isinstance(target, Batched):
        target.flush()


def test_runs_with_typed_columns_and_literal_values_land_as_sent_one_by_one(tmp_path):
    writes = _typed_writes()
    engine = make_engine(f"sqlite:///{tmp_path / 'typed.db'}")
    metadata.create_all(engine)
    results = []
    through_sqlalchemy: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: through_sqlalchemy.append(args[2]))
    for wrap in (lambda c: c, lambda c: Batched(c, {ADD_TYPED: "key", STAMP: "b_key"}),
                 lambda c: Direct(c, {ADD_TYPED: "key", STAMP: "b_key"})):
        with engine.begin() as conn:
            _write_typed(conn, wrap, writes, through_sqlalchemy)
            # as stored, not as read back: verify compares SQLite's text (shared.verify)
            results.append(conn.exec_driver_sql('SELECT * FROM typed ORDER BY "key"').all())
    engine.dispose()
    assert results[0] == results[1] == results[2]
    assert [sql.split()[0] for sql in through_sqlalchemy] == ["SELECT"]  # Direct's writes went by the driver
    assert results[0][:2] == [("t0", "2023-05-01 10:30:00.000000", "2023-01-01", 1, None),
                              ("t1", "2023-04-30 10:30:00.000000", "2023-01-02", 1, "stamped")]


def test_rows_read_through_the_driver_are_typed_as_sqlalchemy_types_them(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    metadata.create_all(engine)
    at = datetime(2023, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    query = select(typed).where(typed.c.flag == bindparam("b_flag")).order_by(typed.c.key)
    with engine.begin() as conn:
        conn.execute(ADD_TYPED, [{"key": "a", "at": at, "on": date(2023, 1, 2), "flag": True, "note": "x"},
                                 {"key": "b", "at": None, "on": None, "flag": True, "note": None}])
        expected = [dict(row) for row in conn.execute(query, {"b_flag": True}).mappings()]
        got = driver_statements.mappings(conn, query, {"b_flag": True})
    engine.dispose()
    assert got == expected and [type(v) for v in got[0].values()] == [type(v) for v in expected[0].values()]
    assert got[0]["at"] == at and got[0]["at"].tzinfo is not None and got[0]["flag"] is True


def test_direct_writes_on_postgresql_land_as_sent_through_sqlalchemy(postgres_url):
    writes = _typed_writes(note="ø")
    engine = make_engine(emptied(postgres_url, metadata))
    metadata.create_all(engine)
    results, writes_seen = [], []
    event.listen(engine, "before_cursor_execute", lambda *args: writes_seen.append(args[2].split()[0]))
    for wrap in (lambda c: c, lambda c: Direct(c, {ADD_TYPED: "key", STAMP: "b_key"})):
        with engine.begin() as conn:
            _write_typed(conn, wrap, writes, writes_seen)
            results.append((writes_seen[:], conn.execute(select(typed).order_by(typed.c.key)).all()))
    engine.dispose()
    (through_sqlalchemy, plain), (through_driver, direct) = results
    assert direct == plain and len(plain) == 6
    assert len(through_sqlalchemy) == len(writes) and through_driver == []  # Direct's went by psycopg
    assert plain[1].at == START - timedelta(days=1) and plain[1].note == "stamped"
