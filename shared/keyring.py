"""Data keys, one per data subject, kept wrapped in the service's own database.

Crypto-shredding: everything identifying about a subject (a participant = a
referral, a volunteer, a match's notes, a kept message body) is sealed with
AES-256-GCM under that subject's data key, with the subject id as associated
data, so a sealed value cannot be moved to another subject. Destroying the key
(``destroy``) erases the data wherever a copy of the sealed value lies: events,
projections, backups. A destroyed key leaves a tombstone row, so what arrives
later for that subject is dropped rather than sealed under a fresh key.

A sealed value is one string, ``lgv-sealed:1:<subject id>:<base64 nonce+ciphertext>``,
so it fits any text column and names the key that opens it.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from collections import OrderedDict
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    LargeBinary,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from shared import driver_statements, json_text, masterkey
from shared.db import UtcDateTime
from shared.envelope import utcnow
from shared.eventstore import metadata
from shared.masterkey import MasterKey, WrongMasterKey
from shared.runtime.counters import SEALED_VALUES_UNREADABLE

PREFIX = "lgv-sealed:1:"

subject_keys = Table(
    "subject_keys", metadata,
    Column("subject_id", String(200), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("wrapped_key", LargeBinary),  # null once destroyed: the subject is erased
    Column("created_at", UtcDateTime(), nullable=False),
    Column("erased_at", UtcDateTime()),
)

key_check = Table(
    "key_check", metadata,
    Column("id", Integer, primary_key=True),
    Column("check_value", LargeBinary, nullable=False),
)


log = logging.getLogger(__name__)

# Every new subject runs these: built once.
_WRAPPED = select(subject_keys.c.wrapped_key).where(subject_keys.c.subject_id == bindparam("b_subject"))
_CHECK_VALUE = select(key_check.c.check_value).where(key_check.c.id == 1)
_NEW_KEY = {"sqlite": sqlite_insert(subject_keys).on_conflict_do_nothing(),
            "postgresql": postgresql_insert(subject_keys).on_conflict_do_nothing()}


# Set on a connection whose transaction destroyed keys (``ServiceDatabase.transaction``
# then has the database drop the old copies its files may hold: ``shared.db.forget_freed``).
KEYS_DESTROYED = "lgv.keys_destroyed"

class Erased:
    """What a sealed value reads as once its subject's key is destroyed."""

    def __repr__(self) -> str:
        return "ERASED"


ERASED = Erased()


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def subject_of(token: str) -> str:
    return token[len(PREFIX):].rpartition(":")[0]


