"""``@rpc`` for the services: a client's mistake is a warning in the log, not an error."""
from __future__ import annotations

from nameko.rpc import rpc as nameko_rpc

from shared.errors import LgvError

rpc = nameko_rpc(expected_exceptions=LgvError)
