"""Odd input from integrators: applied once, or kept with reasons; nothing lost, no crash."""
from __future__ import annotations

import json

from tests.support import events as ev
from tests.support.cli import lgv
from tests.support.waiting import wait_for


def _without(message: dict, *path: str) -> dict:
    copy = json.loads(json.dumps(message))
    target = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


def _with(message: dict, value, *path: str) -> dict:
    copy = json.loads(json.dumps(message))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def _bad_messages(clashing_ref: str) -> list[tuple[str, bytes | str | dict, str]]:
    """Twenty (description, message, routing key) an integrator might send by mistake."""
    good = ev.referral_submitted()
    key = "referral_submitted"
    fresh = lambda m: _with(m, ev.referral_payload()["external_ref"], "payload", "external_ref")  # noqa: E731
    return [
        ("not JSON", "this is { not json", key),
        ("not UTF-8", b"\xff\xfe\x00garbage", key),
        ("a JSON array", "[1, 2, 3]", key),
        ("an empty object", "{}", key),
        ("no event_id", _without(good, "event_id"), key),
        ("no payload", _without(good, "payload"), key),
        ("schema_version as text", _with(good, "1", "schema_version"), key),
        ("occurred_at without offset", _with(good, "2023-01-15T09:30:00", "occurred_at"), key),
        ("an unknown schema_version", _with(good, 7, "schema_version"), key),
        ("event_type not the routing key", fresh(_with(good, "checkin_reported", "event_type")), key),
        ("unknown site", fresh(_with(good, "NOWHERE", "payload", "referring_site")), key),
        ("consent not given", fresh(_with(good, False, "payload", "consent", "given")), key),
        ("no consent", fresh(_without(good, "payload", "consent")), key),
        ("no participant", fresh(_without(good, "payload", "participant")), key),
        ("birth_year as text", fresh(_with(good, "1978", "payload", "participant", "birth_year")), key),
        ("no needs", fresh(_with(good, [], "payload", "needs")), key),
        ("an unknown need", fresh(_with(good, ["cooking"], "payload", "needs")), key),
        ("a country name, not a code", fresh(_with(good, "Syria", "payload", "participant",
                                                  "country_of_birth")), key),
        ("payload not an object", _with(good, "referral", "payload"), key),
        ("external_ref reused with other content",
         _with(_with(good, clashing_ref, "payload", "external_ref"), 1950, "payload",
               "participant", "birth_year"), key),
    ]


def test_a_referral_published_twice_is_one_referral(system, api, intake):
    submitted = ev.referral_submitted()
    intake.publish(submitted)
    intake.publish(submitted)
    resubmitted = {**submitted, "event_id": ev.referral_submitted()["event_id"]}
    intake.publish(resubmitted)  # same site and external_ref, same content, new event_id
    sentinel = ev.referral_submitted()
    intake.publish(sentinel)
    wait_for(lambda: api.ok("/api/v1/referrals",
                            external_ref=sentinel["payload"]["external_ref"])["items"],
             what="the message sent after the duplicates")
    found = api.ok("/api/v1/referrals", external_ref=submitted["payload"]["external_ref"])
    assert len(found["items"]) == 1
    assert len(api.ok("/api/v1/referrals")["items"]) == 2
    assert api.ok("/api/v1/dead-letters", service="referrals")["items"] == []


def test_twenty_bad_messages_are_kept_with_reasons_and_later_ones_flow(system, api, intake):
    first = ev.referral_submitted()
    intake.publish(first)
    clashing_ref = first["payload"]["external_ref"]
    bad = _bad_messages(clashing_ref)
    assert len(bad) == 20
    for _, message, routing_key in bad:
        intake.publish(message, routing_key)
    valid = ev.referral_submitted()
    intake.publish(valid)

    wait_for(lambda: api.ok("/api/v1/referrals",
                            external_ref=valid["payload"]["external_ref"])["items"],
             what="the valid message sent after twenty bad ones")
    letters = wait_for(lambda: len(_letters(api)) == 20 and _letters(api),
                       what="twenty dead letters")
    assert all(letter["error"] for letter in letters)
    by_reason = " | ".join(f"{letter['error']} {letter['fields']}" for letter in letters)
    for expected in ("not UTF-8 JSON", "consent must be given", "must be one of",
                     "already submitted with different content", "unsupported version 7",
                     "differs from routing key", "Not a valid integer"):
        assert expected in by_reason, expected
    assert len(api.ok("/api/v1/referrals")["items"]) == 2
    assert system.processes["referrals"].poll() is None

    # The operator fixes one of them and re-drives it from the CLI.
    consent_letter = next(item for item in letters if "consent must be given" in str(item["fields"]))
    letter = api.ok(f"/api/v1/dead-letters/referrals/{consent_letter['dead_letter_id']}")
    fixed = json.loads(letter["body"])
    fixed["payload"]["consent"]["given"] = True
    fixed_file = system.var_dir / "fixed.json"
    fixed_file.write_text(json.dumps(fixed))
    listing = lgv(system.env, "dlq", "list", "referrals")
    assert "20 open dead letter(s) in referrals" in listing
    lgv(system.env, "dlq", "redrive", "referrals", str(consent_letter["dead_letter_id"]),
         "--body", str(fixed_file))
    wait_for(lambda: api.ok("/api/v1/referrals",
                            external_ref=fixed["payload"]["external_ref"])["items"],
             what="the re-driven referral")
    assert "19 open dead letter(s)" in lgv(system.env, "dlq", "list", "referrals")


def _letters(api) -> list[dict]:
    return api.ok("/api/v1/dead-letters", service="referrals", limit=100)["items"]
