"""Per-test RabbitMQ vhosts through the management API (port 15672), each with its own users.

Broker users are global to the server, and many test sessions share it: each vhost's
roles are users named ``<vhost>-<role>`` (``LGV_BROKER_USER_PREFIX``), created by the
same provisioning as ``make run`` and deleted with the vhost.
"""
from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import requests

from deploy import provision
from shared import broker_users

MANAGEMENT = os.environ.get("RABBIT_MANAGEMENT_URL", "http://127.0.0.1:15672")
AUTH = ("guest", "guest")
HOST = os.environ.get("RABBIT_HOST", "127.0.0.1:5672")


def create_vhost(name: str) -> None:
    """A vhost where guest may do anything, with the whole topology declared (as make run does)."""
    vhost = quote(name, safe="")
    _ok(requests.put(f"{MANAGEMENT}/api/vhosts/{vhost}", auth=AUTH, timeout=10))
    _ok(requests.put(f"{MANAGEMENT}/api/permissions/{vhost}/guest", auth=AUTH, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}))
    provision.declare_topology(uri_for(name))


def delete_vhost(name: str) -> None:
    """Delete the vhost and the role users made for it."""
    provision.remove_users(roles_env(uri_for(name)))
    requests.delete(f"{MANAGEMENT}/api/vhosts/{quote(name, safe='')}", auth=AUTH, timeout=30)


def roles_env(admin_uri: str) -> dict[str, str]:
    """The environment that gives a vhost's roles their own users: ``<vhost>-<role>``."""
    return {"RABBITMQ_ADMIN_URI": admin_uri,
            "LGV_BROKER_USER_PREFIX": broker_users.vhost_of(admin_uri) + "-"}


def provision_roles(admin_uri: str) -> dict[str, str]:
    """Create the vhost's role users with fresh passwords; return the environment naming them."""
    env = {**roles_env(admin_uri), **{broker_users.password_variable(role): secrets.token_urlsafe(18)
                                     for role in broker_users.ROLES}}
    provision.provision(env, declare=False)
    return env


def uri_for(vhost: str) -> str:
    return f"amqp://guest:guest@{HOST}/{quote(vhost, safe='')}"


def queue_depth(vhost: str, queue: str) -> int:
    return int(_queue(vhost, queue).get("messages", 0))


def queue_consumers(vhost: str, queue: str) -> int:
    """How many consumers the queue has now."""
    return int(_queue(vhost, queue).get("consumers", 0))


def _queue(vhost: str, queue: str) -> dict:
    response = requests.get(
        f"{MANAGEMENT}/api/queues/{quote(vhost, safe='')}/{quote(queue, safe='')}",
        auth=AUTH, timeout=10)
    _ok(response)
    return response.json()


def _ok(response: requests.Response) -> None:
    if response.status_code >= 300:
        raise RuntimeError(f"RabbitMQ management API said {response.status_code}: "
                           f"{response.text[:200]} (is rabbitmq_management enabled?)")


@contextmanager
def vhost(prefix: str = "lgv-test") -> Iterator[str]:
    """A fresh vhost for as long as the block runs: its AMQP URI."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    create_vhost(name)
    try:
        yield uri_for(name)
    finally:
        delete_vhost(name)
