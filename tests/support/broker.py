"""Per-test RabbitMQ vhosts through the management API (port 15672)."""
from __future__ import annotations

import os
from urllib.parse import quote

import requests

MANAGEMENT = os.environ.get("RABBIT_MANAGEMENT_URL", "http://127.0.0.1:15672")
AUTH = ("guest", "guest")
HOST = os.environ.get("RABBIT_HOST", "127.0.0.1:5672")


def create_vhost(name: str) -> None:
    vhost = quote(name, safe="")
    _ok(requests.put(f"{MANAGEMENT}/api/vhosts/{vhost}", auth=AUTH, timeout=10))
    _ok(requests.put(f"{MANAGEMENT}/api/permissions/{vhost}/guest", auth=AUTH, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}))


def delete_vhost(name: str) -> None:
    requests.delete(f"{MANAGEMENT}/api/vhosts/{quote(name, safe='')}", auth=AUTH, timeout=30)


def uri_for(vhost: str) -> str:
    return f"amqp://guest:guest@{HOST}/{quote(vhost, safe='')}"


def queue_depth(vhost: str, queue: str) -> int:
    response = requests.get(
        f"{MANAGEMENT}/api/queues/{quote(vhost, safe='')}/{quote(queue, safe='')}",
        auth=AUTH, timeout=10)
    _ok(response)
    return int(response.json().get("messages", 0))


def _ok(response: requests.Response) -> None:
    if response.status_code >= 300:
        raise RuntimeError(f"RabbitMQ management API said {response.status_code}: "
                           f"{response.text[:200]} (is rabbitmq_management enabled?)")
