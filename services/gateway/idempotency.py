"""Idempotent writes: a POST repeated with the same ``Idempotency-Key`` gets the first answer.

Keys are kept per principal (role and name) in the gateway database for
``KEEP_FOR``, so a repeat after a gateway restart is still recognised. The
first request reserves its key before it runs; a concurrent repeat waits for
that answer rather than run a second time. The same key with another request
(method, path or body) is 422. Answers of 5xx are not kept: the client may
retry them.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.errors import Conflict, RuleViolated, ValidationFailed
from shared.validation import control_error

from . import database

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEEP_FOR = timedelta(hours=24)
# A request still unanswered after this long died with its gateway; a repeat may take over.
ABANDONED_AFTER = timedelta(seconds=60)
WAIT_FOR_FIRST = 30.0
POLL_SECONDS = 0.05

_keys = database.idempotency_keys


@dataclass(frozen=True)
class Answer:
    """A kept answer: replayed as it was first given."""

    status: int
    body: str
    content_type: str


def check_key(key: str) -> str:
    """A usable key: 1 to 200 characters, no control characters; 400 otherwise."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or control_error(key):
        raise ValidationFailed(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
                               {HEADER: [f"1..{MAX_KEY_LENGTH} printable characters"]})
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same request" for one key."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogateescape"), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def once(principal: str, key: str, print_: str, run: Callable[[], Answer],
         now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> tuple[Answer, bool]:
    """The answer for ``key``: ``run()``'s if this is its first use, else the kept one.

    Returns the answer and whether it was replayed.
    """
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        kept = _reserve(principal, key, print_, now())
        if kept is _RESERVED:
            break
        if isinstance(kept, Answer):
            return kept, True
        if time.monotonic() > deadline:
            raise Conflict(f"A request with this {HEADER} is still being answered; retry shortly.")
        time.sleep(POLL_SECONDS)  # the first request is still running
    try:
        answer = run()
    except BaseException:
        _release(principal, key)
        raise
    if answer.status >= 500:
        _release(principal, key)
    else:
        _keep(principal, key, answer)
    return answer, False


class _Reserved:
    pass


class _Pending:
    pass


_RESERVED, _PENDING = _Reserved(), _Pending()


def _reserve(principal: str, key: str, print_: str, at: datetime) -> Answer | _Reserved | _Pending:
    try:
        with database.engine().begin() as conn:
            conn.execute(delete(_keys).where(_keys.c.created_at < at - KEEP_FOR))
            row = conn.execute(select(_keys).where(_keys.c.principal == principal, _keys.c.key == key)).first()
            if row is None:
                conn.execute(insert(_keys).values(principal=principal, key=key, fingerprint=print_,
                                                  created_at=at))
                return _RESERVED
            if row.fingerprint != print_:
                raise RuleViolated(f"This {HEADER} was used for another request; use a new key.")
            if row.status is not None:
                return Answer(row.status, row.body or "", row.content_type or "application/json")
            return _take_over_abandoned(conn, principal, key, at)
    except IntegrityError:  # a concurrent first use inserted it: read it on the next turn
        return _PENDING


def _take_over_abandoned(conn: Connection, principal: str, key: str, at: datetime) -> _Reserved | _Pending:
    taken = conn.execute(
        update(_keys).where(and_(_keys.c.principal == principal, _keys.c.key == key,
                                 _keys.c.status.is_(None), _keys.c.created_at < at - ABANDONED_AFTER))
        .values(created_at=at))
    return _RESERVED if taken.rowcount == 1 else _PENDING


def _keep(principal: str, key: str, answer: Answer) -> None:
    with database.engine().begin() as conn:
        conn.execute(update(_keys).where(_keys.c.principal == principal, _keys.c.key == key)
                     .values(status=answer.status, body=answer.body, content_type=answer.content_type))


def _release(principal: str, key: str) -> None:
    with database.engine().begin() as conn:
        conn.execute(delete(_keys).where(_keys.c.principal == principal, _keys.c.key == key,
                                         _keys.c.status.is_(None)))
