"""Who is who on the broker (CONTRACTS.md §4.1): one RabbitMQ user per role, least privilege.

Roles are the three services, the gateway and ``intake`` (the integrators). A role's
broker user is ``LGV_BROKER_USER_PREFIX`` + the role (default prefix: none), so several
deployments (or test sessions, one vhost each) can share one broker without two of
them owning the same user. Passwords come from ``LGV_BROKER_PASSWORD_<ROLE>`` or are
generated once into ``var/broker-users.json`` (mode 0600). The broker's address and
vhost are those of the admin login, ``RABBITMQ_ADMIN_URI``.

Stdlib only: ``deploy/run.py`` uses it before the virtual environment is known to work.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from shared import config

SERVICES = config.SERVICES
ROLES = (*SERVICES, "gateway", "intake")
RPC_EXCHANGE = "nameko-rpc"
PASSWORD_FILE = "broker-users.json"
DEFAULT_ADMIN_URI = "amqp://guest:guest@127.0.0.1:5672/"

# Exchanges each service binds its inbox to (shared/topology.py: SUBSCRIPTIONS).
_FOLLOWS = {
    "referrals": ("intake.events", "matching.events", "followup.events"),
    "matching": ("referrals.events", "followup.events"),
    "followup": ("intake.events", "referrals.events", "matching.events"),
}


class BrokerLoginMissing(Exception):
    """A broker login this process needs is not configured; the message says how to fix it."""


@dataclass(frozen=True)
class Permissions:
    """RabbitMQ's three per-vhost regexes for one user."""

    configure: str
    write: str
    read: str


Env = Mapping[str, str]


def admin_uri(env: Env | None = None) -> str:
    environment = _env(env)
    return environment.get("RABBITMQ_ADMIN_URI", DEFAULT_ADMIN_URI)


def user_name(role: str, env: Env | None = None) -> str:
    """The broker user of a role: what the AMQP ``user_id`` of its messages says."""
    _known(role)
    return prefix(env) + role


def prefix(env: Env | None = None) -> str:
    """What every broker user name of this deployment begins with (none by default)."""
    environment = _env(env)
    return environment.get("LGV_BROKER_USER_PREFIX", "")


def uri_user(amqp_uri: str) -> str:
    """The user an AMQP URI logs in as (kombu's default when it names none)."""
    return unquote(urlsplit(amqp_uri).username or "guest")


def permissions(role: str) -> Permissions:
    """Least privilege per role (§4.1), as anchored regexes over exchange and queue names."""
    _known(role)
    if role == "intake":
        return Permissions(configure="^$", write=_any("intake.events"), read="^$")
    if role == "gateway":
        own = (RPC_EXCHANGE, "rpc.reply-gateway-")
        return Permissions(*(3 * (f"^({re.escape(own[0])}|{re.escape(own[1])}.*)$",)))
    queues = (f"{role}.inbox", f"{role}.dead-letters", f"rpc-{role}")
    exchanges = (f"{role}.events", f"{role}.resend", RPC_EXCHANGE)
    return Permissions(
        configure=_any(*exchanges, *queues),
        # Queue names in ``write`` let it bind its own queues; lgv.dead-letter lets it
        # declare an inbox that dead-letters there (RabbitMQ checks that at declare time).
        write=_any(*exchanges, *queues, "lgv.dead-letter"),
        read=_any(*queues, f"{role}.resend", RPC_EXCHANGE, *_FOLLOWS[role]),
    )


_REPLY_KEY = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"  # nameko: uuid4


def rpc_topic_permissions(role: str) -> Permissions | None:
    """Routing keys a role may publish (``write``) and bind (``read``) on the RPC exchange.

    A service binds only its own methods and publishes only replies, so it can neither
    call another service nor read the replies meant for the gateway; the gateway calls
    the services' methods and binds only its reply queues.
    """
    _known(role)
    if role == "gateway":
        return Permissions(configure="", write=rf"^({'|'.join(SERVICES)})\.[A-Za-z0-9_]+$", read=_REPLY_KEY)
    if role in SERVICES:
        return Permissions(configure="", write=_REPLY_KEY, read=rf"^{re.escape(role)}\.\*$")
    return None


def password(role: str, env: Env | None = None) -> str:
    """The role's password: ``LGV_BROKER_PASSWORD_<ROLE>``, else the one generated into var/."""
    _known(role)
    environment = _env(env)
    explicit = environment.get(f"LGV_BROKER_PASSWORD_{role.upper()}")
    return explicit if explicit else stored_passwords()[role]


def password_variable(role: str) -> str:
    """The variable ``password`` reads first (``LGV_BROKER_PASSWORD_INTAKE`` …)."""
    return f"LGV_BROKER_PASSWORD_{role.upper()}"


def stored_passwords() -> dict[str, str]:
    """Every role's generated password, creating ``var/broker-users.json`` (0600) once."""
    directory = config.var_dir()
    path = directory / PASSWORD_FILE
    if not path.exists():
        _create_once(path, {role: secrets.token_urlsafe(24) for role in ROLES})
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = [role for role in ROLES if not isinstance(data.get(role), str)]
    if missing:
        raise BrokerLoginMissing(f"{path} has no password for {', '.join(missing)}; "
                                 "delete the file and provision again (make run)")
    return {role: data[role] for role in ROLES}


def uri(role: str, env: Env | None = None) -> str:
    """The AMQP URI a role connects with: the admin login's broker and vhost, the role's user."""
    parts = urlsplit(admin_uri(env))
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user_name(role, env), safe='')}:{quote(password(role, env), safe='')}@" \
             f"{'[' + host + ']' if ':' in host else host}:{parts.port or 5672}"
    return f"amqp://{netloc}{parts.path or '/'}"


def login(role: str, env: Env | None = None) -> str:
    """The URI to act as ``role`` with: ``AMQP_URI`` when it is that role's own login (the
    CLI inside the role's process or container), else ``uri(role)``."""
    environment = _env(env)
    own = environment.get("AMQP_URI")
    return own if own and uri_user(own) == user_name(role, env) else uri(role, env)


def vhost_of(amqp_uri: str) -> str:
    """The vhost an AMQP URI names (``/`` when it names none)."""
    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def _create_once(path: Path, data: dict[str, str]) -> None:
    """Write ``data`` to ``path`` unless another process did first (then keep theirs)."""
    os.chmod(path.parent, 0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _any(*names: str) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def _env(env: Env | None) -> Env:
    return os.environ if env is None else env


def _known(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown broker role {role!r}; one of {', '.join(ROLES)}")
