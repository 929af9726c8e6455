"""A dead letter whose kept body fails authentication is not re-driven as it is (there is nothing to send)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from shared import deadletters
from shared.deadletters import Rejection, dead_letters
from shared.errors import RuleViolated
from shared.redrive import redrive
from tests.support.store import make_database


def test_a_tampered_body_asks_for_a_body_before_the_broker_is_contacted(tmp_path) -> None:
    db = make_database(f"sqlite:///{tmp_path / 'referrals.db'}")
    with db.engine.begin() as conn:
        letter_id = deadletters.keep(conn, db.keyring, exchange="intake.events", routing_key="referral_submitted",
                                     body='{"event_type": "referral_submitted"}', rejection=Rejection("bad", {}),
                                     attempts=1)
        sealed = conn.execute(select(dead_letters.c.body).where(dead_letters.c.id == letter_id)).scalar_one()
        flipped = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
        conn.execute(update(dead_letters).where(dead_letters.c.id == letter_id).values(body=flipped))
    with pytest.raises(RuleViolated, match="cannot be read; give a body"):
        redrive(db, "amqp://nobody:nothing@127.0.0.1:1/", letter_id)
    with db.reading() as conn:
        assert deadletters.get(conn, letter_id, db.keyring)["status"] == deadletters.OPEN
