"""Logging filters: no traceback for errors nameko was told to expect (bad input, 404s), and
no RPC reply in a log line (a reply to an allowed read carries personal data)."""
from __future__ import annotations

import logging


class QuietExpectedErrors(logging.Filter):
    """nameko logs expected exceptions with their traceback; the message says enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
        return True


class WithholdReplies(logging.Filter):
    """nameko's RPC client logs every reply body at DEBUG; keep the line, not the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "nameko.rpc" and isinstance(record.msg, str) \
                and record.msg.startswith("RPC reply event complete") and isinstance(record.args, tuple):
            record.args = (*record.args[:1], "(reply withheld from the log)")
        return True
