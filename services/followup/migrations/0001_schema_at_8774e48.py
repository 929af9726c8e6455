"""The followup database as it stood at commit 8774e48, before there were migrations (create_all).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.migrations import store_revisions

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    store_revisions.create_0001()
    op.create_table(
        "checkins",
        sa.Column("checkin_id", sa.String(length=64), nullable=False),
        sa.Column("match_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("contact", sa.String(length=30), nullable=False),
        sa.Column("activities", sa.Text(), nullable=False),
        sa.Column("wellbeing", sa.Integer(), nullable=True),
        sa.Column("concern", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("policy_version", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("checkin_id"),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_match_id"), ["match_id"], unique=False)

    op.create_table(
        "matches",
        sa.Column("match_id", sa.String(length=64), nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("volunteer_id", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("matched_on", sa.Date(), nullable=False),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=50), nullable=True),
        sa.Column("close_initiator", sa.String(length=20), nullable=True),
        sa.Column("close_anticipated", sa.Boolean(), nullable=True),
        sa.Column("rematch_allowed", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("match_id"),
    )
    op.create_table(
        "reminders",
        sa.Column("match_id", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("noticed_on", sa.Date(), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("match_id", "due_on"),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_table("matches")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkins_match_id"))

    op.drop_table("checkins")
    store_revisions.drop_0001()
