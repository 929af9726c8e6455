"""The outbox relay against the real RabbitMQ: confirmed, then marked; resumable."""
from __future__ import annotations

import eventlet
import eventlet.event
import kombu
import pytest

from deploy import provision
from shared import topology
from shared.eventstore import pending_outbox
from shared.outbox import OutboxRelay
from tests.support.bus import drain
from tests.support.events import volunteer_body
from tests.support.store import make_database

SERVICE = "matching"


@pytest.fixture
def db(tmp_path):
    return make_database(f"sqlite:///{tmp_path / 'matching.db'}", service=SERVICE)


def _record_matched(db, n: int = 1) -> list[str]:
    ids = []
    for i in range(n):
        with db.transaction() as uow:
            event = uow.record(f"match-{i}", "matched", {
                "match_id": f"m{i}", "referral_id": f"r{i}", "volunteer_id": "v",
                "region": "hovedstaden", "matched_on": "2023-02-01"})
        ids.append(event.event_id)
    return ids


def _drain(amqp_uri: str, service: str) -> list[dict]:
    return drain(amqp_uri, topology.inbox_queue(service))


def test_recorded_events_reach_every_subscribing_inbox_and_are_marked(db, amqp_uri):
    ids = _record_matched(db, 3)
    relay = OutboxRelay(db, amqp_uri)
    assert relay.relay_once() == 3
    relay.close()
    with db.reading() as conn:
        assert pending_outbox(conn) == []
    for subscriber in ("referrals", "followup"):
        assert [m["event_id"] for m in _drain(amqp_uri, subscriber)] == ids


def test_a_crash_before_marking_publishes_again_rather_than_losing(db, amqp_uri, monkeypatch):
    ids = _record_matched(db, 2)
    relay = OutboxRelay(db, amqp_uri)

    def crash(conn, seqs):
        raise SystemExit("killed between publish and mark")

    monkeypatch.setattr("shared.outbox.mark_published", crash)
    with pytest.raises(SystemExit):
        relay.relay_once()
    relay.close()
    monkeypatch.undo()
    with db.reading() as conn:
        assert len(pending_outbox(conn)) == 2
    assert OutboxRelay(db, amqp_uri).relay_once() == 2
    delivered = [m["event_id"] for m in _drain(amqp_uri, "followup")]
    assert delivered == ids + ids  # the unmarked batch went out again, whole and in order


def test_identifying_fields_stay_off_the_bus(tmp_path, amqp_uri):
    db = make_database(f"sqlite:///{tmp_path / 'followup.db'}", service="followup")
    with db.transaction() as uow:
        closed = uow.record("match-m", "closed", {
            "match_id": "m", "referral_id": "r", "volunteer_id": "v", "closed_on": "2023-05-01",
            "initiator": "participant", "reason": "moved", "note": "moved to Aarhus with her sister"})
    assert OutboxRelay(db, amqp_uri).relay_once() == 1
    published = _drain(amqp_uri, "referrals")
    assert [m["event_id"] for m in published] == [closed.event_id]
    assert "note" not in published[0]["payload"]
    assert published[0]["payload"]["reason"] == "moved"
    with db.reading() as conn:
        stored = db.store.read_stream(conn, "match-m")[0]
        assert "Aarhus" not in stored.to_json()  # sealed at rest under the match's key
        assert "Aarhus" in db.keyring.open(conn, stored.payload["note"])


def test_every_event_of_a_followed_exchange_reaches_the_follower_in_order(db, amqp_uri):
    """Followers take all of a stream's versions, or per-stream order could never be checked."""
    with db.transaction() as uow:
        registered = uow.record("volunteer-v", "volunteer_registered",
                                {**volunteer_body(), "volunteer_id": "v"})
    [matched] = _record_matched(db, 1)
    assert OutboxRelay(db, amqp_uri).relay_once() == 2
    assert [m["event_id"] for m in _drain(amqp_uri, "followup")] == [registered.event_id, matched]


def test_a_confirm_that_never_comes_leaves_the_row_to_publish_again(db, amqp_uri, monkeypatch):
    [event_id] = _record_matched(db, 1)
    relay = OutboxRelay(db, amqp_uri)

    def no_confirm(self, *args, **kwargs):
        raise TimeoutError("no publisher confirm within the timeout")

    monkeypatch.setattr("kombu.messaging.Producer.publish", no_confirm)
    with pytest.raises(TimeoutError):
        relay.relay_once()
    relay.close()
    monkeypatch.undo()
    with db.reading() as conn:
        assert len(pending_outbox(conn)) == 1
    assert OutboxRelay(db, amqp_uri).relay_once() == 1
    assert [m["event_id"] for m in _drain(amqp_uri, "followup")] == [event_id]


def test_a_batch_with_an_unroutable_event_is_not_marked_and_goes_once_routable(db, amqp_uri):
    ids = _record_matched(db, 3)
    subscribers = topology.consumers(f"{SERVICE}.events", "matched")
    with kombu.Connection(amqp_uri) as conn:
        for service in subscribers:
            conn.default_channel.queue_delete(topology.inbox_queue(service).name)
    relay = OutboxRelay(db, amqp_uri)
    with pytest.raises(Exception, match="NO_ROUTE"):
        relay.relay_once()
    relay.close()
    with db.reading() as conn:
        assert len(pending_outbox(conn)) == 3
    provision.declare_topology(amqp_uri)
    assert OutboxRelay(db, amqp_uri).relay_once() == 3
    for service in subscribers:
        assert [m["event_id"] for m in _drain(amqp_uri, service)] == ids


