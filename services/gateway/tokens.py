"""Bearer tokens: issued by the CLI, verified by the gateway, one signing key.

Tokens are HS256 JWTs naming a person (``sub``), with a bounded lifetime. The key
comes from ``LGV_SECRET`` or the file ``LGV_SECRET_FILE`` (default
``var/secret.key``, created 0600 on first use so a laptop works out of the box).
A key under 32 bytes is refused. Issued tokens and revocations are kept in the
gateway database (``token_registry``, which issues them); a token not recorded there, or
revoked, no longer verifies.
"""
from __future__ import annotations

import os
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt

from shared import config
from shared.envelope import checked_actor
from shared.errors import ValidationFailed

ALGORITHM = "HS256"
ROLES = ("coordinator", "consultant", "auditor", "system")
MIN_KEY_BYTES = 32
MAX_LIFETIME = timedelta(days=30)
# People get a working day; an integrating system a month (the most any token may have).
DEFAULT_LIFETIME = {"coordinator": timedelta(hours=12), "consultant": timedelta(hours=12),
                    "auditor": timedelta(hours=12), "system": MAX_LIFETIME}


class WeakSigningKey(RuntimeError):
    """The configured signing key is too short to sign tokens with."""


class TokenStatus(StrEnum):
    """Where an issued token stands (the gateway's own vocabulary, as ``lgv token list`` shows it)."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class IssuedToken:
    """What is recorded about a token: never the token itself."""

    token_id: str
    name: str
    role: str
    regions: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> TokenStatus:
        if self.revoked_at:
            return TokenStatus.REVOKED
        return TokenStatus.EXPIRED if self.expires_at <= now else TokenStatus.ACTIVE


def signing_key() -> str:
    """The HS256 secret: ``LGV_SECRET`` or the key file; ``WeakSigningKey`` when under 32 bytes."""
    from_env = config.token_secret()
    key, where = (from_env, "LGV_SECRET") if from_env else (_key_file(secret_file()), str(secret_file()))
    if len(key.encode("utf-8")) < MIN_KEY_BYTES:
        raise WeakSigningKey(
            f"the token signing key in {where} is {len(key.encode('utf-8'))} bytes; at least "
            f"{MIN_KEY_BYTES} are needed (e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
    return key


def secret_file() -> Path:
    """``LGV_SECRET_FILE`` or ``var/secret.key``: kept where only the gateway and the CLI read."""
    return config.token_secret_file()


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


def mint(role: str, regions: Iterable[str], name: str | None, lifetime: timedelta | None = None,
         now: datetime | None = None) -> tuple[str, IssuedToken]:
    """A signed token and what to record about it.

    A consultant needs at least one region; ``lifetime`` defaults by role
    (``DEFAULT_LIFETIME``) and may not exceed ``MAX_LIFETIME``.
    """
    name = (name or "").strip()
    if not name:
        raise ValueError("--name is required: the audit trail must say who acted")
    try:  # the name becomes every event's actor id: the envelope's bounds hold here already
        checked_actor({"kind": "consultant", "id": name})
    except ValidationFailed:
        raise ValueError("--name may be at most 200 characters, without control characters") from None
    regions = tuple(sorted(set(regions)))
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "consultant" and not regions:
        raise ValueError("a consultant token needs at least one --region")
    lifetime = DEFAULT_LIFETIME[role] if lifetime is None else lifetime
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError("a token lives more than no time and at most 30 days")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    record = IssuedToken(str(uuid.uuid4()), name, role, regions, issued, issued + lifetime)
    claims = {"sub": name, "role": role, "regions": list(regions), "iat": issued,
              "exp": record.expires_at, "jti": record.token_id}
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM), record


def verify(token: str, refusal: Callable[[str], str | None] | None = None) -> dict[str, Any]:
    """The claims of a valid, unexpired token; ``jwt.InvalidTokenError`` otherwise.

    ``refusal(jti)`` says why a well-signed token may not be used (e.g. revoked), or None.
    """
    claims = _checked_claims(token, signing_key())
    refused = refusal(str(claims["jti"])) if refusal is not None else None
    if refused:
        raise jwt.InvalidTokenError(refused)
    return claims


# Tokens whose signature and claims were checked, by (key, token): a token is presented on
# every request, and checking it again (base64, JSON, HMAC, claims) gives the same answer
# until it expires, which is checked every time. Revocation is not cached (``refusal``).
_checked: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
CHECKED_TOKENS_KEPT = 1024


def _checked_claims(token: str, key: str) -> dict[str, Any]:
    known = _checked.get((key, token))
    if known is not None and known["exp"] > time.time():  # as PyJWT: expired at exp
        _checked.move_to_end((key, token))
        return known
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=[ALGORITHM],
                                        options={"require": ["sub", "role", "exp", "iat", "jti"]})
    if not isinstance(claims["exp"], int | float) or not isinstance(claims["iat"], int | float):
        raise jwt.InvalidTokenError("its times are not numbers")
    if claims["exp"] - claims["iat"] > MAX_LIFETIME.total_seconds():
        raise jwt.InvalidTokenError("it lives longer than 30 days")
    _checked[(key, token)] = claims
    if len(_checked) > CHECKED_TOKENS_KEPT:
        _checked.popitem(last=False)
    return claims


def subject_of(token: str) -> str | None:
    """Whom an authentically signed token names, even an expired or revoked one (for logs)."""
    try:
        claims = jwt.decode(token, signing_key(), algorithms=[ALGORITHM],
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    except (jwt.InvalidTokenError, WeakSigningKey):
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
