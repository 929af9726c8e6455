"""Commands the matching service takes from the gateway (``shared.commands``, which the
gateway validates with too; events live in ``shared.contracts``)."""
from __future__ import annotations

from shared.commands import MatchParticipant, RegisterVolunteer, ScreenVolunteer, TrainVolunteer

__all__ = ["MatchParticipant", "RegisterVolunteer", "ScreenVolunteer", "TrainVolunteer"]
