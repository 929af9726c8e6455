"""alembic's entry point for every service: runs on the connection ``shared.migrations`` opened."""
from __future__ import annotations

from typing import Any, Literal

from alembic import context

from shared.db import UtcDateTime

config = context.config
connection = config.attributes["connection"]
if connection is None:
    raise RuntimeError("migrations run through shared.migrations.upgrade, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=config.attributes["target_metadata"],
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=True,
    compare_type=True,
    render_item=lambda kind, obj, _ctx: _render(kind, obj),
)


def _render(kind: str, obj: Any) -> str | Literal[False]:
    # A revision states the column type itself, so it never changes with shared.db.
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with context.begin_transaction():
    context.run_migrations()
