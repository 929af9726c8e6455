"""Statements compiled once by SQLAlchemy and sent straight to the driver, their parameters typed here.

A replay's runs: one statement's many rows sent to SQLite with one ``executemany``.
SQLAlchemy builds and processes a parameter set per row of an ``executemany``
in Python; for the runs a replay sends (tens of thousands of rows of a few
statements) that costs as much as SQLite's own work. The statement is compiled
once, and each row's values go through the same bind processors, so the rows
stored are the same text SQLAlchemy would have stored (for dates and UTC
moments on SQLite, the commonest values, a shorter way to the same text). A plan
builds each row with one function made for its statement (no per-column loop in Python).

The hot statements a consumer runs per event (``first_row``, ``write_one``,
``insert_one``) go through the driver the same way on PostgreSQL too (psycopg,
one cursor kept per connection): there SQLAlchemy's execution cost about twice
psycopg's own per statement.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from shared import pipelined
from shared.db import UtcDateTime


def send(conn: Connection, statement: Any, params: list[dict[str, Any]]) -> bool:
    """Send ``params`` through ``statement`` when this can (SQLite, nothing only SQLAlchemy can send)."""
    plan = _plan(conn, statement, params[0], backends=("sqlite",))
    if plan is None:
        return False
    plan.send(conn, params)
    return True


class _Plan:
    """A statement compiled for SQLite, and where each positional parameter comes from."""

    def __init__(self, sql: str, binds: list[tuple[str | None, Any, Any]]) -> None:
        self.sql, self.row = sql, _row_builder(binds)

    def _cursor(self, conn: Connection) -> Any:
        return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def _done(self, cursor: Any) -> None:
        cursor.close()

    def send(self, conn: Connection, params: list[dict[str, Any]]) -> None:
        rows = list(map(self.row, params))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self.sql, rows)
        except Exception as exc:  # as SQLAlchemy would raise it, without the parameters
            raise DBAPIError.instance(self.sql, None, exc, Exception, hide_parameters=True) from exc
        finally:
            cursor.close()

    def execute(self, conn: Connection, params: dict[str, Any]) -> Any:
        """One parameter set; the driver's cursor, for the caller to read and hand to ``_done``."""
        cursor = self._cursor(conn)
        try:
            cursor.execute(self.sql, self.row(params))
        except Exception as exc:
            self._done(cursor)
            raise DBAPIError.instance(self.sql, None, exc, Exception, hide_parameters=True) from exc
        return cursor

    def inserted_key(self, cursor: Any) -> int:
        return int(cursor.lastrowid)


class _PostgresPlan(_Plan):
    """A statement compiled for psycopg; one cursor per connection serves every plan."""

    def _cursor(self, conn: Connection) -> Any:
        # ``info`` lives as long as the driver's connection: a replaced one starts without a cursor.
        kept = conn.connection.info
        cursor = kept.get(_CURSOR)
        if cursor is None:
            cursor = kept[_CURSOR] = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        return cursor

    def _done(self, cursor: Any) -> None:
        pass  # kept for the next statement on its connection

    def execute(self, conn: Connection, params: dict[str, Any]) -> Any:
        """As on SQLite; writes held on the connection (``shared.pipelined``) go in the same round trip first."""
        cursor = self._cursor(conn)
        try:
            pipelined.send(conn, then=(cursor, self.sql, self.row(params)))
        except psycopg.Error as exc:
            raise DBAPIError.instance(self.sql, None, exc, Exception, hide_parameters=True) from exc
        return cursor

    def inserted_key(self, cursor: Any) -> int:
        return int(cursor.fetchone()[0])  # the insert's RETURNING of its primary key


_CURSOR = "lgv_driver_cursor"


