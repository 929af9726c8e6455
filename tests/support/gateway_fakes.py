"""The three services as the gateway sees them over RPC, in memory, answering as they do.

For fast tests of the gateway's routes (the BOLA matrix, schemathesis). Every object
is in one of two regions: an id starting with ``other`` is in ``OTHER``, one starting
with ``missing`` does not exist (``NotFound``, with the service's message), any other
id is in ``OWN``. Lists hold one object of each region and honour the ``region`` and
``regions`` filters as the services' queries do. Bodies are not checked here: the
gateway checks them with the schemas the services use (``shared.commands``).
"""
from __future__ import annotations

from typing import Any

from shared.errors import NotFound, RuleViolated, ValidationFailed
from shared.paging import check_limit, decode_cursor, page

OWN, OTHER = "hovedstaden", "syddanmark"
SITES = {OWN: "CTP", OTHER: "ATT_ODENSE"}


def region_of(object_id: str, absent: str) -> str:
    if object_id.startswith("missing"):
        raise NotFound(absent)
    return OTHER if object_id.startswith("other") else OWN


def _page(items: list[dict[str, Any]], filters: dict[str, Any], limit: int, cursor: str | None) -> dict[str, Any]:
    offset, limit = decode_cursor(cursor), check_limit(limit)
    wanted = [item for item in items
              if item["region"] == filters.get("region", item["region"])
              and item["region"] in filters.get("regions", [item["region"]])
              and item.get("status") == filters.get("status", item.get("status"))]
    return page(wanted[offset:offset + limit + 1], offset, limit)


