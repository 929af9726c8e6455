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

from shared import authenticity, topology
from shared.asyncapi_schemas import SchemaConverter
from shared.config import DEFAULT_AMQP_URI
from shared.contracts import REGISTRY
from shared.envelope import EnvelopeSchema
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
    schemas = SchemaConverter()
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
    _internal_exchanges(channels, operations)
    schemas.add("Envelope", EnvelopeSchema)
    messages["any_event"] = ANY_EVENT
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "Livet Går Videre event bus", "version": CONTRACT_VERSION,
                 "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
                              "description": f"AMQP_URI, default {DEFAULT_AMQP_URI}",
                              "security": [{"$ref": "#/components/securitySchemes/brokerUser"}]}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas.all(), "messages": messages,
                       "securitySchemes": {"brokerUser": BROKER_USER}},
    }


BROKER_USER = {
    "type": "userPassword",
    "description": "One RabbitMQ user per role, least privilege (CONTRACTS.md §4.1): `intake` may write "
                   "`intake.events` only (`lgv broker uri intake` prints its URI); each service writes only "
                   "its own `<service>.events` and `<service>.resend` and reads only its own queues. A "
                   "service's events carry the AMQP `user_id` of its user; one that does not is kept as a "
                   "dead letter, never applied.",
}
RESEND_HEADERS = {"type": "object", "properties": {
    authenticity.FIRST_EXCHANGE_HEADER: {"type": "string", "description": "where it was first published"},
    authenticity.FIRST_ROUTING_KEY_HEADER: {"type": "string", "description": "its first routing key"},
    authenticity.FIRST_PUBLISHER_HEADER: {"type": "string", "description": "the broker user that first published it"},
}}
ANY_EVENT = {
    "name": "any_event", "title": "Any event of the contract, as first published",
    "contentType": "application/json", "headers": RESEND_HEADERS,
    "payload": {"$ref": "#/components/schemas/Envelope"},
}


def _internal_exchanges(channels: JsonObject, operations: JsonObject) -> None:
    """Each service's resend exchange (re-drive, re-publish) and the broker's dead-letter backstop."""
    any_event = {"any_event": {"$ref": "#/components/messages/any_event"}}
    for service in topology.SUBSCRIPTIONS:
        resend = topology.resend_exchange_name(service)
        channels[resend] = {
            "address": topology.inbox_queue_name(service),
            "title": f"{service} sends again",
            "description": f"Direct exchange `{resend}`: {service} re-sends a re-driven dead letter to its own "
                           "inbox (routing key = the queue), or re-published history to a queue an operator "
                           "bound (`lgv replay --republish`); the headers say where each message was first "
                           "published, and it is judged as that. Only its own broker user may write here.",
            "messages": any_event,
            "bindings": {"amqp": _amqp_exchange(resend, "direct")},
        }
        operations[f"{service}.resends.{resend}"] = _operation(
            "send", resend, any_event, service, f"{service} re-drives a kept message to its inbox")
        operations[f"{service}.consumes.{resend}"] = _operation(
            "receive", resend, any_event, service, f"{service} takes what it re-sent from its inbox")
        parking = f"{topology.DEAD_LETTER_EXCHANGE}.{service}"
        channels[parking] = {
            "address": service,
            "title": f"the broker's backstop for {service}",
            "description": f"After {topology.BROKER_DELIVERY_LIMIT} deliveries the broker dead-letters a "
                           f"message of `{topology.inbox_queue_name(service)}` to the direct exchange "
                           f"`{topology.DEAD_LETTER_EXCHANGE}`, routing key `{service}`, into the queue "
                           f"`{service}.dead-letters` (consumers keep bad messages long before that).",
            "messages": any_event,
            "bindings": {"amqp": _amqp_exchange(topology.DEAD_LETTER_EXCHANGE, "direct")},
        }


def _amqp_exchange(name: str, kind: str) -> JsonObject:
    return {"is": "routingKey",
            "exchange": {"name": name, "type": kind, "durable": True, "autoDelete": False, "vhost": "/"},
            "bindingVersion": AMQP_BINDING}


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
        "bindings": {"amqp": _amqp_exchange(exchange_name, "topic")},
    }


def _operation(action: str, channel_id: str, messages: JsonObject, who: str, summary: str) -> JsonObject:
    binding: JsonObject = {"ack": True} if action == "receive" else {"deliveryMode": 2}
    if action == "send" and who in topology.RECORDS:
        binding["userId"] = who  # its broker user (LGV_BROKER_USER_PREFIX + role; no prefix by default)
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
