"""What a consumer refuses before it trusts a message, against the four processes.

An intake message over the size limit is kept unread (its first bytes only) and
later ones flow; a service's own event with a region that does not exist is
authentic but invalid, so no follower applies it and each keeps it with the reason.
"""
from __future__ import annotations

import json
import uuid

from shared import config
from shared.broker_users import uri_user
from shared.consumption import KEPT_PREFIX_BYTES
from tests.e2e.test_forgery import applied_anywhere, dead_letters, forge, service_event
from tests.support import events as ev
from tests.support.waiting import wait_for


def test_an_oversized_intake_message_is_kept_unread_and_the_next_referral_flows(system, api, intake):
    limit = config.max_message_bytes()
    oversized = ev.referral_submitted(external_ref=f"CTP-BIG-{uuid.uuid4().hex[:6]}")
    oversized["payload"]["padding"] = "x" * (limit + 1)
    intake.publish(oversized)
    following = ev.referral_submitted(external_ref=f"CTP-NEXT-{uuid.uuid4().hex[:6]}")
    intake.publish(following)

    kept = wait_for(lambda: dead_letters(system, "referrals"), 60, what="the oversized message kept")
    assert len(kept) == 1
    assert f"over the limit of {limit}" in kept[0]["error"]
    assert json.loads(kept[0]["fields"]) == {"body": ["too large"]}
    shown = api.ok(f"/api/v1/dead-letters/referrals/{kept[0]['id']}")
    assert json.dumps(oversized).startswith(shown["body"]) and len(shown["body"]) == KEPT_PREFIX_BYTES
    wait_for(lambda: any(item["external_ref"] == following["payload"]["external_ref"]
                         for item in api.ok("/api/v1/referrals", limit="500")["items"]),
             60, what="the referral after it")
    assert applied_anywhere(system, oversized["event_id"]) == 0


def test_a_service_event_with_an_unknown_region_is_applied_nowhere_and_kept_by_each_follower(system, api):
    matching_login = system.uri("matching")
    match_id = str(uuid.uuid4())
    invented = service_event("matched", "matching", f"match-{match_id}", 1, {
        "match_id": match_id, "referral_id": str(uuid.uuid4()), "volunteer_id": str(uuid.uuid4()),
        "region": "atlantis", "matched_on": "2023-02-01"})
    forge(matching_login, invented, as_user=uri_user(matching_login))

    for follower in ("referrals", "followup"):
        kept = wait_for(lambda f=follower: dead_letters(system, f), 60, what=f"{follower} keeping it")
        assert [row["event_id"] for row in kept] == [invented["event_id"]], follower
        assert kept[0]["published_by"] == uri_user(matching_login), "authentic, so judged on its payload"
        assert list(json.loads(kept[0]["fields"])) == ["payload.region"], kept[0]["fields"]
    assert applied_anywhere(system, invented["event_id"]) == 0
