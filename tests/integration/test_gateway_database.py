"""The gateway database's contract (tokens, revocations, idempotency keys), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import eventlet
import pytest

from services.gateway import database, idempotency, token_registry, tokens
from shared.errors import RuleViolated
from tests.support import postgres
from tests.support.waiting import wait_for

ANSWER = idempotency.Answer(202, '{"volunteer_id": "v-1"}', "application/json")


class GatewayDatabaseContract:
    """Subclassed per backend; ``url`` gives a fresh database."""

    @pytest.fixture(autouse=True)
    def gateway_database(self, url, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
        monkeypatch.setenv("LGV_SECRET", "integration-secret-" + "s" * 32)
        database.metadata.create_all(database.engine())

    def test_an_issued_token_is_listed_and_once_revoked_stays_revoked(self):
        _, record = tokens.mint("consultant", ["hovedstaden"], "ann")
        token_registry.record(record)
        assert token_registry.refusal(record.token_id) is None

        first = token_registry.revoke(record.token_id).revoked_at
        again = token_registry.revoke(record.token_id).revoked_at

        assert token_registry.refusal(record.token_id) == "it has been revoked" and first == again
        [listed] = token_registry.listed()
        assert (listed.name, listed.regions, listed.expires_at) == ("ann", ("hovedstaden",), record.expires_at)

    def test_a_key_answers_once_then_replays_and_refuses_another_request(self):
        runs = []

        def run() -> idempotency.Answer:
            runs.append(1)
            return ANSWER

        assert idempotency.once("coordinator:ann", "k", "print-1", run) == (ANSWER, False)
        assert idempotency.once("coordinator:ann", "k", "print-1", run) == (ANSWER, True)
        with pytest.raises(RuleViolated):
            idempotency.once("coordinator:ann", "k", "print-2", run)
        assert len(runs) == 1

    def test_a_key_older_than_a_day_is_forgotten(self):
        old = datetime.now(UTC) - idempotency.KEEP_FOR - timedelta(minutes=1)
        idempotency.once("coordinator:ann", "k", "print-1", lambda: ANSWER, now=lambda: old)
        answer, replayed = idempotency.once("coordinator:ann", "k", "print-2", lambda: ANSWER)
        assert not replayed

    def test_two_concurrent_first_uses_run_once(self):
        gate, runs = eventlet.event.Event(), []

        def run() -> idempotency.Answer:
            runs.append(1)
            gate.wait()
            return ANSWER

        first = eventlet.spawn(idempotency.once, "coordinator:ann", "k", "print-1", run)
        second = eventlet.spawn(idempotency.once, "coordinator:ann", "k", "print-1", run)
        wait_for(lambda: runs, what="the first to run")
        gate.send(None)
        assert sorted([first.wait()[1], second.wait()[1]]) == [False, True] and len(runs) == 1


class TestGatewayDatabaseOnSQLite(GatewayDatabaseContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'gateway.db'}"


class TestGatewayDatabaseOnPostgreSQL(GatewayDatabaseContract):
    @pytest.fixture
    def url(self, postgres_url):
        return postgres.emptied(postgres_url, database.metadata)
