"""Start the whole system on this machine: ``make run`` (stdlib only).

Makes sure RabbitMQ answers, provisions its users from the admin login
(``RABBITMQ_ADMIN_URI``, deploy/provision.py), starts the three services and the
gateway as four ``nameko run`` processes, each with its own broker user, streams
their output with a prefix (and keeps it under ``var/log/``), waits until the
gateway's ``/health`` says ok, and stops all four cleanly on Ctrl-C or SIGTERM, or
as soon as one of them dies.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
# ``python deploy/run.py`` puts deploy/ first on sys.path; the provisioning lives in the repo.
sys.path.insert(0, str(REPO_ROOT))
from shared import config  # noqa: E402  (after the path: the environment is read there)

PROCESSES = ("referrals", "matching", "followup", "gateway")
BROKER_START_TIMEOUT = float(os.environ.get("LGV_BROKER_START_TIMEOUT", "90"))
HEALTH_TIMEOUT = float(os.environ.get("LGV_START_TIMEOUT", "60"))
STOP_TIMEOUT = float(os.environ.get("LGV_STOP_TIMEOUT", "15"))
COLOURS = {"referrals": "36", "matching": "35", "followup": "33", "gateway": "32"}
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class StartupError(Exception):
    """Something the user must fix before the system can run."""


# --- small helpers ---------------------------------------------------------------


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], deadline: float, interval: float = 0.5) -> bool:
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def split_address(address: str, default_port: int) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host:
        return address or "127.0.0.1", default_port
    return host.strip("[]"), int(port)


def local_host(host: str) -> str:
    """Where to reach a server that binds ``host`` from this machine."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::", "*") else host


def find_program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    return next((str(Path(d) / name) for d in SBIN_DIRS if (Path(d) / name).exists()), None)


# --- preconditions -----------------------------------------------------------------


def check_python_env() -> None:
    if importlib.util.find_spec("nameko") is None:
        raise StartupError(
            f"nameko is not installed for {sys.executable}; run `make run` (or `make venv` "
            "and then `.venv/bin/python deploy/run.py`)."
        )


def ensure_broker(amqp_uri: str) -> None:
    parts = urlsplit(amqp_uri)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5672
    if port_open(host, port):
        say(f"RabbitMQ answers on {host}:{port}")
        return
    server = find_program("rabbitmq-server")
    if host not in ("127.0.0.1", "localhost", "::1") or server is None:
        raise StartupError(
            f"RabbitMQ does not answer on {host}:{port} (RABBITMQ_ADMIN_URI) and cannot be started "
            "from here. Start it (e.g. `rabbitmq-server -detached`, or "
            "`docker compose up -d rabbitmq` where Docker runs) and try again."
        )
    say(f"RabbitMQ is not running; starting it with `{server} -detached` ...")
    result = subprocess.run([server, "-detached"], capture_output=True, text=True)
    if result.returncode != 0:
        raise StartupError(f"`rabbitmq-server -detached` failed:\n{result.stdout}{result.stderr}")
    if not wait_until(lambda: port_open(host, port), time.monotonic() + BROKER_START_TIMEOUT):
        raise StartupError(
            f"RabbitMQ was started but does not answer on {host}:{port} after "
            f"{BROKER_START_TIMEOUT:.0f}s; see its log under /var/log/rabbitmq/."
        )
    say(f"RabbitMQ answers on {host}:{port}")


def ensure_management(admin_uri: str) -> None:
    """The management API answers (provisioning uses it); enable the plugin if it is local."""
    from deploy.provision import Management

    management = urlsplit(Management(admin_uri).base)
    host, port = management.hostname or "127.0.0.1", management.port or 15672
    if port_open(host, port):
        return
    plugins = find_program("rabbitmq-plugins")
    if host not in ("127.0.0.1", "localhost", "::1") or plugins is None:
        raise StartupError(
            f"the RabbitMQ management API does not answer on {host}:{port}; enable it with "
            "`rabbitmq-plugins enable rabbitmq_management` on the broker and try again.")
    say("enabling rabbitmq_management (rabbitmq-plugins enable rabbitmq_management) ...")
    result = subprocess.run([plugins, "enable", "rabbitmq_management"], capture_output=True, text=True)
    if result.returncode != 0:
        raise StartupError(f"`rabbitmq-plugins enable rabbitmq_management` failed:\n"
                           f"{result.stdout}{result.stderr}")
    if not wait_until(lambda: port_open(host, port), time.monotonic() + BROKER_START_TIMEOUT):
        raise StartupError(f"the management API does not answer on {host}:{port} after "
                           f"{BROKER_START_TIMEOUT:.0f}s")


def provision_broker() -> None:
    """One broker user per role (CONTRACTS.md §4.1), never one shared login."""
    from deploy.provision import provision
    from shared.broker_users import BrokerLoginMissing

    try:
        users = provision()
    except BrokerLoginMissing as error:
        raise StartupError(str(error)) from error
    say("broker users: " + ", ".join(f"{role}={name}" for role, name in users.items()))


def ensure_gateway_port_free(host: str, port: int) -> None:
    if port_open(local_host(host), port):
        raise StartupError(
            f"something already listens on {host}:{port}; is the system already running? "
            "Stop it, or set GATEWAY_ADDRESS to another host:port."
        )


def var_dir() -> Path:
    path = config.var_dir()  # databases, keys and logs: their owner's only
    (path / "log").mkdir(exist_ok=True, mode=0o700)
    return path


# --- the four processes ------------------------------------------------------------


