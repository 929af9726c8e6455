"""The store's tables as revisions 0001 and 0002 of every service made them: a frozen snapshot.

Every service's database holds the event store's tables (events, outbox, dead letters,
ordering, keys, access log) beside its projection's, so its revisions 0001 and 0002 begin
with the same operations; they are written once, here. Like a landed revision this module
is never edited: a later change to the store's tables is a new revision in each service
(``lgv db revision NAME``), which writes its own operations and leaves these as they were.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_0001() -> None:
    """Revision 0001's store tables: the schema at commit 8774e48."""
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exchange", sa.String(length=200), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("event_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("redriven_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dead_letters_body_digest"), ["body_digest"], unique=False)

    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("stream_id", sa.String(length=200), nullable=True),
        sa.Column("stream_version", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "uq_events_stream_version",
            ["stream_id", "stream_version"],
            unique=True,
            sqlite_where=sa.text("origin = 'recorded'"),
            postgresql_where=sa.text("origin = 'recorded'"),
        )

    op.create_table(
        "parked_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("stream_id", sa.String(length=200), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("exchange", sa.String(length=200), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "stream_id", "stream_version", name="uq_parked_stream_version"),
    )
    op.create_table(
        "stream_positions",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("stream_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "stream_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(length=200), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["events.seq"],
        ),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at"], unique=False)


def drop_0001() -> None:
    """Undo ``create_0001``."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")

    op.drop_table("outbox")
    op.drop_table("stream_positions")
    op.drop_table("parked_events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_events_stream_version",
            sqlite_where=sa.text("origin = 'recorded'"),
            postgresql_where=sa.text("origin = 'recorded'"),
        )

    op.drop_table("events")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_body_digest"))

    op.drop_table("dead_letters")


def add_0002() -> None:
    """Revision 0002's store additions: data keys, key check, access log, subject index, a column."""
    op.create_table(
        "access_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ix_access_log_at", ["at", "seq"], unique=False)
        batch_op.create_index("ix_access_log_subject", ["subject_id"], unique=False)

    op.create_table(
        "key_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "subject_keys",
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subject_id"),
    )
    op.create_table(
        "event_subjects",
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["events.seq"],
        ),
        sa.PrimaryKeyConstraint("subject_id", "seq"),
    )
    with op.batch_alter_table("event_subjects", schema=None) as batch_op:
        batch_op.create_index("ix_event_subjects_position", ["subject_id", "recorded_at", "event_id"], unique=False)

    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_by", sa.String(length=200), nullable=True))


def remove_0002() -> None:
    """Undo ``add_0002``."""
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_column("published_by")

    with op.batch_alter_table("event_subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_event_subjects_position")

    op.drop_table("event_subjects")
    op.drop_table("subject_keys")
    op.drop_table("key_check")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_access_log_subject")
        batch_op.drop_index("ix_access_log_at")

    op.drop_table("access_log")
