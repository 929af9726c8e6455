"""The ``@inbox`` entrypoint on the real RabbitMQ: failures are retried, bounded, then kept."""
from __future__ import annotations

import json

import pytest
from nameko.containers import ServiceContainer

from shared import config, consumption, deadletters
from shared.runtime.inbox import inbox
from shared.runtime.storage import Storage
from tests.support import events as ev
from tests.support.bus import IntakePublisher
from tests.support.store import counting_projection, seen
from tests.support.waiting import wait_for

ATTEMPTS: list[str] = []


def _flaky(uow, event):
    """Fails for check-ins whose note says so; the rest are applied."""
    ATTEMPTS.append(event.event_id)
    if event.payload.get("note") == "poison":
        raise OSError("the disk is on fire")


class CountingStorage(Storage):
    def prepare_schema(self, db):
        db.create_tables()  # a test projection has no migrations: its tables are made as modelled


class FlakyFollowup:
    name = "followup"
    db = CountingStorage(counting_projection())

    @inbox
    def handle_inbox(self, deliveries):
        return consumption.consume_batch(self.db, {"checkin_reported": _flaky}, deliveries,
                                         config.max_delivery_attempts())


@pytest.fixture
def service(amqp_uri, var_dir, monkeypatch):
    monkeypatch.setenv("LGV_MAX_DELIVERY_ATTEMPTS", "3")
    ATTEMPTS.clear()
    container = ServiceContainer(FlakyFollowup, {"AMQP_URI": amqp_uri})
    container.start()
    yield container
    container.stop()


def _checkin(note: str) -> dict:
    return ev.envelope("checkin_reported", {"match_id": "m-1", "occurred_on": "2023-03-01",
                                            "contact": "meeting", "note": note})


def test_a_failing_event_is_retried_a_bounded_number_of_times_then_kept(service, amqp_uri):
    publisher = IntakePublisher(amqp_uri)
    poison, healthy = _checkin("poison"), _checkin("fine")
    publisher.publish(poison)
    publisher.publish(healthy)
    publisher.close()
    db = next(iter(service.dependencies)).db

    def kept():
        with db.reading() as conn:
            return deadletters.list_page(conn, None, 0, 10)

    [letter] = wait_for(kept, what="the poison message in the dead-letter store")
    assert ATTEMPTS.count(poison["event_id"]) == 3
    assert "gave up after 3 attempts" in letter["error"] and "disk is on fire" in letter["error"]
    with db.reading() as conn:
        body = deadletters.get(conn, letter["dead_letter_id"], db.keyring)["body"]
    assert json.loads(body)["event_id"] == poison["event_id"]
    wait_for(lambda: seen(db, "checkin_reported") == 1, what="the healthy message applied")
    # Its effect is there once. When it came in the poison's batch, that batch was undone and it
    # was applied again without the poison: two attempts, one effect (a busy machine batches them).
    assert ATTEMPTS.count(healthy["event_id"]) in (1, 2)