class FakeService:
    """What every service offers operators: health, status, the audit trail, dead letters."""

    name = "service"

    def within(self, timeout: float) -> FakeService:
        return self

    def health(self) -> str:
        return "ok"

    def status(self) -> dict[str, Any]:
        return {"outbox_backlog": 0, "dead_letters_open": 1, "dead_letters_total": 1, "parked_events": 0,
                "events_applied": 3, "events_recorded": 2, "consumer_errors": 0, "projection_position": 5}

    def audit_trail(self, subject_id: str, include_personal: bool = False, limit: int = 50,
                    cursor: str | None = None, reader: dict[str, Any] | None = None) -> dict[str, Any]:
        _named(include_personal, reader)
        if subject_id.startswith("missing") or cursor:
            return {"items": [], "next_cursor": None}
        return {"items": [{
            "event_id": f"e-{subject_id}", "event_type": "referral_received", "schema_version": 1,
            "occurred_at": "2023-01-10T09:00:00+00:00", "recorded_at": "2023-01-10T09:00:01+00:00",
            "source": "referrals", "stream_id": f"referral-{subject_id}", "stream_version": 1,
            "actor": {"kind": "system", "id": "CTP"}, "correlation_id": None, "causation_id": None,
            "payload": {"referral_id": subject_id}}], "next_cursor": None}

    def list_dead_letters(self, filters: dict[str, Any], limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        letter = self.get_dead_letter(1)
        letter.pop("body")
        return page([letter][decode_cursor(cursor):], decode_cursor(cursor), check_limit(limit))

    def access_log(self, filters: dict[str, Any], limit: int = 50,
                   after: dict[str, Any] | None = None) -> dict[str, Any]:
        entry = {"at": "2023-01-10T09:00:00+00:00", "actor": {"id": "bola-coordinator", "role": "coordinator"},
                 "subject_id": "r-1", "kind": "referral", "fields": ["personal.name"], "object_id": None,
                 "service": self.name, "seq": 1}
        check_limit(limit)  # as the services do: a limit beyond the contract's is refused
        return {"items": [] if after else [entry]}

    def get_dead_letter(self, dead_letter_id: int, reader: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"dead_letter_id": dead_letter_id, "received_at": "2023-01-10T09:00:00+00:00",
                "exchange": "intake.events", "routing_key": "referral_submitted", "event_id": None, "event_type": None,
                "error": "not JSON", "fields": {}, "attempts": 1, "deliveries": 1, "status": "open",
                "redriven_at": None, "body": "{"}

    def redrive_dead_letter(self, dead_letter_id: int, body: str | None = None) -> dict[str, Any]:
        letter = self.get_dead_letter(dead_letter_id)
        return {**letter, "status": "redriven", "redriven_at": "2023-01-11T09:00:00+00:00"}


class FakeReferrals(FakeService):
    name = "referrals"

    def submit_referral(self, payload: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        return {"referral_id": "r-new"}

    def get_referral(self, referral_id: str, include_personal: bool = False,
                     reader: dict[str, Any] | None = None) -> dict[str, Any]:
        _named(include_personal, reader)
        region = region_of(referral_id, f"no referral {referral_id}")
        referral = {
            "referral_id": referral_id, "external_ref": f"X-{referral_id}", "referring_site": SITES[region],
            "region": region, "status": "waiting", "referred_on": "2023-01-10",
            "received_at": "2023-01-10T09:00:01+00:00", "days_waiting": 30,
            "participant": {"gender": "female", "birth_year": 1980, "country_of_birth": "SY",
                            "arrival_year": 2015, "danish_level": "basic", "languages": ["ar"],
                            "municipality": "København"},
            "needs": ["network"], "preferences": {"volunteer_gender": "any"}, "interpreter_needed": False,
            "match_id": None, "withdrawn_reason": None, "closed_on": None}
        if include_personal:
            referral["personal"] = {"name": "A. Participant"}
        return referral

    def list_referrals(self, filters: dict[str, Any], limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        return _page([self.get_referral("r-1"), self.get_referral("other-r-1")], filters, limit, cursor)

    def withdraw_referral(self, referral_id: str, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        self.get_referral(referral_id)
        return {"referral_id": referral_id}

    def erase_referral(self, referral_id: str, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, Any]:
        self.get_referral(referral_id)
        return {"referral_id": referral_id, "erased": True}


class FakeMatching(FakeService):
    name = "matching"

    def register_volunteer(self, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        return {"volunteer_id": "v-new"}

    def screen_volunteer(self, volunteer_id: str, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        self.get_volunteer(volunteer_id)
        return {"volunteer_id": volunteer_id}

    def train_volunteer(self, volunteer_id: str, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        self.get_volunteer(volunteer_id)
        return {"volunteer_id": volunteer_id}

    def erase_volunteer(self, volunteer_id: str, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, Any]:
        self.get_volunteer(volunteer_id)
        return {"volunteer_id": volunteer_id, "erased": True}

    def match_participant(self, body: dict[str, Any], actor: dict[str, Any],
                          regions: list[str] | None = None) -> dict[str, str]:
        referral = region_of(body["referral_id"], f"no referral {body['referral_id']} is known to matching")
        if regions is not None and referral not in regions:
            raise NotFound(f"no referral {body['referral_id']} is known to matching")
        volunteer = region_of(body["volunteer_id"], f"no volunteer {body['volunteer_id']}")
        if regions is not None and volunteer not in regions:
            raise NotFound(f"no volunteer {body['volunteer_id']}")
        if referral != volunteer:
            raise RuleViolated(f"volunteer is in {volunteer}, the participant in {referral}")
        return {"match_id": "m-new"}

    def get_volunteer(self, volunteer_id: str, include_personal: bool = False,
                      reader: dict[str, Any] | None = None) -> dict[str, Any]:
        _named(include_personal, reader)
        region = region_of(volunteer_id, f"no volunteer {volunteer_id}")
        volunteer = {"volunteer_id": volunteer_id, "status": "available", "region": region,
                     "municipality": "København", "gender": "female", "birth_year": 1970, "languages": ["ar"],
                     "strengths": ["network"], "capacity": 2, "active_matches": 0,
                     "screened_on": "2023-01-02", "trained_on": "2023-01-05"}
        if include_personal:
            volunteer["personal"] = {"name": "A. Volunteer"}
        return volunteer

    def list_volunteers(self, filters: dict[str, Any], limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        return _page([self.get_volunteer("v-1"), self.get_volunteer("other-v-1")], filters, limit, cursor)

    def candidates(self, referral_id: str, limit: int = 50, on: str | None = None,
                   actor: dict[str, Any] | None = None) -> dict[str, Any]:
        region = region_of(referral_id, f"no referral {referral_id} is known to matching")
        volunteer = self.get_volunteer("v-1" if region == OWN else "other-v-1")
        return {"referral_id": referral_id, "proposal_id": "p-1", "algorithm": "weighted", "weights_version": "1",
                "ranked_on": on, "eligible": 1, "excluded": {"region": 1},
                "items": [{**volunteer, "rank": 1, "score": 0.8, "reasons": ["speaks Arabic"],
                           "waited_days": 10}][:limit]}


class FakeFollowup(FakeService):
    name = "followup"

    def report_check_in(self, match_id: str, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        self.get_match(match_id)
        return {"checkin_id": "c-new"}

    def close_match(self, match_id: str, body: dict[str, Any], actor: dict[str, Any]) -> dict[str, str]:
        self.get_match(match_id)
        return {"match_id": match_id}

    def get_match(self, match_id: str, on: str | None = None) -> dict[str, Any]:
        region = region_of(match_id, f"no match {match_id}")
        return {"match_id": match_id, "referral_id": "r-1", "volunteer_id": "v-1", "region": region,
                "status": "active", "matched_on": "2023-02-01", "next_checkin_due": "2023-02-15", "checkins": 0,
                "closed_on": None, "close_reason": None, "close_initiator": None, "close_anticipated": None,
                "rematch_allowed": None, "as_of": on, "next_checkin_phase": "first_contact",
                "policy_version": "2023-01", "days_overdue": 3, "last_contact_on": None, "last_contact": None,
                "open_concern": False, "concern_since": None, "silent": False, "last_meeting_on": None,
                "six_month_mark": "2023-08-01", "six_month_reached": False, "successful": None}

    def list_matches(self, filters: dict[str, Any], limit: int = 50, cursor: str | None = None,
                     on: str | None = None) -> dict[str, Any]:
        return _page([self.get_match("m-1", on), self.get_match("other-m-1", on)], filters, limit, cursor)

    def due_check_ins(self, on: str, regions: list[str] | None = None) -> dict[str, Any]:
        items = [self.get_match("m-1", on), self.get_match("other-m-1", on)]
        return {"on": on, "items": [m for m in items if regions is None or m["region"] in regions]}

    def summary(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["format"] == "csv":
            return {"csv": "scope,figure,key,value\nall,matches_established,,1\n"}
        figures = {"matches_established": 1, "matches_active": 1, "volunteers_recruited": 1,
                   "participants": {"n": 1, "gender_pct": {"female": 100.0}, "gender_n": {"female": 1},
                                    "top_countries": [{"country": "SY", "count": 1, "pct": 100.0}],
                                    "age_band_pct": {"40-49": 100.0}, "age_band_n": {"40-49": 1},
                                    "arrived_2014_or_earlier_pct": 0.0, "arrived_2014_or_earlier_n": 0},
                   "six_month": {"eligible": 0, "successful": 0, "rate_pct": None}}
        regions = params["regions"] or [OWN, OTHER]
        return {**figures, "period": {"from": params["from"], "to": params["to"]}, "as_of": params["as_of"],
                "region": params["region"], "by_region": {region: figures for region in regions},
                "by_site": {SITES[r]: figures for r in regions if r in SITES}}


def fake_services() -> dict[str, FakeService]:
    """The gateway's RPC dependencies, by attribute name."""
    return {"referrals": FakeReferrals(), "matching": FakeMatching(), "followup": FakeFollowup()}


def _named(include_personal: bool, reader: dict[str, Any] | None) -> None:
    """As the services do: personal data only to a named reader (the access log needs one)."""
    if include_personal and not (reader or {}).get("id"):
        raise ValidationFailed("personal data is disclosed only to a named reader", {"reader": ["required"]})
