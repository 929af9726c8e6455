"""A replay's applier projects each event as ``ServiceDatabase.apply`` does: old versions upcast, others ignored."""
from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import MetaData, create_engine

from shared.envelope import load_envelope
from shared.projection import Projection
from shared.registry import SchemaRegistry
from shared.unit_of_work import ServiceDatabase
from tests.support import events as ev


class CountedV1(Schema):
    seen = fields.Integer(required=True)


class CountedV2(Schema):
    times = fields.Integer(required=True)


def _database(projected: list) -> ServiceDatabase:
    registry = SchemaRegistry()
    registry.register("counted", 1, CountedV1)
    registry.register("counted", 2, CountedV2, lambda payload: {"times": payload["seen"]})
    registry.register("ignored", 1, CountedV1)
    projection = Projection(MetaData(), {"counted": lambda conn, event: projected.append(
        (event.schema_version, event.payload))})
    return ServiceDatabase("test", create_engine("sqlite://"), projection, registry)


def test_the_applier_upcasts_old_events_applies_current_ones_and_ignores_the_rest():
    history = [load_envelope(ev.envelope("counted", {"seen": 3})),
               load_envelope(ev.envelope("counted", {"times": 4}, schema_version=2)),
               load_envelope(ev.envelope("ignored", {"seen": 5}))]
    by_apply: list = []
    by_applier: list = []
    db = _database(by_apply)
    for event in history:
        db.apply(None, event)  # type: ignore[arg-type]
    apply = _database(by_applier).applier()
    for event in history:
        apply(None, event)  # type: ignore[arg-type]
    assert by_applier == by_apply == [(2, {"times": 3}), (2, {"times": 4})]
