"""What sealing personal data costs a consumer: its share of referrals' CPU per ``referral_submitted``.

In process, without the broker: referrals' own projection and handlers on a scratch SQLite
database, fed batches of intake deliveries as the inbox feeds them. Every identifying field
an event carries is sealed in ``shared.personal.seal_event`` (the consumed event and the event
it records), so the time spent there is what encryption costs; matching and followup get the
public view of ``referral_received`` and seal nothing for it, and a replay copies the sealed
values as stored.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared import unit_of_work
from shared.consumption import APPLIED, Delivery, consume_batch
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.unit_of_work import ServiceDatabase
from tests.support import events as ev

BATCH = 100


def sealing_share(scratch: Path, n: int) -> float:
    """The share (0–1) of referrals' consuming CPU spent sealing, over ``n`` new referrals."""
    from services.referrals.projection import PROJECTION
    from services.referrals.service import INBOX_HANDLERS

    scratch.mkdir(mode=0o700, exist_ok=True)
    db = ServiceDatabase("referrals", make_engine(f"sqlite:///{scratch / 'referrals.db'}"), PROJECTION, REGISTRY)
    db.upgrade_schema()
    deliveries = [Delivery(body=ev.body(ev.referral_submitted(external_ref=f"CTP-ENC-{scratch.name}-{i}")),
                           exchange="intake.events", routing_key="referral_submitted", user_id="intake")
                  for i in range(n)]
    sealing = [0.0]
    real = unit_of_work.seal_event
    unit_of_work.seal_event = _timed(real, sealing)  # type: ignore[assignment]
    try:
        started = time.process_time()
        for i in range(0, n, BATCH):
            outcomes = consume_batch(db, INBOX_HANDLERS, deliveries[i:i + BATCH], 5)
            assert set(outcomes) == {APPLIED}, set(outcomes)
        total = time.process_time() - started
    finally:
        unit_of_work.seal_event = real  # type: ignore[assignment]
        db.engine.dispose()
    return sealing[0] / total


def _timed(seal: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return seal(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - started
    return timed
