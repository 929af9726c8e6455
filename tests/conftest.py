"""Test set-up: eventlet first, then broker and database fixtures that fail loudly."""
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet announces its own deprecation on import
    import eventlet

# nameko's pytest plugin no longer does this; everything below must see green sockets.
eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from tests.support import broker, postgres  # noqa: E402


@pytest.fixture
def amqp_uri() -> Iterator[str]:
    """A fresh RabbitMQ vhost per test: tests never see each other's queues."""
    with broker.vhost() as uri:
        yield uri


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for the session."""
    name = f"lgv_test_{uuid.uuid4().hex[:10]}"
    postgres.create_database(name)
    try:
        yield postgres.url_for(name)
    finally:
        postgres.drop_database(name)


@pytest.fixture
def var_dir(tmp_path, monkeypatch) -> str:
    """Each test gets its own var/ (SQLite files, token secret)."""
    path = tmp_path / "var"
    path.mkdir()
    monkeypatch.setenv("LGV_VAR_DIR", str(path))
    for service in ("REFERRALS", "MATCHING", "FOLLOWUP"):
        monkeypatch.delenv(f"{service}_DATABASE_URL", raising=False)
    return str(path)


def pytest_configure(config) -> None:
    os.environ.setdefault("LGV_SECRET", "test-secret-" + uuid.uuid4().hex)