def _row_builder(binds: list[tuple[str | None, Any, Any]]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """One function from a parameter dict to the positional row, each value through its processor.

    Its source names only generated identifiers: the parameter names, processors
    and constants are bound values, never text of the statement.
    """
    scope: dict[str, Any] = {}
    items = []
    for n, (name, process, constant) in enumerate(binds):
        if name is None:
            scope[f"c{n}"] = constant
            items.append(f"c{n}")
            continue
        scope[f"k{n}"] = name
        if process is None:
            items.append(f"p[k{n}]")
        else:
            scope[f"f{n}"] = process
            items.append(f"f{n}(p[k{n}])")
    if not items:
        return lambda p: ()
    return eval(f"lambda p: ({', '.join(items)},)", scope)  # type: ignore[no-any-return]


_PLANS: dict[tuple[str, Any, frozenset[str]], _Plan | None] = {}


def _plan(conn: Connection, statement: Any, first: dict[str, Any],
          backends: tuple[str, ...] = ("sqlite", "postgresql")) -> _Plan | None:
    """The statement's plan on SQLite or PostgreSQL, or None (another backend, or what only SQLAlchemy can send)."""
    backend = conn.dialect.name
    if backend not in backends or conn._execution_options.get("schema_translate_map"):
        return None
    key = (backend, statement, frozenset(first))
    if key not in _PLANS:
        if len(_PLANS) > 1000:  # statements built per call would otherwise be kept for ever
            _PLANS.clear()
        _PLANS[key] = _compiled(conn, statement, list(first))
    return _PLANS[key]


def _positional(dialect: Any) -> Any:
    """The dialect as it is, but with positional parameters (psycopg's ``%s``), for ``positiontup``."""
    if dialect.positional:
        return dialect
    positional = copy.copy(dialect)
    positional.paramstyle, positional.positional = "format", True
    return positional


def _compiled(conn: Connection, statement: Any, keys: list[str]) -> _Plan | None:
    compiled: Any = statement.compile(dialect=_positional(conn.dialect), column_keys=keys)
    if (compiled.insert_prefetch or compiled.update_prefetch or compiled.escaped_bind_names
            or compiled.literal_execute_params or compiled.post_compile_params or compiled.positiontup is None):
        return None  # Python-side defaults, renamed or expanded parameters: SQLAlchemy's own path
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    binds = []
    for name in compiled.positiontup:
        bind = by_name[name]
        if bind.key in keys:
            binds.append((bind.key, shorter(bind.type, conn.dialect, compiled._bind_processors.get(name)), None))
        elif bind.callable is None and not bind.required:
            process = compiled._bind_processors.get(name)
            binds.append((None, None, process(bind.value) if process else bind.value))
        else:
            return None
    if conn.dialect.name == "postgresql":
        return _PostgresPlan(compiled.string, binds)
    return _Plan(compiled.string, binds)


def shorter(type_: Any, dialect: Any, process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """``process``, or one giving the same text by a shorter way for the values a replay meets most.

    A UTC moment (``UtcDateTime``) and a date are written by formatting a dict of
    their fields; ``isoformat`` gives the same text for the exact types, in UTC.
    Anything else, and any other storage format, goes to ``process`` itself.
    """
    if process is None or dialect.name != "sqlite" or getattr(dialect, "native_datetime", False):
        return process  # (a driver typing moments itself writes its own text)
    impl = type_.dialect_impl(dialect)
    if isinstance(type_, UtcDateTime) and _default_format(impl.impl_instance, sqlite.DATETIME):
        def utc_moment(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is timezone.utc:
                return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00": stored naive, in UTC
            return process(value)
        return utc_moment
    if _default_format(impl, sqlite.DATE):
        def day(value: Any) -> Any:
            return value.isoformat() if type(value) is date else process(value)
        return day
    return process


def _default_format(impl: Any, kind: Any) -> bool:
    """``impl`` is SQLite's ``kind`` (or the driver's, which writes through it) in its own storage format."""
    return isinstance(impl, kind) and impl._storage_format == kind._storage_format


def first_row(conn: Connection, statement: Any, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of one statement (a query, or a write's RETURNING), straight through the driver.

    For the hot statements a consumer runs per event (SQLAlchemy's execution costs
    more than the database's): only columns SQLAlchemy would hand back as the driver
    gives them (integers, text, booleans), since no result processor runs here.
    """
    plan = _plan(conn, statement, params)
    if plan is None:
        row = conn.execute(statement, params).first()
        return None if row is None else tuple(row)
    cursor = plan.execute(conn, params)
    try:
        return cursor.fetchone()  # type: ignore[no-any-return]
    finally:
        plan._done(cursor)


def mappings(conn: Connection, statement: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """A query's rows as dicts by column name, typed as SQLAlchemy types them, through the driver.

    Each column goes through its type's own result processor (dates, moments), so a
    row reads as ``conn.execute(statement, params).mappings()`` would give it. (On
    PostgreSQL so the writes held before it go in its round trip: ``shared.pipelined``.)
    """
    plan = _plan(conn, statement, params)
    if plan is None:
        return [dict(row) for row in conn.execute(statement, params).mappings()]
    names, processors = _typing(conn, statement)
    cursor = plan.execute(conn, params)
    try:
        rows = cursor.fetchall()
    finally:
        plan._done(cursor)
    return [{name: value if process is None else process(value)
             for name, process, value in zip(names, processors, row, strict=True)} for row in rows]


_TYPING: dict[tuple[str, Any], tuple[list[str], list[Any]]] = {}


def _typing(conn: Connection, statement: Any) -> tuple[list[str], list[Any]]:
    """A query's column names and each one's result processor (None where the driver's value stands)."""
    key = (conn.dialect.name, statement)
    found = _TYPING.get(key)
    if found is None:
        if len(_TYPING) > 1000:
            _TYPING.clear()
        columns = statement.compile(dialect=conn.dialect)._result_columns
        found = _TYPING[key] = ([column[0] for column in columns],
                                [column[3]._cached_result_processor(conn.dialect, None) for column in columns])
    return found


def write_one(conn: Connection, statement: Any, params: dict[str, Any]) -> int:
    """One write straight through the driver (as ``first_row``); how many rows it changed."""
    plan = _plan(conn, statement, params)
    if plan is None:
        return int(conn.execute(statement, params).rowcount)
    cursor = plan.execute(conn, params)
    try:
        return int(cursor.rowcount)
    finally:
        plan._done(cursor)


def insert_one(conn: Connection, statement: Any, params: dict[str, Any]) -> int:
    """One row inserted straight through the driver; its integer primary key."""
    plan = _plan(conn, statement, params)
    if plan is None:
        key = conn.execute(statement, params).inserted_primary_key
        assert key is not None
        return int(key[0])
    cursor = plan.execute(conn, params)
    try:
        return plan.inserted_key(cursor)
    finally:
        plan._done(cursor)


def write_later(conn: Connection, statement: Any, params: dict[str, Any], expect: int | None = None) -> int | None:
    """``write_one``, or, inside ``pipelined.holding`` on PostgreSQL, held until the next statement:
    None then, and ``expect`` (if given) is the number of rows it must change, checked when it is sent."""
    joined = _held_plan(conn, statement, params)
    if joined is None:
        return write_one(conn, statement, params)
    held, plan = joined
    held.add(plan.sql, plan.row(params), expect)
    return None


def first_row_later(conn: Connection, statement: Any, params: dict[str, Any]) -> pipelined.Later:
    """``first_row`` of a write that returns exactly one row, held as ``write_later`` holds (its row
    read when it is sent; a write that returns none fails the batch's hold)."""
    joined = _held_plan(conn, statement, params)
    if joined is None:
        return pipelined.Later(first_row(conn, statement, params))
    held, plan = joined
    later = pipelined.Later(sent=False)
    held.add(plan.sql, plan.row(params), 1, later)
    return later


def _held_plan(conn: Connection, statement: Any, params: dict[str, Any]) -> tuple[pipelined.Hold, _Plan] | None:
    """The hold a write may join now and the statement's plan, or None (it is sent at once)."""
    held = pipelined.active(conn)
    plan = None if held is None else _plan(conn, statement, params)
    return None if held is None or plan is None else (held, plan)
