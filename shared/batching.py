"""Many events, few round trips: a connection that sends many writes of one kind as one executemany.

Appliers write with module-level statements and a dict of parameters
(``conn.execute(INSERT, {...})``). Through a ``Batched`` connection those
writes are held and sent together, one ``executemany`` per statement, before
any read, any other kind of call and the end of the batch.

Holding writes reorders them only where order cannot matter. A statement the
projection declares *row-local* (``row_keys``: it changes one row, named by one
parameter, and its effect depends on nothing but that row) may pass writes of
other row-local statements on other rows. Writes to one row keep their order: a
second statement touching a row already written in the batch sends the batch
first. Any other statement keeps strict order (only consecutive repeats join). A row is
named by one parameter, or by several (a tuple of names: a versioned row's key and
version).

A replay also gives its ``Batched`` a *memo* (``replay_memo``): appliers keep
there what they wrote, by key, and read it back instead of querying, so reads do
not send the batch early. It is authoritative because a replay starts from empty
tables and is their only writer; outside a replay there is no memo, and appliers
query the database as before.

Writes that only add an amount to a row (counters: an upsert adding to a column)
may be *summed* instead (``sums``): held as one amount per row and sent as one
run when the batch is, so a thousand additions to one row are one write.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.dml import UpdateBase

from shared import driver_statements

RowKeys = Mapping[Any, str | tuple[str, ...]]
_DIRECT, _STRICT = object(), object()  # sent at once; held, kept in strict order


class Batched:
    """Wraps a ``Connection`` for appliers; call ``flush()`` before committing."""

    def __init__(self, conn: Connection, row_keys: RowKeys | None = None,
                 memo: dict[str, Any] | None = None) -> None:
        self.conn = conn
        self.memo = memo
        self._row_keys = row_keys or {}
        self._runs: dict[Any, list[dict[str, Any]]] = {}
        self._rows: dict[tuple[Any, Any], Any] = {}  # (table, key) -> the statement that wrote it
        self._strict = False  # the held writes include a statement that is not row-local
        self._kinds: dict[Any, Any] = {}  # statement -> _DIRECT, _STRICT or its row key
        self._sums: dict[Any, tuple[tuple[str, ...], str, dict[tuple[Any, ...], Any]]] = {}

    def execute(self, statement: Any, parameters: Any = None, **kwargs: Any) -> Any:
        kind: Any = self._kinds.get(statement) if isinstance(parameters, dict) and not kwargs else _DIRECT
        if kind is None:
            kind = self._kind(statement)
            if kind is not _DIRECT:  # reads are often built per call: not kept
                self._kinds[statement] = kind
        if kind is _DIRECT:
            self.flush()
            return self.conn.execute(statement, parameters, **kwargs)
        if kind is _STRICT:
            if self._runs and (not self._strict or statement not in self._runs):
                self.flush()
            self._strict = True
        else:
            row = (statement.table, parameters[kind] if isinstance(kind, str)
                   else tuple(parameters[name] for name in kind))
            if self._strict or self._rows.get(row, statement) is not statement:
                self.flush()
            self._rows[row] = statement
        self._runs.setdefault(statement, []).append(parameters)
        return None

    def _kind(self, statement: Any) -> Any:
        """How a write of ``statement`` is held: not at all, in strict order, or by the row it names."""
        if not isinstance(statement, UpdateBase) or statement._returning:
            return _DIRECT
        return self._row_keys.get(statement, _STRICT)

    def flush(self) -> None:
        runs, self._runs, self._rows, self._strict = self._runs, {}, {}, False
        sums, self._sums = self._sums, {}
        for statement, (key, amount, held) in sums.items():
            runs.setdefault(statement, []).extend(
                {**dict(zip(key, row)), amount: total} for row, total in held.items())
        for statement, params in runs.items():
            if len(params) == 1 or not driver_statements.send(self.conn, statement, params):
                self.conn.execute(statement, params)

    @property
    def info(self) -> dict[Any, Any]:
        return self.conn.info  # notes on the connection, not a statement: nothing to send first

    @property
    def dialect(self) -> Any:
        return self.conn.dialect  # which database, not a statement: nothing to send first

    def __getattr__(self, name: str) -> Any:
        self.flush()
        return getattr(self.conn, name)


class Direct:
    """Wraps a ``Connection`` for appliers outside a replay: each write of a row-local statement
    goes to the database straight through the driver (``shared.driver_statements.write_one``), the
    rest to SQLAlchemy.

    As through ``Batched``, such a write answers None: appliers never read what a
    row-local write returns. A consumer writes one event at a time, and SQLAlchemy's
    execution costs several times SQLite's own for these one-row statements (on
    PostgreSQL about as much as psycopg's).
    """

    def __init__(self, conn: Connection, row_keys: RowKeys) -> None:
        self.conn = conn
        self._row_keys = row_keys

    def execute(self, statement: Any, parameters: Any = None, **kwargs: Any) -> Any:
        if type(parameters) is dict and not kwargs and statement in self._row_keys:
            driver_statements.write_later(self.conn, statement, parameters)  # held in a consumer's batch
            return None
        return self.conn.execute(statement, parameters, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def sums(conn: Any, statement: Any, key: tuple[str, ...], amount: str) -> dict[tuple[Any, ...], Any] | None:
    """Amounts to add through ``statement`` by row (the values of ``key``), sent with the batch; None unbatched.

    ``statement`` must add its parameter ``amount`` to the row ``key`` names, and
    only that (adding commutes: the sum of a batch's additions is one addition).
    Every row added to is written, also when its amounts add up to nothing.
    """
    if not isinstance(conn, Batched):
        return None
    return conn._sums.setdefault(statement, (key, amount, {}))[2]


def replay_memo(conn: Any, name: str) -> dict[Any, Any] | None:
    """The dict kept under ``name`` for the rest of this replay, or None outside a replay."""
    memo = conn.memo if isinstance(conn, Batched) else None
    return None if memo is None else memo.setdefault(name, {})

