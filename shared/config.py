"""Configuration from the environment, read in one place, with laptop defaults."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("referrals", "matching", "followup")

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_GATEWAY_ADDRESS = "127.0.0.1:8000"
# The JSON configuration files a deployment may replace (data, not code).
REFERENCE_FILE = "LGV_REFERENCE_FILE"
MATCHING_WEIGHTS_FILE = "LGV_MATCHING_WEIGHTS_FILE"
FOLLOWUP_POLICY_FILE = "LGV_FOLLOWUP_POLICY_FILE"


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def var_dir() -> Path:
    """Where SQLite files, keys, the token secret and logs live (``LGV_VAR_DIR``), owner only."""
    path = Path(os.environ.get("LGV_VAR_DIR", REPO_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def database_url(service: str) -> str:
    """``<SERVICE>_DATABASE_URL`` or a SQLite file under ``var/``."""
    return os.environ.get(f"{service.upper()}_DATABASE_URL") or _sqlite(service)


def gateway_database_url() -> str:
    """``GATEWAY_DATABASE_URL`` or ``var/gateway.db`` (the gateway's own tokens, answers, access log)."""
    return os.environ.get("GATEWAY_DATABASE_URL") or _sqlite("gateway")


def _sqlite(name: str) -> str:
    return f"sqlite:///{var_dir() / (name + '.db')}"


def reference_file(shipped: Path) -> Path:
    """``LGV_REFERENCE_FILE`` (regions, sites, codes) or the shipped file."""
    return _file(os.environ.get(REFERENCE_FILE), shipped)


def matching_weights_file(shipped: Path) -> Path:
    """``LGV_MATCHING_WEIGHTS_FILE`` (matching's ranking weights) or the shipped file."""
    return _file(os.environ.get(MATCHING_WEIGHTS_FILE), shipped)


def followup_policy_file(shipped: Path) -> Path:
    """``LGV_FOLLOWUP_POLICY_FILE`` (followup's contact cadence versions) or the shipped file."""
    return _file(os.environ.get(FOLLOWUP_POLICY_FILE), shipped)


def load_json(path: Path) -> Any:
    """A JSON configuration file's content (each caller parses and checks its own shape)."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _file(given: str | None, shipped: Path) -> Path:
    # An empty variable counts as unset, for every file alike.
    return Path(given) if given else shipped


def master_key() -> str | None:
    """``LGV_MASTER_KEY`` (base64), when the master key is given rather than kept in ``var/``."""
    return os.environ.get("LGV_MASTER_KEY") or None


def token_secret() -> str | None:
    """``LGV_SECRET``, when the token signing key is given rather than kept in a file."""
    return os.environ.get("LGV_SECRET") or None


def token_secret_file() -> Path:
    """``LGV_SECRET_FILE`` or ``var/secret.key``: kept where only the gateway and the CLI read."""
    explicit = os.environ.get("LGV_SECRET_FILE")
    return Path(explicit) if explicit else var_dir() / "secret.key"


def gateway_address() -> str:
    return os.environ.get("GATEWAY_ADDRESS", DEFAULT_GATEWAY_ADDRESS)


def public_url() -> str:
    """``LGV_PUBLIC_URL``: the gateway's address as a browser reaches it (sign-in links), no trailing /.

    Default ``http://<GATEWAY_ADDRESS>``, which is wrong when the gateway listens on
    ``0.0.0.0`` or behind a proxy (compose): set it there.
    """
    return (os.environ.get("LGV_PUBLIC_URL") or f"http://{gateway_address()}").rstrip("/")


def max_delivery_attempts() -> int:
    """How often a consumer tries one message before it is dead-lettered."""
    return int(os.environ.get("LGV_MAX_DELIVERY_ATTEMPTS", "5"))


def inbox_batch() -> int:
    """How many prefetched deliveries a consumer applies in one transaction, at most."""
    return max(1, int(os.environ.get("LGV_INBOX_BATCH", "100")))


def park_timeout_seconds() -> float:
    """How long an event may wait for its stream predecessor before it is dead-lettered."""
    return float(os.environ.get("LGV_PARK_TIMEOUT_SECONDS", "300"))


def sweep_interval_seconds() -> float:
    """How often parked events are retried and stale ones dead-lettered."""
    return float(os.environ.get("LGV_SWEEP_INTERVAL_SECONDS", "5"))


def reminder_interval_seconds() -> float:
    """How often followup's reminder run ticks (it publishes each due contact once)."""
    return float(os.environ.get("LGV_FOLLOWUP_REMINDER_SECONDS", "3600"))


def max_message_bytes() -> int:
    """The largest message a consumer reads; a larger one is kept as a dead letter, unread."""
    return int(os.environ.get("LGV_MAX_MESSAGE_BYTES", str(128 * 1024)))
