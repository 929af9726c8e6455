"""The query arguments each route takes, as marshmallow schemas (declared on the route).

Unknown arguments are ignored; an empty one counts as absent. Filters that name a
code (status, region, site) must be one of its values: a typo is a 400, not an
empty list.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from shared import reference
from shared.config import SERVICES
from shared.contracts import InReference, business_date, code
from shared.deadletters import DeadLetterStatus
from shared.paging import MAX_LIMIT
from shared.vocabulary import MatchStatus, ReferralStatus, VolunteerStatus

DEFAULT_LIMIT = 50
REFERRAL_STATUSES = tuple(ReferralStatus)
VOLUNTEER_STATUSES = tuple(VolunteerStatus)
MATCH_STATUSES = tuple(MatchStatus)
DEAD_LETTER_STATUSES = tuple(DeadLetterStatus)


class WholeNumber(fields.Integer):
    """A query argument of ASCII digits only (not "2.5", "²" or an Arabic-Indic "٣")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise ValidationError("must be a whole number")
        return int(value)


def _today() -> date:
    return date.today()


class Arguments(Schema):
    class Meta:
        unknown = EXCLUDE


class Paging(Arguments):
    limit = WholeNumber(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                        metadata={"default": DEFAULT_LIMIT})
    cursor = code(200, metadata={"description": "next_cursor of the previous page"})


def _region() -> fields.String:
    return fields.String(validate=InReference(reference.regions),
                         metadata={"description": "a consultant may name only its own regions (403)"})


def _on(what: str) -> fields.Date:
    return business_date(load_default=_today, metadata={"description": f"{what}; default today"})


class ReferralFilters(Paging):
    status = fields.String(validate=validate.OneOf(REFERRAL_STATUSES))
    region = _region()
    referring_site = fields.String(validate=InReference(reference.site_codes))
    external_ref = code(100)


class CandidateQuestion(Arguments):
    limit = WholeNumber(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                        metadata={"default": DEFAULT_LIMIT})
    on = _on("the day the volunteers are ranked as of")


class VolunteerFilters(Paging):
    status = fields.String(validate=validate.OneOf(VOLUNTEER_STATUSES))
    region = _region()


class MatchDay(Arguments):
    on = _on("the day the follow-up fields are as of")


class MatchFilters(Paging, MatchDay):
    status = fields.String(validate=validate.OneOf(MATCH_STATUSES))
    region = _region()
    volunteer_id = code(64)
    referral_id = code(64)


class DueQuestion(Arguments):
    on = _on("the day contacts are due or overdue on")
    region = _region()


class SummaryQuestion(Arguments):
    date_from = fields.Date(required=True, data_key="from", metadata={"description": "first day, inclusive"})
    date_to = fields.Date(required=True, data_key="to", metadata={"description": "last day, inclusive"})
    region = _region()
    as_of = fields.DateTime(metadata={
        "description": "answer as the system would have at this moment (ISO timestamp; UTC when no offset)"})
    suppress_below = WholeNumber(validate=validate.Range(min=0), metadata={
        "description": "counts under N (and cells that would give them away), and percentages built on "
                       "them, read \"<N\"; consultants and auditors: at least and by default 5, counts "
                       "rounded to multiples of N; a coordinator: none unless asked, 0 for none"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")),
                           metadata={"default": "json"})


class DeadLetterFilters(Paging):
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    status = fields.String(validate=validate.OneOf(DEAD_LETTER_STATUSES))


class AccessFilters(Paging):
    subject_id = code(200, metadata={"description": "a referral, volunteer or match id"})
    actor = code(200, metadata={"description": "the reader's name"})
    moment_from = code(40, data_key="from", metadata={"description": "a date or ISO timestamp, inclusive"})
    moment_to = code(40, data_key="to", metadata={"description": "a date (its whole day) or ISO timestamp"})


def filters(query: dict[str, Any]) -> dict[str, Any]:
    """A list's filters: its query arguments without the paging ones."""
    return {name: value for name, value in query.items() if name not in Paging._declared_fields}
