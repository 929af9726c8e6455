"""What breaks, and when: kill -9 of each service, restarts, and a RabbitMQ restart."""
from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Callable

from tests.support.processes import SERVICES, System

Action = Callable[[], None]


def schedule(rng: random.Random, system: System, length: int, instances: int,
             broker_restart: bool = True) -> dict[int, list[Action]]:
    """At which message index to do what: every service killed once, RabbitMQ restarted once."""
    actions: dict[int, list[Action]] = {}
    for service in (s for s in SERVICES if s != "gateway"):
        victim = service if instances == 1 or rng.random() < 0.5 else f"{service}#2"
        at = rng.randrange(length // 10, length * 7 // 10)
        back = min(length - 1, at + rng.randrange(20, 200))
        actions.setdefault(at, []).append(lambda v=victim: system.kill9(v))
        actions.setdefault(back, []).append(lambda v=victim: system.restart(v, wait=False))
    at = rng.randrange(length * 4 // 10, length * 8 // 10)
    if broker_restart:
        actions.setdefault(at, []).append(restart_rabbitmq)
    return actions


def revive(system: System) -> None:
    """Start again any process that died (a crash the suite did not cause is still recovered)."""
    for name, code in system.exited().items():
        last = [line for line in system.log(name).splitlines() if line.strip()][-40:]
        print(f"faults: {name} had exited with {code}; restarting it. Its last words: {last}", flush=True)
        system.processes.pop(name)
        system.restart(name, wait=False)


def restart_rabbitmq(port: int = 5672, timeout: float = 120.0) -> None:
    """Stop and start the broker application; durable quorum queues must keep their messages."""
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=timeout)
    subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("RabbitMQ did not come back")
