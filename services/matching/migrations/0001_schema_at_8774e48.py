"""The matching database as it stood at commit 8774e48, before there were migrations (create_all).

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
        "matches",
        sa.Column("match_id", sa.String(length=64), nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("volunteer_id", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("matched_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=50), nullable=True),
        sa.Column("days_to_match", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.String(length=64), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("choice_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("match_id"),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index("ix_matches_referral", ["referral_id"], unique=False)
        batch_op.create_index(
            "uq_one_active_match_per_referral",
            ["referral_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "proposals",
        sa.Column("proposal_id", sa.String(length=64), nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=50), nullable=False),
        sa.Column("weights_version", sa.String(length=50), nullable=False),
        sa.Column("ranked_on", sa.Date(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id"),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("participant", sa.Text(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("preferences", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_table(
        "volunteers",
        sa.Column("volunteer_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("screening", sa.String(length=20), nullable=True),
        sa.Column("trained", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active_matches", sa.Integer(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=True),
        sa.Column("trained_on", sa.Date(), nullable=True),
        sa.Column("last_matched_on", sa.Date(), nullable=True),
        sa.Column("personal", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("volunteer_id"),
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_index("ix_volunteers_pool", ["region", "status", "gender"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteers_pool")

    op.drop_table("volunteers")
    op.drop_table("referrals")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_referral_id"))

    op.drop_table("proposals")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_one_active_match_per_referral",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index("ix_matches_referral")

    op.drop_table("matches")
    store_revisions.drop_0001()
