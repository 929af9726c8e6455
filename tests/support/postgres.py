"""Throw-away databases on the local PostgreSQL (trust auth)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

ADMIN_URL = os.environ.get("LGV_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def create_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_for(name: str) -> str:
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def emptied(url: str, *metadatas: Any) -> str:
    """``url`` after dropping the tables of ``metadatas``: each contract test starts clean."""
    from shared.db import make_engine

    engine = make_engine(url)
    for metadata in metadatas:
        metadata.drop_all(engine)
    engine.dispose()
    return url


@contextmanager
def service_databases(services: Iterable[str], prefix: str = "lgv_test") -> Iterator[dict[str, str]]:
    """A throw-away database per service for as long as the block runs, as ``<SERVICE>_DATABASE_URL``s."""
    names = {service: f"{prefix}_{uuid.uuid4().hex[:8]}_{service}" for service in services}
    made = []
    try:
        for name in names.values():
            create_database(name)
            made.append(name)
        yield {f"{service.upper()}_DATABASE_URL": url_for(name) for service, name in names.items()}
    finally:
        for name in made:  # those made before one failed too
            drop_database(name)
