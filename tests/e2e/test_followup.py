"""Follow-up end to end: reminders on followup.events exactly once, the due list, the review.

The four services run as separate OS processes on the real RabbitMQ. A queue of the
test's own is bound to ``followup_due`` on ``followup.events`` before they start, as a
mail or SMS sender would bind one. The reminder timer ticks every second here (with
the machine's date), while the test also drives the run over RPC with explicit dates,
twice, and kills the followup process with SIGKILL in between: every (match, due
date) must reach the queue once.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

import kombu
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from shared import topology
from tests.support.api import Api
from tests.support.bus import IntakePublisher, drain
from tests.support.cli import lgv
from tests.support.processes import System
from tests.support.projections import count_events, rows, scalar
from tests.support.scenario import matches_for_checkins
from tests.support.waiting import wait_for

LISTENER = "test.followup-due"
MATCHED_ON = "2023-02-01"


@pytest.fixture
def running(amqp_uri: str, var_dir: str):
    with kombu.Connection(amqp_uri) as conn:
        exchange = topology.exchange("followup.events")
        kombu.Queue(LISTENER, exchange, routing_key="followup_due", durable=True)(conn).declare()
    system = System(amqp_uri, var_dir, extra_env={"LGV_FOLLOWUP_REMINDER_SECONDS": "1"})
    intake = IntakePublisher(system.uri("intake"))
    try:
        system.start()
        yield system, Api(system.gateway), intake
    finally:
        intake.close()
        system.stop()


def make_matches(system: System, api: Api, intake: IntakePublisher, n: int) -> list[str]:
    return matches_for_checkins(system, api, intake.publish, n, matched_on=MATCHED_ON)


def reminded(system: System) -> set[tuple[str, str]]:
    return {(r["match_id"], r["due_on"].isoformat())
            for r in rows(system.database_url("followup"), "reminders")}


def timer_runs(system: System) -> int:
    return system.log("followup").count(f"reminder(s) recorded for {date.today().isoformat()}")


def test_followup_due_reaches_the_bus_once_per_match_and_due_date(running, amqp_uri):
    system, api, intake = running
    matches = make_matches(system, api, intake, 3)
    first = {(m, "2023-02-15") for m in matches}  # 1 Feb + 14
    # The ticking timer (today is long after 15 Feb 2023) and two explicit runs race.
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        rpc.followup.publish_due_reminders("2023-02-15")
        rpc.followup.publish_due_reminders("2023-02-15")
    wait_for(lambda: reminded(system) == first, what="first-contact reminders")

    # A first contact on 20 Feb: the second month-1 contact is due on 28 Feb.
    api.accepted(f"/api/v1/matches/{matches[0]}/check-ins",
                 {"occurred_on": "2023-02-20", "contact": "meeting", "concern": True})
    expected = first | {(matches[0], "2023-02-28")}
    wait_for(lambda: reminded(system) == expected, what="the new due date reminded")

    # kill -9 and restart: the timer runs again at start and every second after. (The kill
    # waits for the outbox: one killed between publishing and marking would publish that
    # event again, with the same event_id, as the relay is at-least-once by design.)
    url = system.database_url("followup")
    wait_for(lambda: scalar(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0,
             what="followup outbox drained")
    runs = timer_runs(system)
    system.kill9("followup")
    system.restart("followup")
    wait_for(lambda: timer_runs(system) >= runs + 3, timeout=30, what="timer runs after restart")
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as rpc:
        assert rpc.followup.publish_due_reminders("2023-03-01")["published"] == []
        assert rpc.followup.publish_due_reminders("2023-03-01")["published"] == []

    wait_for(lambda: scalar(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0,
             what="followup outbox drained again")
    assert count_events(url, "followup_due") == len(expected) == 4
    published = drain(amqp_uri, LISTENER)
    keys = Counter((m["payload"]["match_id"], m["payload"]["due_on"]) for m in published)
    assert keys == Counter(expected)  # each exactly once
    assert len({m["event_id"] for m in published}) == len(published)
    assert all(m["payload"]["policy_version"] == "v1" for m in published)
    second = next(m["payload"] for m in published if m["payload"]["due_on"] == "2023-02-28")
    assert (second["phase"], second["last_contact_on"], second["open_concern"]) == (
        "first_month", "2023-02-20", True)
    for service in ("referrals", "matching"):  # they follow followup.events whole
        assert rows(system.database_url(service), "dead_letters") == [], service


def test_due_list_and_six_month_review_through_the_gateway(running):
    system, api, intake = running
    matches = make_matches(system, api, intake, 3)
    wait_for(lambda: len(rows(system.database_url("followup"), "matches")) == 3,
             what="matches in followup")
    api.accepted(f"/api/v1/matches/{matches[0]}/check-ins",
                 {"occurred_on": "2023-02-20", "contact": "meeting", "concern": True})
    api.accepted(f"/api/v1/matches/{matches[1]}/close", {
        "closed_on": "2023-06-01", "initiator": "volunteer", "reason": "volunteer_withdrew",
        "anticipated": False})

    due = api.ok("/api/v1/check-ins/due", on="2023-03-01")
    # Open concern first (due 28 Feb: 1 day); then the closed-later match and the third,
    # both due 15 Feb: 14 days overdue.
    assert [(i["match_id"], i["days_overdue"], i["open_concern"]) for i in due["items"]] == [
        (matches[0], 1, True), *sorted([(matches[1], 14, False), (matches[2], 14, False)])]
    assert due["items"][0]["last_contact"] == {"occurred_on": "2023-02-20", "contact": "meeting"}
    # On 1 Jun the concern is still open; the match closed that day is no longer due.
    assert [i["match_id"] for i in api.ok("/api/v1/check-ins/due", on="2023-06-01")["items"]] \
        == [matches[0], matches[2]]

    # 1 Feb + 6 months = 1 Aug; the match that closed on 1 Jun did not make it.
    kept, left = (api.ok(f"/api/v1/matches/{m}", on="2023-08-01") for m in matches[:2])
    assert (kept["six_month_mark"], kept["six_month_reached"], kept["successful"]) == (
        "2023-08-01", True, True)
    assert (left["successful"], left["rematch_allowed"], left["close_anticipated"]) == (
        False, True, False)
    before = api.ok(f"/api/v1/matches/{matches[0]}", on="2023-07-31")
    assert (before["six_month_reached"], before["successful"]) == (False, None)
    bad = api.get("/api/v1/check-ins/due", on="1 March")
    assert bad.status_code == 400 and "on" in bad.json()["fields"]


def test_replay_rebuilds_the_followup_tables_with_reminders(running, amqp_uri):
    system, api, intake = running
    matches = make_matches(system, api, intake, 2)
    wait_for(lambda: len(reminded(system)) == 2, what="reminders from the timer")
    api.accepted(f"/api/v1/matches/{matches[0]}/check-ins",
                 {"occurred_on": "2023-02-03", "contact": "phone_volunteer"})
    wait_for(lambda: len(reminded(system)) == 3, what="reminder for the new due date")
    system.stop()
    url = system.database_url("followup")
    tables = ("matches", "checkins", "reminders")
    before = {table: rows(url, table) for table in tables}
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"DROP TABLE {table}"))
    engine.dispose()
    lgv(system.env, "replay", "followup")
    assert {table: rows(url, table) for table in tables} == before
