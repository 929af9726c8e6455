"""The bus as AsyncAPI 3.0, generated from the topology and the contract schemas.

Nothing here is typed by hand that the code already knows: the exchanges and who
consumes what come from ``shared.topology``, the envelope from
``shared.envelope.EnvelopeSchema``, every event type and schema version from the
registry in ``shared.contracts`` (marshmallow, converted to JSON Schema by
apispec's converter). ``lgv asyncapi`` prints it; the gateway serves it at
``/asyncapi.json``; ``docs/asyncapi.json`` keeps a copy (a unit test says when stale).
"""
from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from shared import reference, topology
from shared.config import DEFAULT_AMQP_URI
from shared.contracts import REGISTRY
from shared.envelope import EnvelopeSchema
from shared.personal import unpublished
from shared.registry import SchemaRegistry

ASYNCAPI_VERSION = "3.0.0"
CONTRACT_VERSION = "1.1"
AMQP_BINDING = "0.3.0"
INTAKE = "intake"  # the internal systems that publish on intake.events
JsonObject = dict[str, Any]

DESCRIPTION = (
    "Internal systems publish on the topic exchange `intake.events`; each service publishes "
    "the events it records on `<service>.events`. Routing key = `event_type`; "
    "`content_type=application/json`, UTF-8, persistent. Every message is one envelope; "
    "`event_id` is the idempotency key. Each service consumes one durable quorum queue, "
    "`<service>.inbox`. Identifying fields are never published by the services. "
    "Prose: docs/CONTRACTS.md."
)


def build_asyncapi(registry: SchemaRegistry = REGISTRY) -> JsonObject:
    """The AsyncAPI 3.0 document of the whole bus."""
    schemas = _SchemaConverter()
    channels: JsonObject = {}
    messages: JsonObject = {}
    operations: JsonObject = {}
    for exchange_name in topology.EXCHANGE_NAMES:
        publisher = _publisher(exchange_name)
        for event_type in topology.carried_by(exchange_name):
            channel_id = _channel_id(exchange_name, event_type)
            refs = {}
            for version in registry.versions(event_type):
                message_id = f"{event_type}.v{version}"
                payload = schemas.payload(event_type, version, registry.schema(event_type, version),
                                          public=exchange_name != topology.INTAKE_EXCHANGE)
                messages[message_id] = _message(event_type, version, payload)
                refs[message_id] = {"$ref": f"#/components/messages/{message_id}"}
            channels[channel_id] = _channel(exchange_name, event_type, refs)
            operations[f"{publisher}.publishes.{channel_id}"] = _operation(
                "send", channel_id, refs, publisher, f"{publisher} publishes {event_type}")
            for service in topology.consumers(exchange_name, event_type):
                operations[f"{service}.consumes.{channel_id}"] = _operation(
                    "receive", channel_id, refs, service,
                    f"{service} consumes {event_type} from its queue {topology.inbox_queue_name(service)}")
    schemas.add("Envelope", EnvelopeSchema)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "Livet Går Videre event bus", "version": CONTRACT_VERSION,
                 "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
                              "description": f"AMQP_URI, default {DEFAULT_AMQP_URI}"}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas.all(), "messages": messages},
    }


def _publisher(exchange_name: str) -> str:
    if exchange_name == topology.INTAKE_EXCHANGE:
        return INTAKE
    return next(s for s in topology.RECORDS if topology.service_exchange_name(s) == exchange_name)


def _channel_id(exchange_name: str, event_type: str) -> str:
    return f"{exchange_name}.{event_type}"


def _channel(exchange_name: str, event_type: str, messages: JsonObject) -> JsonObject:
    return {
        "address": event_type,
        "title": f"{event_type} on {exchange_name}",
        "description": f"Routing key `{event_type}` on the durable topic exchange `{exchange_name}`.",
        "messages": messages,
        "bindings": {"amqp": {
            "is": "routingKey",
            "exchange": {"name": exchange_name, "type": "topic", "durable": True, "autoDelete": False,
                         "vhost": "/"},
            "bindingVersion": AMQP_BINDING,
        }},
    }


def _operation(action: str, channel_id: str, messages: JsonObject, who: str, summary: str) -> JsonObject:
    binding: JsonObject = {"ack": True} if action == "receive" else {"deliveryMode": 2}
    operation: JsonObject = {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "summary": summary,
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in messages],
        "bindings": {"amqp": {**binding, "bindingVersion": AMQP_BINDING}},
        "x-lgv-party": who,
    }
    if action == "receive":
        operation["x-lgv-queue"] = {"name": topology.inbox_queue_name(who),
                                    "arguments": topology.queue_arguments(who)}
    return operation


def _message(event_type: str, version: int, payload_ref: JsonObject) -> JsonObject:
    return {
        "name": event_type,
        "title": f"{event_type}, schema_version {version}",
        "contentType": "application/json",
        "correlationId": {"location": "$message.payload#/correlation_id"},
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {"type": "object", "required": ["event_type", "schema_version", "payload"], "properties": {
                    "event_type": {"const": event_type},
                    "schema_version": {"const": version},
                    "payload": payload_ref,
                }},
            ],
        },
        "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": event_type,
                              "bindingVersion": AMQP_BINDING}},
    }


class _SchemaConverter:
    """Marshmallow schemas to JSON Schema, through apispec's MarshmallowPlugin."""

    def __init__(self) -> None:
        self._spec = APISpec("bus", CONTRACT_VERSION, "3.1.0", plugins=[MarshmallowPlugin(
            schema_name_resolver=lambda schema: _class(schema).__name__.removesuffix("Schema"))])

    def payload(self, event_type: str, version: int, schema: type[Schema], *, public: bool) -> JsonObject:
        """A reference to the payload schema (what is published: private fields left out)."""
        private = unpublished(event_type, version) if public else ()
        name = f"{_camel(event_type)}V{version}{'Published' if private else ''}"
        instance = schema(exclude=private) if private else schema()
        self.add(name, instance)
        definition = self._spec.components.schemas[name]
        _add_known_values(definition)
        return {"$ref": f"#/components/schemas/{name}"}

    def add(self, name: str, schema: type[Schema] | Schema) -> None:
        if name not in self._spec.components.schemas:
            self._spec.components.schema(name, schema=schema)

    def all(self) -> JsonObject:
        found: JsonObject = self._spec.to_dict()["components"]["schemas"]
        for definition in found.values():
            # Consumers are tolerant: they ignore fields they do not know (STYLE.md, rule 4).
            definition.pop("additionalProperties", None)
        return dict(sorted(found.items()))


def _add_known_values(definition: JsonObject) -> None:
    """Value sets the schemas check in code (reference data), made visible to integrators."""
    properties = definition.get("properties", {})
    if "referring_site" in properties:
        properties["referring_site"]["enum"] = list(reference.site_codes())
    if "region" in properties:
        properties["region"]["enum"] = list(reference.regions())
    for name in ("needs", "strengths", "activities"):
        if name in properties:
            properties[name]["items"]["enum"] = list(reference.focus_areas())


def _class(schema: Any) -> type:
    return schema if isinstance(schema, type) else type(schema)


def _camel(event_type: str) -> str:
    return "".join(part.capitalize() for part in event_type.split("_"))
