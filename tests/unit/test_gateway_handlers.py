"""The gateway's handlers: the right RPC call, scoped, formatted (services mocked)."""
from __future__ import annotations

import json
from datetime import date
from typing import Any
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway import metrics, token_registry
from services.gateway.errors import Forbidden, Unavailable
from services.gateway.service import GatewayService
from shared.errors import NotFound, ValidationFailed

REFERRAL = {"external_ref": "CTP-1", "referring_site": "CTP", "referred_on": "2023-01-10",
            "participant": {"gender": "female", "birth_year": 1980, "country_of_birth": "SY",
                            "arrival_year": 2015, "danish_level": "basic", "languages": ["ar"],
                            "municipality": "København"},
            "needs": ["network"], "consent": {"given": True, "recorded_on": "2023-01-09"}}
CHECK_IN = {"occurred_on": "2023-02-01", "contact": "meeting"}


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "handler-test-secret-" + "s" * 32)


@pytest.fixture
def gateway() -> Any:
    return worker_factory(GatewayService)


def request(role: str, *regions: str, method: str = "GET", query: str = "", body: Any = None) -> Request:
    headers = {"Authorization": "Bearer " + token_registry.issue(role, regions, name="ann")}
    builder = EnvironBuilder(method=method, path="/x", query_string=query, headers=headers,
                             data=None if body is None else json.dumps(body), content_type="application/json")
    return Request(builder.get_environ())


def test_submitted_referral_is_accepted_with_its_id(gateway: Any) -> None:
    gateway.referrals.submit_referral.return_value = {"referral_id": "r1"}
    response = gateway.submit_referral(request("system", method="POST", body=REFERRAL))
    assert response.status_code == 202 and response.json == {"referral_id": "r1"}
    gateway.referrals.submit_referral.assert_called_once_with(REFERRAL,
                                                              {"kind": "system", "id": "ann", "role": "system"})


def test_a_body_the_contract_refuses_never_reaches_a_service(gateway: Any) -> None:
    body = {**REFERRAL, "consent": {"given": True}}
    with pytest.raises(ValidationFailed) as caught:
        gateway.submit_referral(request("system", method="POST", body=body))
    assert caught.value.fields == {"consent.recorded_on": ["Missing data for required field."]}
    gateway.referrals.submit_referral.assert_not_called()


def test_consultant_list_is_limited_to_its_regions(gateway: Any) -> None:
    gateway.referrals.list_referrals.return_value = {"items": [], "next_cursor": None}
    response = gateway.list_referrals(request("consultant", "syddanmark", query="status=waiting&limit=5"))
    assert response.status_code == 200
    gateway.referrals.list_referrals.assert_called_once_with(
        {"status": "waiting", "regions": ["syddanmark"]}, 5, None)


def test_another_regions_referral_is_absent_for_a_consultant(gateway: Any) -> None:
    gateway.referrals.get_referral.return_value = {"referral_id": "r1", "region": "hovedstaden"}
    with pytest.raises(NotFound) as caught:
        gateway.get_referral(request("consultant", "syddanmark"), "r1")
    assert str(caught.value) == "no referral r1"


def test_auditor_never_reads_casework(gateway: Any) -> None:
    with pytest.raises(Forbidden):
        gateway.get_referral(request("auditor"), "r1")
    gateway.referrals.get_referral.assert_not_called()


def test_system_may_not_read(gateway: Any) -> None:
    with pytest.raises(Forbidden):
        gateway.list_matches(request("system"))


def test_a_consultants_match_is_decided_by_matching_within_its_regions(gateway: Any) -> None:
    gateway.matching.match_participant.return_value = {"match_id": "m1"}
    body = {"referral_id": "r1", "volunteer_id": "v1", "matched_on": "2023-02-01"}
    response = gateway.match_participant(request("consultant", "syddanmark", method="POST", body=body))
    assert response.status_code == 202 and response.json == {"match_id": "m1"}
    (sent, _actor, regions), _ = gateway.matching.match_participant.call_args
    assert (sent["referral_id"], regions) == ("r1", ["syddanmark"])
    # Matching's projection holds both regions: no round trip to referrals or for the volunteer.
    gateway.referrals.get_referral.assert_not_called()
    gateway.matching.get_volunteer.assert_not_called()