class Child:
    """One ``nameko run`` process whose output is prefixed, shown and logged."""

    def __init__(self, name: str, log_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.expected_exit = False
        command = [
            sys.executable, "-m", "nameko", "run",
            "--config", f"deploy/config/{name}.yml", f"services.{name}.service",
        ]
        self.log = open(self.log_path, "a", encoding="utf-8")
        self.log.write(f"--- started {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(command)}\n")
        # A session of its own: Ctrl-C reaches only this script, which stops the
        # children in order instead of all of them racing on the same SIGINT.
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
        self.pump = threading.Thread(target=self._pump, name=f"pump-{name}", daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        prefix = f"{self.name:<9} | "
        if sys.stdout.isatty():
            prefix = f"\033[{COLOURS[self.name]}m{prefix}\033[0m"
        assert self.process.stdout is not None
        for line in self.process.stdout:
            sys.stdout.write(prefix + line)
            sys.stdout.flush()
            self.log.write(line)
            self.log.flush()

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self.pump.join(timeout=2)
        self.log.close()


def child_env(name: str) -> dict[str, str]:
    from shared.broker_users import uri

    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    # Each process logs in as its own broker user; the admin login stays here.
    env["AMQP_URI"] = uri(name)
    env.pop("RABBITMQ_ADMIN_URI", None)
    # nameko 2.14's CLI imports pkg_resources and eventlet, which both warn on every
    # start; only those two imports are silenced, anything the services warn shows.
    quiet = "ignore::UserWarning:nameko.cli.main,ignore::Warning:nameko.cli.commands"
    env["PYTHONWARNINGS"] = ",".join(filter(None, (quiet, os.environ.get("PYTHONWARNINGS"))))
    return env


def start_all(log_dir: Path) -> list[Child]:
    children = []
    for name in PROCESSES:
        children.append(Child(name, log_dir, child_env(name)))
        say(f"started {name} (pid {children[-1].process.pid}, log {children[-1].log_path})")
    return children


def stop_all(children: list[Child]) -> None:
    if not children:
        return
    for child in children:
        child.expected_exit = True
    running = [c for c in children if c.alive()]
    if running:
        say("stopping " + ", ".join(c.name for c in running) + " ...")
    for child in running:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    wait_until(lambda: not any(c.alive() for c in children), deadline, interval=0.2)
    for child in children:
        if child.alive():
            say(f"{child.name} did not stop within {STOP_TIMEOUT:.0f}s; killing it")
            child.signal(signal.SIGKILL)
            child.process.wait(timeout=5)
    for child in children:
        child.close()
    say("all stopped")


def first_dead(children: list[Child]) -> Child | None:
    return next((c for c in children if not c.alive() and not c.expected_exit), None)


def report_death(child: Child) -> None:
    say(
        f"{child.name} exited unexpectedly (exit code {child.process.returncode}); "
        f"its output is above and in {child.log_path}. Stopping the others."
    )


# --- health and the banner ---------------------------------------------------------


def health(url: str) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body = response.read().decode("utf-8", "replace")
            ok = response.status == 200 and json.loads(body).get("status") == "ok"
            return ok, body
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code}: {error.read().decode('utf-8', 'replace')[:300]}"
    except (OSError, ValueError) as error:
        return False, str(error)


def wait_for_health(url: str, children: list[Child], stop: threading.Event) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    last = ""
    while time.monotonic() < deadline and not stop.is_set():
        dead = first_dead(children)
        if dead:
            report_death(dead)
            raise StartupError(f"{dead.name} did not start")
        ok, last = health(url)
        if ok:
            return
        stop.wait(1.0)
    if stop.is_set():
        return
    raise StartupError(f"{url} did not say ok within {HEALTH_TIMEOUT:.0f}s; last answer: {last}")


def venv_bin(program: str) -> str:
    path = Path(sys.executable).parent / program
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_banner(base_url: str, log_dir: Path) -> None:
    lgv = venv_bin("lgv")
    print(
        f"""
  The system is up.
    gateway   {base_url}   (API under {base_url}/api/v1, spec at {base_url}/openapi.json)
    logs      {log_dir}/

  Open the web page with a sign-in link (paste what this prints into a browser):
    {lgv} token issue --role consultant --region hovedstaden --name you --link

  Or get a token and try the API:
    TOKEN=$({lgv} token issue --role coordinator --name you)
    curl -s -H "Authorization: Bearer $TOKEN" '{base_url}/api/v1/referrals?status=waiting'

  An integrator's broker login (CONTRACTS.md §4.1): {lgv} broker uri intake

  Ctrl-C stops all four processes.
""",
        flush=True,
    )


# --- main --------------------------------------------------------------------------


def supervise(children: list[Child], stop: threading.Event) -> int:
    while not stop.wait(0.5):
        dead = first_dead(children)
        if dead:
            report_death(dead)
            return 1
    return 0


def main() -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        say(f"got {signal.Signals(signum).name}")
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    children: list[Child] = []
    try:
        check_python_env()
        admin_uri = os.environ.get("RABBITMQ_ADMIN_URI", config.DEFAULT_AMQP_URI)
        ensure_broker(admin_uri)
        ensure_management(admin_uri)
        provision_broker()
        host, port = split_address(config.gateway_address(), 8000)
        ensure_gateway_port_free(host, port)
        log_dir = var_dir() / "log"
        children = start_all(log_dir)
        base_url = f"http://{local_host(host)}:{port}"
        wait_for_health(f"{base_url}/health", children, stop)
        if stop.is_set():
            return 0
        print_banner(base_url, log_dir)
        return supervise(children, stop)
    except StartupError as error:
        say(f"error: {error}")
        return 1
    finally:
        stop_all(children)


if __name__ == "__main__":
    sys.exit(main())