class Keyring:
    """Seal and open values under per-subject data keys wrapped by the master key."""

    def __init__(self, master: MasterKey | None = None, cache_size: int = 4096) -> None:
        self._master = master
        self._cache: OrderedDict[bytes, AESGCM] = OrderedDict()
        self._cache_size = cache_size
        self._checked: bytes | None = None

    @property
    def master(self) -> MasterKey:
        if self._master is None:
            self._master = masterkey.load()
        return self._master

    def check(self, conn: Connection) -> None:
        """Refuse a master key other than the one this database's keys are wrapped under.

        Once per transaction: what it read stays what this transaction sees.
        """
        transaction = conn.get_transaction()
        if transaction is not None and conn.info.get(_CHECKED_IN) is transaction:
            return
        row = conn.execute(_CHECK_VALUE).first()
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(key_check).values(id=1, check_value=self.master.check_value()))
                return
            except IntegrityError:  # another instance started at the same moment: check theirs
                row = conn.execute(select(key_check.c.check_value).where(key_check.c.id == 1)).one()
        if row.check_value != self._checked:
            if not self.master.matches(row.check_value):
                raise WrongMasterKey(
                    "the master key (LGV_MASTER_KEY or var/master.key) is not the one this "
                    "database's data keys are wrapped under; restore the right key, or after "
                    "`lgv keys rotate` restart with the new one")
            self._checked = row.check_value
        conn.info[_CHECKED_IN] = transaction

    def seal(self, conn: Connection, subject_id: str, value: Any, kind: str) -> str | None:
        """``value`` (any JSON) sealed under the subject's key; None when the subject is erased."""
        aead = self._key(conn, subject_id, kind, create=True)
        if aead is None:
            return None
        nonce = os.urandom(masterkey.NONCE_BYTES)
        plain = json_text.dumps(value).encode("utf-8")
        sealed = nonce + aead.encrypt(nonce, plain, subject_id.encode("utf-8"))
        return f"{PREFIX}{subject_id}:{base64.b64encode(sealed).decode('ascii')}"

    def open(self, conn: Connection, value: Any) -> Any:
        """The value a token was sealed from, ``ERASED`` if its key is gone; plain values as they are.

        A token whose key exists but which does not authenticate (damaged or tampered with at
        rest) is not an erasure: it reads as None, is logged with its subject id (never the
        value) and counted in ``SEALED_VALUES_UNREADABLE`` (``/metrics``).
        """
        if not is_sealed(value):
            return value
        subject_id, _, data = value[len(PREFIX):].rpartition(":")
        aead = self._key(conn, subject_id, "", create=False)
        if aead is None:
            return ERASED
        try:
            raw = base64.b64decode(data, validate=True)
            plain = aead.decrypt(raw[:masterkey.NONCE_BYTES], raw[masterkey.NONCE_BYTES:],
                                 subject_id.encode("utf-8"))
        except (InvalidTag, ValueError):
            SEALED_VALUES_UNREADABLE.add()
            log.warning("a sealed value of subject %s failed authentication (damaged or tampered "
                        "with); it reads as null", subject_id)
            return None
        return json.loads(plain)

    def seal_body(self, conn: Connection, body: str, kind: str) -> str:
        """A kept message body under a key of its own (a body may hold anyone's data)."""
        subject_id = f"{kind}-{uuid.uuid4()}"
        sealed = self.seal(conn, subject_id, body, kind)
        assert sealed is not None
        return sealed

    def erased(self, conn: Connection, subject_id: str) -> bool:
        row = conn.execute(_WRAPPED, {"b_subject": subject_id}).first()
        return row is not None and row.wrapped_key is None

    def destroy(self, conn: Connection, subject_ids: list[str], kind: str) -> int:
        """Destroy the subjects' keys (tombstones for subjects never seen); returns how many were live."""
        destroyed = 0
        conn.info[KEYS_DESTROYED] = True  # the database's files are cleared after the commit
        conn.info.pop(_CREATED, None)
        for subject_id in subject_ids:
            row = conn.execute(select(subject_keys.c.wrapped_key)
                               .where(subject_keys.c.subject_id == subject_id)).first()
            if row is None:
                conn.execute(insert(subject_keys).values(
                    subject_id=subject_id, kind=kind, wrapped_key=None, created_at=utcnow(),
                    erased_at=utcnow()))
            elif row.wrapped_key is not None:
                conn.execute(update(subject_keys).where(subject_keys.c.subject_id == subject_id)
                             .values(wrapped_key=None, erased_at=utcnow()))
                self._cache.pop(row.wrapped_key, None)
                destroyed += 1
        return destroyed

    def wrapped_under(self, conn: Connection, master: MasterKey) -> bool:
        """Whether this database's keys are wrapped under ``master`` (by its key check value)."""
        row = conn.execute(select(key_check.c.check_value).where(key_check.c.id == 1)).first()
        return row is not None and master.matches(row.check_value)

    def rewrap(self, conn: Connection, new: MasterKey) -> int:
        """Re-wrap every live data key under ``new``; the sealed data itself is not touched."""
        self.check(conn)
        rows = conn.execute(select(subject_keys.c.subject_id, subject_keys.c.wrapped_key)
                            .where(subject_keys.c.wrapped_key.is_not(None))).all()
        for row in rows:
            data_key = self.master.unwrap(row.subject_id, row.wrapped_key)
            conn.execute(update(subject_keys).where(subject_keys.c.subject_id == row.subject_id)
                         .values(wrapped_key=new.wrap(row.subject_id, data_key)))
        conn.execute(update(key_check).where(key_check.c.id == 1)
                     .values(check_value=new.check_value()))
        conn.info.pop(_CHECKED_IN, None)  # this keyring's master no longer matches
        return len(rows)

    def _key(self, conn: Connection, subject_id: str, kind: str, *, create: bool) -> AESGCM | None:
        created = _created_here(conn)
        if created is not None and subject_id in created:
            return created[subject_id]
        row = driver_statements.first_row(conn, _WRAPPED, {"b_subject": subject_id})
        if row is None:
            return self._create(conn, subject_id, kind) if create else None
        if row[0] is None:
            return None
        return self._unwrapped(subject_id, bytes(row[0]))

    def _unwrapped(self, subject_id: str, wrapped: bytes, data_key: bytes | None = None) -> AESGCM:
        """The subject's cipher for its wrapped key (``data_key``: what it wraps, when known here)."""
        aead = self._cache.get(wrapped)
        if aead is None:
            aead = AESGCM(data_key if data_key is not None else self.master.unwrap(subject_id, wrapped))
            self._cache[wrapped] = aead
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(wrapped)
        return aead

    def _create(self, conn: Connection, subject_id: str, kind: str) -> AESGCM | None:
        self.check(conn)  # never wrap a new key under a master key the database does not know
        data_key = AESGCM.generate_key(bit_length=256)
        wrapped = self.master.wrap(subject_id, data_key)
        row = {"subject_id": subject_id, "kind": kind, "wrapped_key": wrapped, "created_at": utcnow()}
        new_key = _NEW_KEY.get(conn.dialect.name)
        if new_key is not None:  # one statement, which leaves a key a concurrent writer made alone
            # Held in a consumer's batch (None), where any count but 1 fails the batch's hold.
            if driver_statements.write_later(conn, new_key, row, expect=1) not in (None, 1):
                return self._key(conn, subject_id, kind, create=False)
            aead = self._unwrapped(subject_id, wrapped, data_key)
            _note_created(conn, subject_id, aead)
            return aead
        try:
            with conn.begin_nested():
                conn.execute(insert(subject_keys).values(**row))
        except IntegrityError:
            return self._key(conn, subject_id, kind, create=False)  # a concurrent writer made it
        return self._unwrapped(subject_id, wrapped, data_key)


# Notes on a connection: the transaction that checked the master key, and the keys made in
# the innermost transaction (savepoint) now open, which later seals in it need not read back.
_CHECKED_IN = "lgv.key_checked_in"
_CREATED = "lgv.keys_created"


def _innermost(conn: Connection) -> Any:
    return conn.get_nested_transaction() or conn.get_transaction()


def _created_here(conn: Connection) -> dict[str, AESGCM] | None:
    """Keys made in the innermost transaction open now (rolled back to before them: none)."""
    found = conn.info.get(_CREATED)
    return found[1] if found is not None and found[0] is _innermost(conn) else None


def _note_created(conn: Connection, subject_id: str, aead: AESGCM) -> None:
    created = _created_here(conn)
    if created is None:
        created = {}
        conn.info[_CREATED] = (_innermost(conn), created)
    created[subject_id] = aead