def test_a_coordinators_match_is_decided_in_every_region(gateway: Any) -> None:
    gateway.matching.match_participant.return_value = {"match_id": "m1"}
    body = {"referral_id": "r1", "volunteer_id": "v1", "matched_on": "2023-02-01"}
    gateway.match_participant(request("coordinator", method="POST", body=body))
    (_sent, _actor, regions), _ = gateway.matching.match_participant.call_args
    assert regions is None


def test_check_in_is_scoped_by_the_matchs_region(gateway: Any) -> None:
    gateway.followup.get_match.return_value = {"match_id": "m1", "region": "syddanmark"}
    gateway.followup.report_check_in.return_value = {"checkin_id": "c1"}
    response = gateway.report_check_in(request("consultant", "syddanmark", method="POST", body=CHECK_IN), "m1")
    assert response.status_code == 202 and response.json == {"checkin_id": "c1"}


def test_dead_letters_need_a_known_service(gateway: Any) -> None:
    with pytest.raises(ValidationFailed):
        gateway.list_dead_letters(request("coordinator", query="service=billing"))
    with pytest.raises(Forbidden):
        gateway.list_dead_letters(request("auditor", query="service=referrals"))


def test_redrive_passes_the_fixed_body(gateway: Any) -> None:
    gateway.followup.redrive_dead_letter.return_value = {"dead_letter_id": 7, "status": "redriven"}
    response = gateway.redrive_dead_letter(request("coordinator", method="POST", body={"body": "{}"}), "followup", 7)
    assert response.status_code == 202
    gateway.followup.redrive_dead_letter.assert_called_once_with(7, "{}")


def test_health_is_degraded_when_a_service_is_silent(gateway: Any) -> None:
    for name in ("referrals", "matching"):
        getattr(gateway, name).within.return_value.health.return_value = "ok"
    gateway.followup.within.return_value.health.side_effect = Unavailable("silent")
    response = gateway.health(MagicMock())
    assert response.status_code == 503
    assert response.json == {"status": "degraded", "services": {
        "referrals": "ok", "matching": "ok", "followup": "unavailable"}}


def test_candidates_are_ranked_as_of_the_given_day_and_recorded_with_the_asker(gateway: Any) -> None:
    gateway.referrals.get_referral.return_value = {"referral_id": "r1", "region": "hovedstaden"}
    gateway.matching.candidates.return_value = {
        "referral_id": "r1", "proposal_id": "p1", "algorithm": "a", "weights_version": "1",
        "ranked_on": "2023-06-01", "eligible": 0, "excluded": {}, "items": []}
    response = gateway.list_candidates(request("consultant", "hovedstaden", query="on=2023-06-01&limit=5"), "r1")
    assert response.status_code == 200
    gateway.matching.candidates.assert_called_once_with(
        "r1", 5, "2023-06-01", {"kind": "consultant", "id": "ann", "role": "consultant"})


def test_an_event_several_services_hold_is_listed_once_as_its_recorder_keeps_it(gateway: Any) -> None:
    recorded = {"event_id": "e1", "event_type": "matched", "schema_version": 1, "source": "matching",
                "occurred_at": "2023-02-01T10:00:00+00:00", "recorded_at": "2023-02-01T10:00:00+00:00",
                "payload": {"reason": "kept"}}
    consumed = {**recorded, "payload": {}}
    gateway.referrals.audit_trail.return_value = {"items": [consumed]}
    gateway.matching.audit_trail.return_value = {"items": [recorded]}
    gateway.followup.audit_trail.return_value = {"items": [consumed]}
    response = gateway.audit_subject(request("auditor"), "m1")
    assert [item["payload"] for item in response.json["items"]] == [{"reason": "kept"}]


