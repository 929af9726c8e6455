"""``lgv replay --verify``, ``--until`` and ``--republish`` on a running system's history."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import kombu
from sqlalchemy import create_engine, text

from tests.support import events as ev
from tests.support.cli import lgv, lgv_status
from tests.support.projections import rows
from tests.support.scenario import small_programme
from tests.support.waiting import wait_for


def test_verify_finds_no_difference_then_exactly_the_row_altered_by_hand(system, api, intake):
    ids = small_programme(system, api, intake)
    out = lgv(system.env, "replay", "all", "--verify")
    verdicts = [line for line in out.splitlines() if " live " in line]
    assert len(verdicts) >= 6 and all(": same " in line for line in verdicts), out

    altered = ids["referrals"][1]
    engine = create_engine(system.database_url("referrals"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE referrals SET status = 'withdrawn' WHERE referral_id = :r"), {"r": altered})
    engine.dispose()
    code, out = lgv_status(system.env, "replay", "referrals", "--verify")
    assert code == 1
    assert "referrals.referrals: DIFFERENT" in out
    only_live = [json.loads(line.split("only live:", 1)[1]) for line in out.splitlines() if "only live:" in line]
    only_rebuilt = [json.loads(line.split("only rebuilt:", 1)[1]) for line in out.splitlines()
                    if "only rebuilt:" in line]
    assert [(r["referral_id"], r["status"]) for r in only_live] == [(altered, "withdrawn")]
    assert [(r["referral_id"], r["status"]) for r in only_rebuilt] == [(altered, "matched")]


def test_until_builds_the_projection_as_it_stood_then(system, api, intake, tmp_path):
    url = system.database_url("referrals")
    for _ in range(3):
        intake.publish(ev.referral_submitted())
    wait_for(lambda: len(rows(url, "referrals")) == 3, what="three referrals")
    cut = datetime.now(timezone.utc)
    for _ in range(2):
        intake.publish(ev.referral_submitted())
    wait_for(lambda: len(rows(url, "referrals")) == 5, what="five referrals")
    target = tmp_path / "then.db"
    lgv(system.env, "replay", "referrals", "--until", cut.isoformat(), "--into", str(target))
    assert len(rows(f"sqlite:///{target}", "referrals")) == 3
    assert len(rows(system.database_url("referrals"), "referrals")) == 5


def test_republish_fills_a_named_queue_with_the_recorded_history(system, api, intake, amqp_uri):
    small_programme(system, api, intake)
    out = lgv(system.env, "replay", "matching", "--republish", "--to", "bootstrap.matching")
    sent = int(out.split("re-published ")[1].split()[0])
    with kombu.Connection(amqp_uri) as conn:
        queue = conn.SimpleQueue("bootstrap.matching")
        received = []
        for _ in range(sent):
            message = queue.get(timeout=5)
            received.append(json.loads(message.body))
            message.ack()
        queue.close()
    assert [e["stream_version"] for e in received if e["event_type"].startswith("volunteer_")][:3] == [1, 2, 3]
    assert {e["source"] for e in received} == {"matching"}
    assert all("personal" not in e["payload"] for e in received)
