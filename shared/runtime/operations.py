"""RPC methods every service offers operators: health, status and the dead-letter store."""
from __future__ import annotations

from typing import Any

from shared import config, deadletters, status
from shared.contracts import public_view
from shared.errors import NotFound
from shared.paging import check_limit, decode_cursor, page
from shared.redrive import redrive
from shared.runtime.counters import CONSUMER_ERRORS
from shared.runtime.rpc import rpc


class Operations:
    """Mixed into each service class; expects a ``db`` dependency (``Storage``)."""

    db: Any

    @rpc
    def health(self) -> str:
        with self.db.reading() as conn:
            conn.exec_driver_sql("SELECT 1")
        return "ok"

    @rpc
    def status(self) -> dict[str, Any]:
        """Backlog, dead letters, parked events, position; ``consumer_errors`` counts since this instance started."""
        with self.db.reading() as conn:
            figures = status.figures(conn)
        return {**figures, "consumer_errors": CONSUMER_ERRORS.value}

    @rpc
    def audit_trail(self, subject_id: str, include_personal: bool = False) -> dict[str, Any]:
        """Every event in this service's store about a referral, volunteer or match, in order.

        Identifying fields (``PRIVATE_FIELDS``) only for roles that may see personal data.
        """
        with self.db.reading() as conn:
            found = self.db.store.about(conn, subject_id)
        items = [event.to_dict() for event in found]
        return {"items": items if include_personal else [public_view(item) for item in items]}

    @rpc
    def list_dead_letters(self, filters: dict[str, Any], limit: int = 50,
                          cursor: str | None = None) -> dict[str, Any]:
        offset, limit = decode_cursor(cursor), check_limit(limit)
        with self.db.reading() as conn:
            rows = deadletters.list_page(conn, (filters or {}).get("status"), offset, limit + 1)
        return page(rows, offset, limit)

    @rpc
    def get_dead_letter(self, dead_letter_id: int) -> dict[str, Any]:
        with self.db.reading() as conn:
            letter = deadletters.get(conn, int(dead_letter_id))
        if letter is None:
            raise NotFound(f"no dead letter {dead_letter_id} in {self.db.service}")
        return letter

    @rpc
    def redrive_dead_letter(self, dead_letter_id: int, body: str | None = None) -> dict[str, Any]:
        return redrive(self.db, config.amqp_uri(), int(dead_letter_id), body)
