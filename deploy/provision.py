"""Provision the broker from an admin login: the roles' users, their permissions, the topology.

``make run`` calls it before starting anything, the tests call it for each test's vhost,
``lgv broker provision`` on its own. It talks to the management HTTP API on the admin
login's host (port 15672, or ``RABBITMQ_MANAGEMENT_URL``), then declares every exchange
and queue over AMQP, so an integrator's first publish is routed even before the services
run. Idempotent: run it again and it sets the same passwords and permissions.
"""
from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from urllib.parse import quote, unquote, urlsplit

from shared import broker_users
from shared.broker_users import BrokerLoginMissing, Env

MANAGEMENT_PORT = 15672


class Management:
    """The few management API calls provisioning needs, with the admin login."""

    def __init__(self, admin_uri: str) -> None:
        parts = urlsplit(admin_uri)
        self.user = unquote(parts.username or "guest")
        password = unquote(parts.password or "guest")
        self.base = os.environ.get("RABBITMQ_MANAGEMENT_URL",
                                   f"http://{parts.hostname or '127.0.0.1'}:{MANAGEMENT_PORT}")
        token = base64.b64encode(f"{self.user}:{password}".encode()).decode("ascii")
        self._auth = f"Basic {token}"

    def call(self, method: str, path: str, body: object | None = None) -> object:
        request = urllib.request.Request(
            self.base + "/api/" + path, method=method,
            data=None if body is None else json.dumps(body).encode("utf-8"),
            headers={"Authorization": self._auth, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise BrokerLoginMissing(
                    f"the broker refused the admin login {self.user!r} ({error.code}); set "
                    "RABBITMQ_ADMIN_URI to an administrator's amqp://user:password@host:5672/vhost"
                ) from error
            if method == "DELETE" and error.code == 404:
                return None
            raise BrokerLoginMissing(f"the RabbitMQ management API said {error.code} to "
                                     f"{method} {path}: {error.read()[:200]!r}") from error
        except OSError as error:
            raise BrokerLoginMissing(
                f"the RabbitMQ management API does not answer on {self.base} ({error}); enable "
                "it with `rabbitmq-plugins enable rabbitmq_management`") from error
        return json.loads(text) if text.strip() else None


def provision(env: Env | None = None, *, declare: bool = True) -> dict[str, str]:
    """Create or update every role's user on the admin login's vhost; return role → user name.

    ``env`` (default: this process's environment) names the admin login, the user prefix
    and the passwords, as ``shared.broker_users`` reads them.
    """
    admin_uri = broker_users.admin_uri(env)
    api = Management(admin_uri)
    vhost = quote(broker_users.vhost_of(admin_uri), safe="")
    api.call("GET", "whoami")
    api.call("PUT", f"vhosts/{vhost}")
    users = {}
    for role in broker_users.ROLES:
        name = broker_users.user_name(role, env)
        api.call("PUT", f"users/{quote(name, safe='')}",
                 {"password": broker_users.password(role, env), "tags": ""})
        granted = broker_users.permissions(role)
        api.call("PUT", f"permissions/{vhost}/{quote(name, safe='')}",
                 {"configure": granted.configure, "write": granted.write, "read": granted.read})
        topics = broker_users.rpc_topic_permissions(role)
        if topics is not None:
            api.call("PUT", f"topic-permissions/{vhost}/{quote(name, safe='')}",
                     {"exchange": broker_users.RPC_EXCHANGE, "write": topics.write, "read": topics.read})
        users[role] = name
    if declare:
        declare_topology(admin_uri)
    return users


def remove_users(env: Env | None = None) -> None:
    """Delete every role's user (``env``'s prefix); tests do this with their vhost."""
    api = Management(broker_users.admin_uri(env))
    for role in broker_users.ROLES:
        api.call("DELETE", f"users/{quote(broker_users.user_name(role, env), safe='')}")


def declare_topology(admin_uri: str) -> None:
    """Every exchange and queue, declared once with a login that may configure them all."""
    from kombu import Connection, Exchange

    from shared import topology

    with Connection(admin_uri) as connection:
        topology.declare_all(connection.default_channel)
        # As nameko declares it: then a refused RPC publish is refused for want of permission.
        Exchange(broker_users.RPC_EXCHANGE, type="topic", durable=True)(connection.default_channel).declare()
