"""``lgv keys rotate`` and ``lgv erase`` on a service database, as an operator runs them."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from cli.main import main
from cli.services import open_database
from services.referrals import queries
from services.referrals.service import INBOX_HANDLERS as HANDLERS
from shared import masterkey
from shared.consumption import APPLIED, Delivery, consume
from shared.masterkey import WrongMasterKey
from tests.support import events as ev

CANARY = "Canary-Rot8"


def submitted_referral() -> str:
    db = open_database("referrals")
    message = ev.referral_submitted(personal={"name": CANARY})
    delivery = Delivery(ev.body(message), "intake.events", "referral_submitted")
    assert consume(db, HANDLERS, delivery, 5) == APPLIED
    with db.reading() as conn:
        [row] = queries.list_referrals(conn, {}, 10, None, date.today())["items"]
    return row["referral_id"]


def read(referral_id: str) -> dict:
    db = open_database("referrals")
    with db.reading() as conn:
        return queries.get_referral(conn, referral_id, True, date.today(), db.keyring)


def test_rotation_rewraps_the_keys_and_the_old_master_key_no_longer_opens_them(var_dir, monkeypatch):
    monkeypatch.delenv("LGV_MASTER_KEY", raising=False)
    referral_id = submitted_referral()
    old = masterkey.key_file().read_text()
    done = CliRunner().invoke(main, ["keys", "rotate"])
    assert done.exit_code == 0, done.output
    assert "referrals: 1 data keys re-wrapped" in done.output
    assert masterkey.key_file().read_text() != old
    assert oct(masterkey.key_file().stat().st_mode & 0o777) == oct(0o600)
    assert read(referral_id)["personal"] == {"name": CANARY}
    monkeypatch.setenv("LGV_MASTER_KEY", old.strip())
    with pytest.raises(WrongMasterKey, match="not the one"):
        open_database("referrals")


def test_erase_from_the_command_line_once_twice_and_for_nobody(var_dir):
    referral_id = submitted_referral()
    runner = CliRunner()
    for _ in range(2):
        done = runner.invoke(main, ["erase", "referral", referral_id, "--reason", "asked", "--by", "Coordinator A"])
        assert done.exit_code == 0, done.output
    assert (read(referral_id)["personal"], read(referral_id)["erased"]) == (None, True)
    missing = runner.invoke(main, ["erase", "volunteer", "no-such-volunteer", "--reason", "asked"])
    assert missing.exit_code == 1 and "no volunteer no-such-volunteer" in missing.output
    db = open_database("referrals")
    with db.reading() as conn:
        trail = db.store.about(conn, referral_id)
    assert [e.event_type for e in trail][-1] == "subject_erased"
    assert trail[-1].actor == {"kind": "consultant", "id": "Coordinator A", "role": "coordinator"}
    assert sum(e.event_type == "subject_erased" for e in trail) == 1
