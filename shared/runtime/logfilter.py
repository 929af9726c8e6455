"""Logging filter: no traceback for errors nameko was told to expect (bad input, 404s)."""
from __future__ import annotations

import logging


class QuietExpectedErrors(logging.Filter):
    """nameko logs expected exceptions with their traceback; the message says enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
        return True
