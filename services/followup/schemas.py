"""Commands the followup service takes from the gateway (``shared.commands``, which the
gateway validates with too; events live in ``shared.contracts``)."""
from __future__ import annotations

from shared.commands import CloseMatch, ReportCheckIn

__all__ = ["CloseMatch", "ReportCheckIn"]
