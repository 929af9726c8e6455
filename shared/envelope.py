"""The event envelope of CONTRACTS.md: an immutable ``Event`` and its schemas.

Producing is strict (unknown keys raise), consuming is tolerant (unknown keys
are dropped): outside publishers may add fields, we never emit stray ones.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from dataclasses import fields as fields_of
from datetime import datetime, timezone
from typing import Any

import orjson
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from shared import compiled_schema, json_text
from shared.errors import ValidationFailed
from shared.validation import control_error, flatten_errors

ACTOR_KINDS = ("system", "consultant", "volunteer")


# Bounds on every envelope string: no consumer stores or logs more than this of one,
# and none carries a control character (a log line or an operator's terminal would
# read other than what was sent).
ID_LENGTH = 200
CODE_LENGTH = 100


def _no_control(value: str) -> None:
    problem = control_error(value)
    if problem:
        raise ValidationError(problem)


def _bounded(maximum: int, minimum: int = 1) -> list[Any]:
    return [validate.Length(minimum, maximum), _no_control]


class ActorSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(ACTOR_KINDS))
    id = fields.String(load_default=None, allow_none=True, validate=_bounded(ID_LENGTH))
    # Added later, optional: the gateway role behind a human actor (coordinator, consultant).
    role = fields.String(allow_none=True, validate=_bounded(CODE_LENGTH))


class EnvelopeSchema(Schema):
    event_id = fields.String(required=True, validate=_bounded(ID_LENGTH))
    event_type = fields.String(required=True, validate=[
        *_bounded(CODE_LENGTH),  # the control check also refuses a newline that "$" lets by
        validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be a lower-case event type name")])
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    occurred_at = fields.AwareDateTime(required=True)
    source = fields.String(required=True, validate=_bounded(CODE_LENGTH))
    stream_id = fields.String(load_default=None, allow_none=True, validate=_bounded(ID_LENGTH))
    stream_version = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(min=1))
    recorded_at = fields.AwareDateTime(load_default=None, allow_none=True)
    actor = fields.Nested(ActorSchema, load_default=None, allow_none=True)
    correlation_id = fields.String(load_default=None, allow_none=True, validate=_bounded(ID_LENGTH))
    causation_id = fields.String(load_default=None, allow_none=True, validate=_bounded(ID_LENGTH))
    payload = fields.Dict(required=True)


@dataclass(frozen=True)
class Event:
    """One fact, as it travels on the bus and rests in a store."""

    event_id: str
    event_type: str
    schema_version: int
    occurred_at: datetime
    source: str
    payload: dict[str, Any]
    stream_id: str | None = None
    stream_version: int | None = None
    recorded_at: datetime | None = None
    actor: dict[str, Any] | None = None
    correlation_id: str | None = None
    causation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        data["recorded_at"] = self.recorded_at.isoformat() if self.recorded_at else None
        return data

    def to_json(self) -> str:
        """The envelope as the event store keeps it: ``to_dict``'s values (without its deep copy:
        nothing here is mutated), keys sorted, written by orjson (about a tenth of ``json.dumps``'s
        CPU; a consumer stores every event it takes). What orjson refuses (an integer beyond
        64 bits, a key that is not a string, a subclass of str, a date) goes to ``json_text``,
        which writes what ``json.dumps`` can and refuses the rest as it does; that text keeps
        ``json.dumps``'s spaces, and both read back alike. orjson would write a UUID or an Enum
        that ``json.dumps`` refuses, and NaN as null: an envelope holds none, its payload being
        what validation normalised (no schema allows NaN)."""
        data = {f.name: getattr(self, f.name) for f in _FIELDS}
        data["occurred_at"] = self.occurred_at.isoformat()
        data["recorded_at"] = self.recorded_at.isoformat() if self.recorded_at else None
        try:
            return orjson.dumps(data, option=json_text.ORJSON_SORTED_PLAIN).decode("utf-8")
        except orjson.JSONEncodeError:
            return json_text.dumps(data)

    def evolve(self, **changes: Any) -> "Event":
        if not changes.keys() <= _FIELD_NAMES:
            return replace(self, **changes)  # raises as dataclasses do
        return _built({**self.__dict__, **changes})


_FIELDS = fields_of(Event)
_FIELD_NAMES = frozenset(f.name for f in _FIELDS)


def _built(values: dict[str, Any]) -> Event:
    """An ``Event`` of every field's value, without the frozen ``__init__``'s setattr per field.

    Only for values that are already a whole, checked envelope (replays build
    hundreds of thousands of these).
    """
    event = object.__new__(Event)
    event.__dict__.update(values)
    return event


def new_event_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# Built once: building a marshmallow schema costs more than loading with it. The compiled
# loaders answer as they would, faster, for the envelopes they can vouch for.
_STRICT, _TOLERANT = EnvelopeSchema(unknown=RAISE), EnvelopeSchema(unknown=EXCLUDE)
_FAST = {True: compiled_schema.loader(_STRICT), False: compiled_schema.loader(_TOLERANT)}


def load_envelope(data: Any, *, strict: bool = False) -> Event:
    """Validate an envelope dict; raise ``ValidationFailed`` with field errors."""
    if not isinstance(data, dict):
        raise ValidationFailed("the message is not a JSON object")
    fast = _FAST[strict]
    if fast is not None:
        try:
            loaded = fast(data)
        except compiled_schema.Unsure:
            pass
        else:  # every field, each checked: built as a stored envelope is (``_built``)
            return _built(loaded) if loaded.keys() == _ENVELOPE_KEYS else Event(**loaded)
    try:
        loaded = (_STRICT if strict else _TOLERANT).load(data)
    except ValidationError as exc:
        raise ValidationFailed("the envelope is invalid", flatten_errors(exc.messages)) from exc
    return Event(**loaded)


_ENVELOPE_KEYS = frozenset(EnvelopeSchema().fields)


def checked_actor(actor: dict[str, Any]) -> dict[str, Any]:
    """An actor as an envelope may carry it (bounded, no control characters), or ValidationFailed.

    Producers check the actor they are given before recording, so no consumer has to
    refuse an event for its actor.
    """
    try:
        ActorSchema(unknown=EXCLUDE).load(actor)
    except ValidationError as exc:
        raise ValidationFailed("the actor is invalid", flatten_errors(exc.messages, "actor")) from exc
    return actor


def event_from_json(text: str | bytes) -> Event:
    """Rebuild an event this system stored itself (trusted, already valid).

    Replays read millions of these: the envelope ``to_json`` wrote is taken as
    it is, and only anything of another shape goes through the strict schema.
    """
    data = orjson.loads(text)
    if isinstance(data, dict) and data.keys() == _ENVELOPE_KEYS:
        try:
            return _trusted(data)
        except (TypeError, ValueError):
            pass
    return load_envelope(data, strict=True)


def _trusted(data: dict[str, Any]) -> Event:
    occurred_at = datetime.fromisoformat(data["occurred_at"])
    recorded = data["recorded_at"]
    recorded_at = datetime.fromisoformat(recorded) if recorded is not None else None
    actor = data["actor"]
    if occurred_at.tzinfo is None or (recorded_at is not None and recorded_at.tzinfo is None) \
            or not isinstance(data["payload"], dict) or (actor is not None and not isinstance(actor, dict)):
        raise ValueError("not an envelope this system wrote")
    if actor is not None and "id" not in actor:
        data["actor"] = {**actor, "id": None}
    # data is this call's own, and holds every field and nothing else (checked by event_from_json).
    data["occurred_at"], data["recorded_at"] = occurred_at, recorded_at
    return _built(data)

