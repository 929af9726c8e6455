"""The master key: it wraps every data key, and is never stored beside the data.

Read from ``LGV_MASTER_KEY`` (32 random bytes, URL-safe base64) or else from
``var/master.key``, which is created (mode 0600) on first use. Each service
database keeps a *key check value*, the master key's own encryption of a fixed
text, so a service started with the wrong key stops with a clear error instead of
reading garbage or wrapping new data keys under a key nobody else holds.
"""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared import config

KEY_BYTES = 32
NONCE_BYTES = 12
_CHECK_TEXT = b"lgv master key check"
_WRAP_CONTEXT = b"lgv data key\x00"


class WrongMasterKey(Exception):
    """The master key at hand is not the one this database's data keys are wrapped under."""


class MasterKey:
    """AES-256-GCM over data keys, with the subject id bound in as associated data."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a master key is {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)
        self.key = key

    def wrap(self, subject_id: str, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, _WRAP_CONTEXT + subject_id.encode())

    def unwrap(self, subject_id: str, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                      _WRAP_CONTEXT + subject_id.encode())
        except InvalidTag as exc:
            raise WrongMasterKey(f"the data key of {subject_id} does not open under this master key") from exc

    def check_value(self) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, _CHECK_TEXT, None)

    def matches(self, check_value: bytes) -> bool:
        try:
            return self._aead.decrypt(check_value[:NONCE_BYTES], check_value[NONCE_BYTES:],
                                      None) == _CHECK_TEXT
        except InvalidTag:
            return False


def generate() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise WrongMasterKey(f"{where} is not URL-safe base64") from exc
    if len(key) != KEY_BYTES:
        raise WrongMasterKey(f"{where} must hold {KEY_BYTES} bytes, not {len(key)}")
    return key


def key_file() -> Path:
    return config.var_dir() / "master.key"


def write_key_file(path: Path, key: bytes, *, replace: bool) -> bool:
    """Write a key file readable by its owner only, whole or not at all.

    Without ``replace`` an existing file wins (False): services starting together
    must all end up with the one key, whichever of them created it.
    """
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(encode(key) + "\n")
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(partial, path)
            return True
        try:
            os.link(partial, path)  # atomic, and refuses when another process got there first
        except FileExistsError:
            return False
        return True
    finally:
        partial.unlink(missing_ok=True)


def load() -> MasterKey:
    """The master key from ``LGV_MASTER_KEY`` or ``var/master.key`` (created when neither exists)."""
    given = config.master_key()
    if given:
        return MasterKey(decode(given, "LGV_MASTER_KEY"))
    path = key_file()
    if not path.exists():
        write_key_file(path, generate(), replace=False)
    os.chmod(path, 0o600)
    return MasterKey(decode(path.read_text(encoding="ascii"), str(path)))
