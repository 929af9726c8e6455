"""Throw-away databases on the local PostgreSQL (trust auth)."""
from __future__ import annotations

import os

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
