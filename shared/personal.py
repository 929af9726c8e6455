"""Which payload fields identify a person, per event type: one declaration, used everywhere.

``IDENTIFYING`` says, for each event type, the fields that identify a person
(names, contact details, free-text notes and reasons), whose data they are (the
payload field holding the data subject's id) and what kind of subject that is.
From it, and nothing else:

- ``public_view`` leaves those fields out of everything published on the bus;
- ``seal_event`` encrypts them under the subject's data key (``shared.keyring``)
  before the event touches the store, so projections copy only sealed values;
- ``open_fields`` / ``disclose`` read them back for an allowed read, giving
  null (erased) once the subject's key is destroyed.

To mark a new identifying field: add its name to the event type's ``fields``
(or add an entry for a new event type, with ``subject`` naming the payload field
that holds the referral, volunteer or match id). If only a newer schema version
carries it, key the entry by ``(event_type, version)`` in ``IDENTIFYING_BY_VERSION``:
that entry then wins for that version. A projection column filled from the field
holds the sealed string as it is (projections never open anything, so a replay
rebuilds them byte for byte); its query passes the column through ``disclose``,
or ``Keyring.open`` (``shared.keyring.ERASED`` means: show null and ``"erased": true``).
Fields that are not personal but must still stay off the bus go in ``withheld``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shared.envelope import Event
from shared.keyring import ERASED, Keyring, is_sealed, subject_of

REFERRAL, VOLUNTEER, MATCH, ERASURE = "referral", "volunteer", "match", "erasure"


@dataclass(frozen=True)
class Identifying:
    """The identifying fields of one event type and whose key seals them."""

    fields: tuple[str, ...]
    subject: str | None  # payload field with the subject's id; None: the recording service names it
    kind: str
    withheld: tuple[str, ...] = ()  # off the bus too, though not personal (stay plain at rest)


IDENTIFYING: dict[str, Identifying] = {
    # An intake submission has no referral id yet: the referrals service names the subject.
    "referral_submitted": Identifying(("personal",), None, REFERRAL),
    "referral_received": Identifying(("personal",), "referral_id", REFERRAL,
                                     withheld=("submission_digest",)),
    # Free text in every version (version 2 publishes a reason_code beside it).
    "referral_withdrawn": Identifying(("reason",), "referral_id", REFERRAL),
    "volunteer_registered": Identifying(("personal",), "volunteer_id", VOLUNTEER),
    "matched": Identifying(("reason",), "match_id", MATCH),
    # Notes are about a relationship: sealed per match, destroyed with either party.
    "checkin_reported": Identifying(("note",), "match_id", MATCH),
    "checked_in": Identifying(("note",), "match_id", MATCH),
    "closed": Identifying(("note",), "match_id", MATCH),
    "subject_erased": Identifying(("reason_text",), "erasure_id", ERASURE),
}

IDENTIFYING_BY_VERSION: dict[tuple[str, int], Identifying] = {}


def identifying(event_type: str, version: int | None = None) -> Identifying | None:
    """The declaration for an event type as written in ``version`` (None: any version)."""
    if version is not None and (event_type, version) in IDENTIFYING_BY_VERSION:
        return IDENTIFYING_BY_VERSION[(event_type, version)]
    return IDENTIFYING.get(event_type)


def unpublished(event_type: str, version: int | None = None) -> tuple[str, ...]:
    """The payload fields never published: the identifying ones and the withheld ones."""
    rule = identifying(event_type, version)
    return rule.fields + rule.withheld if rule else ()


def public_view(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope as it may be published: identifying and withheld payload fields left out."""
    hidden = unpublished(envelope.get("event_type", ""), envelope.get("schema_version"))
    if not hidden:
        return envelope
    payload = {k: v for k, v in envelope["payload"].items() if k not in hidden}
    return {**envelope, "payload": payload}


def disclosed_fields(envelope: dict[str, Any]) -> list[str]:
    """The identifying fields an envelope carries with a value, e.g. ``closed.note``, ``….personal.name``.

    What the access log records of an answer: names only, never values.
    """
    event_type = envelope.get("event_type", "")
    rule = identifying(event_type, envelope.get("schema_version"))
    payload = envelope.get("payload") or {}
    return [f"{event_type}.{field}" for name in (rule.fields if rule else ())
            for field in filled_fields(name, payload.get(name))]


def filled_fields(name: str, value: Any) -> list[str]:
    """``name`` when ``value`` holds something; a dict's filled keys as ``name.key``."""
    if isinstance(value, dict):
        return [f"{name}.{key}" for key, inner in sorted(value.items()) if inner not in (None, "", [], {})]
    return [] if value in (None, "", [], {}) else [name]


def seal_event(keyring: Keyring, conn: Connection, event: Event,
               subject_id: str | None = None) -> Event:
    """The event with its identifying fields sealed under the subject's key, ready to store.

    Empty values stay as they are (nothing to hide); for an erased subject they
    become null. ``subject_id`` names the subject where the payload cannot; a
    store that cannot name it either seals under a key of the event's own.
    """
    rule = identifying(event.event_type, event.schema_version)
    if rule is None:
        return event
    subject_id = subject_id or (event.payload.get(rule.subject) if rule.subject else None) \
        or f"{rule.kind}-event-{event.event_id}"
    payload = dict(event.payload)
    for name in rule.fields:
        value = payload.get(name)
        if value not in (None, "", {}) and not is_sealed(value):
            payload[name] = keyring.seal(conn, str(subject_id), value, rule.kind)
    return event.evolve(payload=payload)


def open_fields(keyring: Keyring, conn: Connection, event: Event) -> tuple[dict[str, Any], list[str]]:
    """The payload with its identifying fields opened, and the names of those now erased (null)."""
    rule = identifying(event.event_type, event.schema_version)
    if rule is None:
        return event.payload, []
    payload, erased = dict(event.payload), []
    for name in rule.fields:
        if name in payload:
            opened = keyring.open(conn, payload[name])
            payload[name] = None if opened is ERASED else opened
            if opened is ERASED:
                erased.append(name)
    return payload, erased


def disclose(keyring: Keyring, conn: Connection, subject_id: str, value: Any) -> dict[str, Any]:
    """``{"personal": value opened, "erased": bool}`` for a single read of a subject's column value.

    Erased: the value reads as null, and so does everything sealed for the subject.
    """
    opened = keyring.open(conn, value)
    # A value sealed for this subject that opened had its live key read already.
    known_live = is_sealed(value) and subject_of(value) == subject_id and opened is not ERASED
    if opened is ERASED or (not known_live and keyring.erased(conn, subject_id)):
        return {"personal": None, "erased": True}
    return {"personal": opened, "erased": False}

