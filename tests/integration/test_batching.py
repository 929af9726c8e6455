"""Writes held by ``shared.batching.Batched`` land as if sent one by one."""
from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select, update

from shared.batching import Batched
from shared.db import make_engine

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