def test_reasons_go_on_the_bus_as_codes_and_their_free_text_stays_home(db, amqp_uri):
    with db.transaction() as uow:
        matched = uow.record("match-x", "matched", {
            "match_id": "x", "referral_id": "r", "volunteer_id": "v", "region": "hovedstaden",
            "matched_on": "2023-02-01", "proposal_id": "p", "rank": 2, "reason_code": "continuity",
            "reason": "she knows him from the asylum centre"})
    assert OutboxRelay(db, amqp_uri).relay_once() == 1
    [published] = _drain(amqp_uri, "followup")
    assert published["event_id"] == matched.event_id and published["schema_version"] == 2
    assert published["payload"]["reason_code"] == "continuity" and "reason" not in published["payload"]
    assert "asylum" not in str(published)
    with db.reading() as conn:
        stored = db.store.read_stream(conn, "match-x")[0]
        assert "asylum" not in stored.to_json()  # sealed at rest under the match's key
        assert "asylum" in db.keyring.open(conn, stored.payload["reason"])


def _hold_first_claims_until_both_claimed(*relays: OutboxRelay) -> None:
    """Each relay's first batch waits, claimed and unpublished, until every relay holds a claim.

    Without it a relay that runs first may drain every row before the other has asked
    (it happened in CI under load), and the test would not show the claims excluding each other.
    """
    claimed = [eventlet.event.Event() for _ in relays]
    for relay, mine in zip(relays, claimed):
        def meet(pending, publish=relay._publish, mine=mine):  # type: ignore[no-untyped-def]
            if pending and not mine.ready():
                mine.send()
                with eventlet.Timeout(10):
                    for other in claimed:
                        other.wait()
            publish(pending)
        relay._publish = meet  # type: ignore[method-assign]


def test_two_relays_on_postgresql_publish_each_row_once(postgres_url, amqp_uri):
    from shared.eventstore import metadata as store
    from tests.support.postgres import emptied
    from tests.support.store import metadata as counting

    db = make_database(emptied(postgres_url, counting, store), service=SERVICE)
    ids = _record_matched(db, 30)
    first, second = OutboxRelay(db, amqp_uri, batch=10), OutboxRelay(db, amqp_uri, batch=10)
    _hold_first_claims_until_both_claimed(first, second)
    # Both relays run at once (green threads; psycopg waits cooperatively) until nothing is left.
    threads = [eventlet.spawn(lambda r=relay: sum(iter(r.relay_once, 0))) for relay in (first, second)]
    published = [thread.wait() for thread in threads]
    first.close()
    second.close()
    db.engine.dispose()
    assert sum(published) == 30 and all(published), published  # both took part, no row twice
    assert sorted(m["event_id"] for m in _drain(amqp_uri, "followup")) == sorted(ids)


def test_a_batch_goes_to_the_broker_in_one_write_and_arrives_whole_in_order(db, amqp_uri):
    ids = _record_matched(db, 30)
    relay = OutboxRelay(db, amqp_uri, batch=30)
    relay._producer()  # connected and declared before the writes are counted
    assert relay._broker is not None
    transport = relay._broker.connection.transport
    sent, writes = transport._write, []

    def counted(data):  # type: ignore[no-untyped-def]
        writes.append(len(data))
        sent(data)
    transport._write = counted
    assert relay.relay_once() == 30
    assert len(writes) == 1, writes  # the 30 messages' frames in one write
    relay.close()
    assert [m["event_id"] for m in _drain(amqp_uri, "followup")] == ids


def test_a_batch_that_fails_half_built_sends_nothing_and_the_next_sends_it_whole(db, amqp_uri, monkeypatch):
    from shared import outbox

    ids = _record_matched(db, 3)
    relay = OutboxRelay(db, amqp_uri)
    built, failing = [], True

    def second_fails(stored):  # type: ignore[no-untyped-def]
        built.append(stored)
        if failing and len(built) == 2:
            raise RuntimeError("the second message could not be built")
        return published_body(stored)
    published_body = outbox.published_body
    monkeypatch.setattr(outbox, "published_body", second_fails)
    with pytest.raises(RuntimeError):
        relay.relay_once()
    failing = False
    assert relay.relay_once() == 3  # on a new connection: the old one's count of publishes was off
    relay.close()
    assert [m["event_id"] for m in _drain(amqp_uri, "followup")] == ids  # once each: none of the failed batch


def test_an_idle_relay_on_postgresql_asks_once_and_writes_nothing(postgres_url, amqp_uri):
    from sqlalchemy import event

    from shared.eventstore import metadata as store
    from tests.support.postgres import emptied
    from tests.support.store import metadata as counting

    db = make_database(emptied(postgres_url, counting, store), service=SERVICE)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql))
    assert OutboxRelay(db, amqp_uri).relay_once() == 0
    db.engine.dispose()
    assert [sql.split()[0] for sql in statements] == ["SELECT"], statements
