"""``lgv replay`` from the command line: verdicts on stdout, the progress of a long run on stderr."""
from __future__ import annotations

import os
import subprocess

from click.testing import CliRunner

from cli.main import main
from cli.services import open_database
from services.referrals.service import INBOX_HANDLERS as HANDLERS
from shared import replay
from shared.consumption import APPLIED, Delivery, consume
from shared.verify import verify
from tests.support import events as ev
from tests.support.cli import LGV


def _submitted(count: int) -> None:
    db = open_database("referrals")
    for _ in range(count):
        delivery = Delivery(ev.body(ev.referral_submitted()), "intake.events", "referral_submitted")
        assert consume(db, HANDLERS, delivery, 5) == APPLIED
    db.engine.dispose()


def test_verify_tells_how_many_events_each_batch_of_its_rebuild_read(var_dir):
    _submitted(3)
    db = open_database("referrals")
    told: list[int] = []
    assert all(check.same for check in verify(db, progress=told.append))
    assert told and all(told) and sum(told) == replay.count_events(db) > 0
    db.engine.dispose()


def test_verify_shows_its_progress_on_stderr_and_its_verdicts_on_stdout(var_dir):
    _submitted(2)
    done = CliRunner().invoke(main, ["replay", "referrals", "--verify"])
    assert done.exit_code == 0, done.output
    assert "referrals.referrals: same  live 2 rows  rebuilt 2 rows" in done.stdout
    # Off a terminal the bar is its label alone, once; on one it is drawn as the rebuild reads.
    assert done.stderr.split() == ["referrals"]
    assert all(line.startswith("referrals.referrals: ") for line in done.stdout.splitlines())


def test_on_a_terminal_the_verify_bar_is_drawn_to_its_end(var_dir):
    _submitted(2)
    primary, secondary = os.openpty()
    try:
        done = subprocess.run([*LGV, "replay", "referrals", "--verify"], env=os.environ.copy(),
                              stdout=subprocess.PIPE, stderr=secondary, timeout=120)
    finally:
        os.close(secondary)
    drawn = b""
    try:
        while chunk := os.read(primary, 4096):
            drawn += chunk
    except OSError:  # the terminal's other end is closed: all of it is read
        pass
    finally:
        os.close(primary)
    assert done.returncode == 0
    assert b"100%" in drawn and b"same" not in drawn
    assert b"referrals.referrals: same" in done.stdout
