"""The broker itself enforces who may do what (CONTRACTS.md §4.1), shown with real logins."""
from __future__ import annotations

import json
import os
import uuid

import kombu
import pytest
from amqp.exceptions import AccessRefused, PreconditionFailed
from nameko.standalone.rpc import ClusterRpcProxy

from deploy.provision import provision
from shared import broker_users, topology
from shared.broker_users import RPC_EXCHANGE, BrokerLoginMissing
from tests.support import broker
from tests.support import events as ev
from tests.support.bus import IntakePublisher, drain
from tests.support.cli import lgv


@pytest.fixture
def env(amqp_uri: str, var_dir: str) -> dict[str, str]:
    """An operator's environment on this test's vhost, its role users (``<vhost>-<role>``) made."""
    return {**os.environ, "LGV_VAR_DIR": var_dir, **broker.provision_roles(amqp_uri)}


@pytest.fixture
def roles(env: dict[str, str]) -> dict[str, str]:
    """Each role's AMQP URI."""
    return {role: broker_users.uri(role, env) for role in broker_users.ROLES}


def publish(uri: str, exchange: str, routing_key: str, body: dict | None = None, **properties) -> None:
    with kombu.Connection(uri, transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(json.dumps(body or {}), exchange=exchange, routing_key=routing_key,
                                content_type="application/json", **properties)


def test_intake_may_publish_referral_submitted_to_intake_events(env, amqp_uri):
    message = ev.referral_submitted()
    handed_out = lgv(env, "broker", "uri", "intake").strip()
    assert broker_users.uri_user(handed_out) == broker_users.user_name("intake", env)
    publisher = IntakePublisher(handed_out)
    try:
        publisher.publish(message)
    finally:
        publisher.close()
    inbox = drain(amqp_uri, topology.inbox_queue("referrals"))
    assert [m["event_id"] for m in inbox] == [message["event_id"]]


def test_intake_may_not_publish_to_a_services_exchange(roles, amqp_uri):
    closed = ev.envelope("closed", {}, source="followup")
    with pytest.raises(AccessRefused, match="followup.events"):
        publish(roles["intake"], "followup.events", "closed", closed)
    assert drain(amqp_uri, topology.inbox_queue("referrals")) == []


def test_intake_may_not_call_an_rpc_method(roles):
    with pytest.raises(AccessRefused, match=RPC_EXCHANGE):
        publish(roles["intake"], RPC_EXCHANGE, "referrals.list_referrals",
                {"args": [], "kwargs": {}}, reply_to="x", correlation_id="1")
    with pytest.raises(AccessRefused):  # nameko's own client cannot even set up its reply queue
        with ClusterRpcProxy({"AMQP_URI": roles["intake"]}) as rpc:
            rpc.referrals.health()


def test_intake_may_not_bind_a_queue_to_the_rpc_exchange(roles, amqp_uri):
    spy = f"spy-{uuid.uuid4().hex[:6]}"
    with kombu.Connection(amqp_uri) as admin:
        kombu.Queue(spy, durable=False)(admin.default_channel).declare()
    with kombu.Connection(roles["intake"]) as conn, pytest.raises(AccessRefused):
        conn.default_channel.queue_bind(queue=spy, exchange=RPC_EXCHANGE, routing_key="#")


def test_a_service_may_not_publish_on_another_services_exchange(roles):
    with pytest.raises(AccessRefused, match="matching.events"):
        publish(roles["followup"], "matching.events", "matched")


def test_the_broker_refuses_a_user_id_that_is_not_the_publishers_login(roles):
    with pytest.raises(PreconditionFailed, match="user_id"):
        publish(roles["followup"], "followup.events", "closed",
                user_id=broker_users.uri_user(roles["matching"]))


def test_a_wrong_admin_login_is_a_clear_error_and_provisions_nothing(amqp_uri):
    wrong = amqp_uri.replace("guest:guest@", "guest:not-the-password@")
    with pytest.raises(BrokerLoginMissing, match="refused the admin login 'guest'"):
        provision({**broker.roles_env(wrong), "LGV_BROKER_PASSWORD_INTAKE": "x"})


def test_a_service_may_not_read_the_replies_meant_for_the_gateway(roles):
    with kombu.Connection(roles["followup"]) as conn, pytest.raises(AccessRefused):
        conn.default_channel.queue_bind(queue="followup.inbox", exchange=RPC_EXCHANGE, routing_key="#")


def test_a_service_may_not_call_another_services_rpc_method(roles):
    with pytest.raises(AccessRefused):
        publish(roles["followup"], RPC_EXCHANGE, "referrals.list_referrals",
                {"args": [], "kwargs": {}}, reply_to="x", correlation_id="1")


def _bind(uri: str, queue: str, routing_key: str) -> None:
    with kombu.Connection(uri) as conn:
        channel = conn.default_channel
        kombu.Queue(queue, durable=False, auto_delete=True)(channel).declare()
        channel.queue_bind(queue=queue, exchange=RPC_EXCHANGE, routing_key=routing_key)


def test_only_the_recording_service_may_bind_its_methods_so_only_it_gets_the_personal_data_of_a_write(roles):
    _bind(roles["referrals"], "rpc-referrals", "referrals.*")
    _bind(roles["followup"], "rpc-followup", "followup.*")  # its own: the refusal below is about the key
    with pytest.raises(AccessRefused):
        _bind(roles["followup"], "rpc-followup", "referrals.*")
    with pytest.raises(AccessRefused):
        _bind(roles["gateway"], f"rpc.reply-gateway-{uuid.uuid4()}", "matching.*")
