"""RPC methods every service offers operators: health, status and the dead-letter store."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from shared import access_log, config, deadletters, status
from shared.envelope import Event
from shared.errors import NotFound
from shared.keyring import Keyring
from shared.paging import check_limit, decode_position, encode_position
from shared.personal import disclosed_fields, open_fields, public_view
from shared.redrive import redrive
from shared.runtime.counters import CONSUMER_ERRORS, SEALED_VALUES_UNREADABLE
from shared.runtime.rpc import rpc


def _opened(keyring: Keyring, conn: Connection, event: Event) -> dict[str, Any]:
    payload, erased = open_fields(keyring, conn, event)
    item = {**event.to_dict(), "payload": payload}
    return {**item, "erased_fields": erased} if erased else item


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
        """Backlog, dead letters, parked events, position.

        ``consumer_errors`` and ``sealed_values_unreadable`` count since this instance started.
        """
        with self.db.reading() as conn:
            figures = status.figures(conn)
        return {**figures, "consumer_errors": CONSUMER_ERRORS.value,
                "sealed_values_unreadable": SEALED_VALUES_UNREADABLE.value}

    @rpc
    def audit_trail(self, subject_id: str, include_personal: bool = False, limit: int = 50,
                    cursor: str | None = None, reader: dict[str, Any] | None = None) -> dict[str, Any]:
        """A page of the events in this store about a referral, volunteer or match (exact id).

        In (recorded_at, event_id) order, the same in every service, so the gateway
        merges the three. Identifying fields (``shared.personal``) opened only for
        roles that may see personal data; once erased they read as null, named in
        ``erased_fields``; then the ``reader`` is recorded in the access log.
        """
        after, limit = decode_position(cursor), check_limit(limit)
        with self.db.reading() as conn:
            found = self.db.store.about(conn, subject_id, after, limit + 1)
            if include_personal:
                items = [_opened(self.db.keyring, conn, event) for event in found[:limit]]
            else:
                items = [public_view(event.to_dict()) for event in found[:limit]]
        if include_personal:
            self.disclosed(reader, kind="audit_trail", subject_id=subject_id,
                           fields=[name for item in items for name in disclosed_fields(item)])
        more = len(found) > limit
        last = found[limit - 1] if more else None
        return {"items": items,
                "next_cursor": encode_position(last.recorded_at, last.event_id) if last and last.recorded_at else None}

    @rpc
    def access_log(self, filters: dict[str, Any], limit: int = 50,
                   after: dict[str, Any] | None = None) -> dict[str, Any]:
        """This service's access log entries, oldest first, after the cross-service key ``after``.

        Up to ``limit + 1``: the one more tells the gateway's merge that a next page exists.
        """
        with self.db.reading() as conn:
            items = access_log.read_page(conn, self.db.service, filters or {}, after, check_limit(limit) + 1)
        return {"items": items}

    def disclosed(self, reader: dict[str, Any] | None, **entry: Any) -> None:
        """Record that ``reader`` is being shown personal data (see ``access_log.record``)."""
        access_log.disclose(self.db.engine, reader, **entry)

    @rpc
    def list_dead_letters(self, filters: dict[str, Any], limit: int = 50,
                          cursor: str | None = None) -> dict[str, Any]:
        with self.db.reading() as conn:
            return deadletters.keyed_page(conn, (filters or {}).get("status"), cursor, limit)

    @rpc
    def get_dead_letter(self, dead_letter_id: int, reader: dict[str, Any] | None = None) -> dict[str, Any]:
        """One dead letter with its body (which may hold personal data: the ``reader`` is logged)."""
        with self.db.reading() as conn:
            letter = deadletters.get(conn, int(dead_letter_id), self.db.keyring)
        if letter is None:
            raise NotFound(f"no dead letter {dead_letter_id} in {self.db.service}")
        self.disclosed(reader, kind="dead_letter", object_id=str(dead_letter_id), fields=["body"])
        return letter

    @rpc
    def redrive_dead_letter(self, dead_letter_id: int, body: str | None = None) -> dict[str, Any]:
        letter = redrive(self.db, config.amqp_uri(), int(dead_letter_id), body)
        return {key: value for key, value in letter.items() if key != "body"}  # a disclosure is a read
