"""Where a canary string could leak: files, database tables, the bus; and what still opens."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import kombu
from kombu import binding
from sqlalchemy import MetaData, create_engine, select, text

from shared import topology
from shared.db import make_engine
from shared.keyring import Keyring, is_sealed

SERVICE_EXCHANGES = tuple(topology.service_exchange_name(s) for s in ("referrals", "matching", "followup"))


def files_holding(directory: Path, canary: str) -> list[str]:
    """Every file under ``directory`` (databases, their WAL, logs, keys) whose bytes hold the canary."""
    needle = canary.encode("utf-8")
    return sorted(str(path) for path in directory.rglob("*") if path.is_file() and needle in path.read_bytes())


def tables_holding(url: str, canary: str) -> list[str]:
    """Every table of a database whose rows, as text, hold the canary."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = MetaData()
            found.reflect(conn)
            return sorted(name for name in found.tables
                          if conn.execute(text(f'SELECT count(*) FROM "{name}" t WHERE t::text LIKE :c'),
                                          {"c": f"%{canary}%"}).scalar())
    finally:
        engine.dispose()


def opened_holding(url: str, canary: str) -> list[str]:
    """Every column value sealed in a service database that still opens to something with the canary."""
    engine, keyring, hits = make_engine(url), Keyring(), []
    try:
        with engine.connect() as conn:
            found = MetaData()
            found.reflect(conn)
            for name, table in found.tables.items():
                for row in conn.execute(select(table)).mappings():
                    hits += [f"{name}.{column}" for column, value in row.items()
                             if _sealed_inside(value) and canary in str(_open_all(keyring, conn, value))]
    finally:
        engine.dispose()
    return hits


def opened_row(keyring: Keyring, conn: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A row with its sealed values opened (sealed values differ from run to run; their contents not)."""
    return {column: _open_all(keyring, conn, value) if _sealed_inside(value) else value
            for column, value in row.items()}


def _sealed_inside(value: Any) -> bool:
    return isinstance(value, str) and "lgv-sealed:1:" in value


def _open_all(keyring: Keyring, conn: Any, value: str) -> list[Any]:
    """Every sealed token inside a value (a column, or a whole envelope as JSON text), opened."""
    import json

    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    tokens: list[str] = []
    _collect(parsed, tokens)
    return [keyring.open(conn, token) for token in tokens]


def _collect(value: Any, into: list[str]) -> None:
    if is_sealed(value):
        into.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect(item, into)


class Spy:
    """A queue bound to everything on the three service exchanges, read as raw bytes."""

    def __init__(self, amqp_uri: str) -> None:
        self.amqp_uri = amqp_uri
        self.queue = kombu.Queue("canary.spy", durable=True, bindings=[
            binding(topology.exchange(name), routing_key="#") for name in SERVICE_EXCHANGES])
        with kombu.Connection(amqp_uri) as conn:
            channel = conn.default_channel
            for name in SERVICE_EXCHANGES:
                topology.exchange(name)(channel).declare()
            self.queue(channel).declare()
        self.bodies: list[bytes] = []

    def take(self) -> list[bytes]:
        """Every message that arrived since the last call, added to ``bodies``."""
        with kombu.Connection(self.amqp_uri) as conn:
            simple = conn.SimpleQueue(self.queue)
            while True:
                try:
                    message = simple.get(timeout=1)
                except simple.Empty:
                    break
                body = message.body
                self.bodies.append(body if isinstance(body, bytes) else str(body).encode("utf-8"))
                message.ack()
            simple.close()
        return self.bodies

    def holding(self, canary: str) -> int:
        return sum(canary.encode("utf-8") in body for body in self.take())