def test_a_match_is_read_as_of_the_given_day_or_today(gateway: Any) -> None:
    gateway.followup.get_match.return_value = {"match_id": "m1", "region": "hovedstaden"}
    gateway.get_match(request("coordinator", query="on=2023-08-01"), "m1")
    gateway.get_match(request("coordinator"), "m1")
    assert [c.kwargs["on"] for c in gateway.followup.get_match.call_args_list] == [
        "2023-08-01", date.today().isoformat()]


def test_the_due_list_needs_a_real_date(gateway: Any) -> None:
    gateway.followup.due_check_ins.return_value = {"on": "2023-03-01", "items": []}
    gateway.due_check_ins(request("consultant", "syddanmark", query="on=2023-03-01"))
    gateway.followup.due_check_ins.assert_called_once_with("2023-03-01", ["syddanmark"])
    with pytest.raises(ValidationFailed):
        gateway.due_check_ins(request("coordinator", query="on=1+March"))


def test_a_coordinators_read_asks_for_personal_data_naming_the_reader(gateway: Any) -> None:
    gateway.referrals.get_referral.return_value = {"referral_id": "r1", "region": "hovedstaden"}
    gateway.get_referral(request("coordinator"), "r1")
    gateway.referrals.get_referral.assert_called_once_with(
        "r1", True, {"kind": "consultant", "id": "ann", "role": "coordinator"})


def test_a_consultant_outside_the_region_is_refused_before_anything_personal_is_asked(gateway: Any) -> None:
    gateway.matching.get_volunteer.return_value = {"volunteer_id": "v1", "region": "hovedstaden"}
    with pytest.raises(NotFound):
        gateway.get_volunteer(request("consultant", "syddanmark"), "v1")
    gateway.matching.get_volunteer.assert_called_once_with("v1", False)


def test_the_access_log_merges_every_services_entries_in_time_order_and_pages_on(gateway: Any) -> None:
    def entry(at: str, service: str, seq: int) -> dict:
        return {"at": at, "actor": {"id": "ann", "role": "coordinator"}, "subject_id": "r1",
                "kind": "referral", "fields": ["personal.name"], "object_id": None, "service": service, "seq": seq}
    gateway.referrals.access_log.return_value = {"items": [entry("2023-01-01T10:00:00+00:00", "referrals", 1),
                                                           entry("2023-01-01T10:00:02+00:00", "referrals", 2)]}
    gateway.matching.access_log.return_value = {"items": [entry("2023-01-01T10:00:01+00:00", "matching", 9)]}
    gateway.followup.access_log.return_value = {"items": []}
    first = gateway.audit_access(request("auditor", query="subject_id=r1&limit=2")).json
    assert [(e["service"], e["at"][-11:-6]) for e in first["items"]] == [("referrals", "00:00"), ("matching", "00:01")]
    assert "seq" not in first["items"][0] and first["next_cursor"]
    gateway.audit_access(request("auditor", query=f"subject_id=r1&limit=2&cursor={first['next_cursor']}"))
    # The limit as asked: each service fetches one more itself, as every keyset page does.
    gateway.referrals.access_log.assert_called_with(
        {"subject_id": "r1"}, 2, {"at": "2023-01-01T10:00:01+00:00", "service": "matching", "seq": 9})
    with pytest.raises(Forbidden):
        gateway.audit_access(request("consultant", "syddanmark"))


def test_scrapes_within_a_few_seconds_share_one_status_call_per_service(gateway: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(metrics, "FIGURES_CACHE", metrics.FiguresCache(5, clock=lambda: now[0]))
    for service in ("referrals", "matching", "followup"):
        getattr(gateway, service).within.return_value.status.return_value = {"outbox_backlog": 3}
    first = gateway.metrics(request("coordinator"))
    now[0] += 4.9
    again = gateway.metrics(request("coordinator"))
    assert first.data.decode().count("lgv_outbox_backlog{") == 3 and again.data == first.data
    assert gateway.referrals.within.return_value.status.call_count == 1
    now[0] += 0.2
    gateway.metrics(request("coordinator"))
    assert gateway.referrals.within.return_value.status.call_count == 2
