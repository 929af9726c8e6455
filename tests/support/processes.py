"""The system as separate OS processes, as ``make run`` starts it, for end-to-end tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from shared import broker_users
from shared.config import REPO_ROOT
from tests.support import broker
from tests.support.waiting import wait_for

SERVICES = ("referrals", "matching", "followup", "gateway")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class System:
    """Four nameko processes on one vhost, one var/ directory and a free gateway port.

    ``amqp_uri`` is an admin login on the vhost; each process connects as its own role's
    broker user (``<vhost>-referrals`` …), provisioned here as ``make run`` does. ``env``
    is what the CLI needs to act as an operator of this system.
    """

    def __init__(self, amqp_uri: str, var_dir: str, extra_env: dict[str, str] | None = None):
        self.var_dir = Path(var_dir)
        self.gateway = f"http://127.0.0.1:{free_port()}"
        self.admin_uri = amqp_uri
        self.env = {**os.environ, "AMQP_URI": amqp_uri, "LGV_VAR_DIR": str(var_dir),
                    "GATEWAY_ADDRESS": self.gateway.removeprefix("http://"),
                    "PYTHONUNBUFFERED": "1", **broker.provision_roles(amqp_uri),
                    **(extra_env or {})}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def uri(self, role: str) -> str:
        """The AMQP URI of a role's broker user (``intake`` for an integrator)."""
        return broker_users.uri(role, self.env)

    def start(self, *names: str, wait: bool = True) -> None:
        """Start processes by name: ``referrals``, or ``referrals#2`` for a second instance."""
        for name in names or SERVICES:
            service = name.split("#")[0]
            log = open(self.var_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                # ``-m`` puts the checkout first on sys.path, whatever the venv was installed from.
                [sys.executable, "-m", "nameko", "run", "--config", f"deploy/config/{service}.yml",
                 f"services.{service}.service"],
                cwd=REPO_ROOT, env={**self.env, "AMQP_URI": self.uri(service)},
                stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout: float = 60.0) -> None:
        def healthy() -> bool:
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited:\n{self.log(name)[-3000:]}"
            try:
                return requests.get(f"{self.gateway}/health", timeout=3).status_code == 200
            except requests.RequestException:
                return False
        wait_for(healthy, timeout, interval=0.2, what="all services healthy")

    def kill9(self, service: str) -> None:
        process = self.processes.pop(service)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def restart(self, name: str, wait: bool = True) -> None:
        self.start(name, wait=wait)

    def exited(self) -> dict[str, int]:
        """Processes that ended without being told to, with their exit codes."""
        return {name: code for name, process in self.processes.items()
                if (code := process.poll()) is not None}

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def log(self, service: str) -> str:
        path = self.var_dir / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def database_url(self, service: str) -> str:
        """The service's database: the one its environment names, or its SQLite file in var/."""
        return self.env.get(f"{service.upper()}_DATABASE_URL") or f"sqlite:///{self.var_dir / (service + '.db')}"
