"""The broker roles: who may configure, write and read what (§4.1), names, passwords, URIs."""
from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from shared import broker_users

EXCHANGES = ("intake.events", "referrals.events", "matching.events", "followup.events",
             "nameko-rpc", "lgv.dead-letter", "referrals.resend", "matching.resend", "amq.default")
QUEUES = ("referrals.inbox", "matching.inbox", "followup.inbox", "rpc-referrals", "rpc-matching",
          "rpc-followup", "rpc.reply-gateway-1f2e", "referrals.dead-letters")


def may(role: str, what: str, name: str) -> bool:
    return re.fullmatch(getattr(broker_users.permissions(role), what), name) is not None


def allowed(role: str, what: str) -> set[str]:
    return {name for name in EXCHANGES + QUEUES if may(role, what, name)}


def test_intake_may_write_intake_events_and_nothing_else() -> None:
    assert allowed("intake", "write") == {"intake.events"}
    assert allowed("intake", "configure") == set()
    assert allowed("intake", "read") == set()


def test_a_service_writes_only_its_own_exchanges_and_the_rpc_exchange() -> None:
    assert allowed("referrals", "write") & set(EXCHANGES) == {
        "referrals.events", "referrals.resend", "nameko-rpc", "lgv.dead-letter"}
    assert not may("followup", "write", "matching.events")
    assert not may("followup", "write", "intake.events")
    assert not may("followup", "write", "amq.default")  # would reach any queue by name


def test_a_service_reads_only_its_own_queues() -> None:
    assert allowed("matching", "read") & set(QUEUES) == {"matching.inbox", "rpc-matching"}
    assert allowed("referrals", "read") & set(QUEUES) == {"referrals.inbox", "rpc-referrals",
                                                          "referrals.dead-letters"}


def test_a_service_binds_only_to_the_exchanges_it_follows() -> None:
    assert allowed("matching", "read") & set(EXCHANGES) == {
        "referrals.events", "followup.events", "nameko-rpc", "matching.resend"}


def test_only_the_gateway_and_the_services_may_use_the_rpc_exchange() -> None:
    users_of_rpc = {role for role in broker_users.ROLES
                    if any(may(role, what, "nameko-rpc") for what in ("configure", "write", "read"))}
    assert users_of_rpc == {"referrals", "matching", "followup", "gateway"}


def test_the_gateway_has_only_the_rpc_exchange_and_its_reply_queues() -> None:
    for what in ("configure", "write", "read"):
        assert allowed("gateway", what) == {"nameko-rpc", "rpc.reply-gateway-1f2e"}


def test_user_names_take_the_configured_prefix() -> None:
    assert broker_users.user_name("intake", {}) == "intake"
    assert broker_users.user_name("intake", {"LGV_BROKER_USER_PREFIX": "v1-"}) == "v1-intake"
    with pytest.raises(ValueError):
        broker_users.user_name("guest", {})


def test_a_role_uri_is_the_admin_logins_broker_and_vhost_with_the_roles_user() -> None:
    env = {"RABBITMQ_ADMIN_URI": "amqp://admin:secret@broker.example:5673/lgv%2Fprod",
           "LGV_BROKER_USER_PREFIX": "p-", "LGV_BROKER_PASSWORD_INTAKE": "a/b@c"}
    uri = broker_users.uri("intake", env)

    assert uri == "amqp://p-intake:a%2Fb%40c@broker.example:5673/lgv%2Fprod"
    assert broker_users.uri_user(uri) == "p-intake"
    assert broker_users.vhost_of(uri) == "lgv/prod"


def test_passwords_are_generated_once_into_a_private_file(var_dir: str) -> None:
    first = broker_users.stored_passwords()
    again = broker_users.stored_passwords()
    path = Path(var_dir) / broker_users.PASSWORD_FILE

    assert first == again and set(first) == set(broker_users.ROLES)
    assert len(set(first.values())) == len(first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_password_from_the_environment_wins(var_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_BROKER_PASSWORD_GATEWAY", "from-env")
    assert broker_users.password("gateway") == "from-env"
    assert broker_users.password("intake") == broker_users.stored_passwords()["intake"]


def test_the_cli_acts_as_a_role_with_its_own_login_when_it_has_it() -> None:
    inside = {"AMQP_URI": "amqp://referrals:pw@rabbitmq:5672/", "LGV_BROKER_PASSWORD_REFERRALS": "x"}
    assert broker_users.login("referrals", inside) == "amqp://referrals:pw@rabbitmq:5672/"
    elsewhere = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/v", "LGV_BROKER_PASSWORD_MATCHING": "m",
                 "RABBITMQ_ADMIN_URI": "amqp://guest:guest@127.0.0.1:5672/v"}
    assert broker_users.login("matching", elsewhere) == "amqp://matching:m@127.0.0.1:5672/v"


def test_on_the_rpc_exchange_a_service_binds_its_own_methods_and_publishes_only_replies() -> None:
    service = broker_users.rpc_topic_permissions("matching")
    gateway = broker_users.rpc_topic_permissions("gateway")
    reply = "3f2b8c1e-2d4a-4e1b-9c7d-0a1b2c3d4e5f"
    assert service is not None and gateway is not None
    assert re.fullmatch(service.read, "matching.*") and not re.fullmatch(service.read, "#")
    assert re.fullmatch(service.write, reply) and not re.fullmatch(service.write, "referrals.health")
    assert re.fullmatch(gateway.write, "referrals.list_referrals") and not re.fullmatch(gateway.write, reply)
    assert re.fullmatch(gateway.read, reply) and not re.fullmatch(gateway.read, "referrals.*")
    assert broker_users.rpc_topic_permissions("intake") is None
