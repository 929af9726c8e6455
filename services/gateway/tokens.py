"""Bearer tokens: issued by the CLI, verified by the gateway, one signing key.

Tokens are HS256 JWTs.  The key comes from ``LGV_SECRET`` or, failing that, from
``var/secret.key``, created with mode 0600 on first use so a laptop works out of
the box and every process on it agrees on the key.
"""
from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

from shared.config import var_dir

ALGORITHM = "HS256"
ROLES = ("coordinator", "consultant", "auditor", "system")
DEFAULT_DAYS = 30
SECRET_FILE = "secret.key"


def signing_key() -> str:
    """The shared HS256 secret: ``LGV_SECRET`` or the key file under ``var/``."""
    from_env = os.environ.get("LGV_SECRET")
    if from_env:
        return from_env
    return _key_file(var_dir() / SECRET_FILE)


def _key_file(path: Path) -> str:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    # O_EXCL makes the first writer win when two processes start together.
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _read_key(path: Path, attempts: int = 50) -> str:
    # Another process may have created the file and not yet written the key.
    for _ in range(attempts):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty; delete it to have a new key made")


def issue(
    role: str,
    regions: Iterable[str] = (),
    name: str | None = None,
    days: float = DEFAULT_DAYS,
    now: datetime | None = None,
) -> str:
    """Sign a token for ``role``; a consultant needs at least one region."""
    regions = sorted(set(regions))
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "consultant" and not regions:
        raise ValueError("a consultant token needs at least one --region")
    if days <= 0:
        raise ValueError("--days must be positive")
    issued = now or datetime.now(UTC)
    claims = {
        "sub": name or role,
        "role": role,
        "regions": regions,
        "iat": issued,
        "exp": issued + timedelta(days=days),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM)


def verify(token: str) -> dict[str, Any]:
    """The claims of a valid, unexpired token; ``jwt.InvalidTokenError`` otherwise."""
    return jwt.decode(
        token,
        signing_key(),
        algorithms=[ALGORITHM],
        options={"require": ["sub", "role", "exp", "iat", "jti"]},
    )
