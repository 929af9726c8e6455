"""Unit tests keep the gateway database (tokens, idempotency keys) in their own temporary file."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def gateway_database(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    return url
