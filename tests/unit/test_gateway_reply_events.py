"""The gateway's reply listener forgets a caller that gave up, and still wakes one that waits."""
from __future__ import annotations

import gc
from types import SimpleNamespace

from services.gateway.replies import ReplyListener


def _reply(correlation_id: str) -> SimpleNamespace:
    return SimpleNamespace(properties={"correlation_id": correlation_id})


def test_a_call_that_timed_out_leaves_nothing_behind():
    listener = ReplyListener()
    event = listener.get_reply_event("gave-up")
    assert "gave-up" in listener._reply_events
    del event  # the caller's timeout unwound its frame: nobody waits for this reply
    gc.collect()
    assert "gave-up" not in listener._reply_events


def test_a_waiting_caller_gets_its_reply_and_a_late_one_is_dropped():
    listener = ReplyListener()
    event = listener.get_reply_event("waiting")
    listener.handle_message({"result": 1}, _reply("waiting"))
    assert event.ready() and event.wait() == {"result": 1}
    assert "waiting" not in listener._reply_events
    listener.handle_message({"result": 2}, _reply("nobody"))  # no caller any more: dropped
    assert list(listener._reply_events) == []
