"""The referrals database as it stood at commit 8774e48, before there were migrations (create_all).

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
        "referrals",
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=False),
        sa.Column("referring_site", sa.String(length=50), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("participant", sa.Text(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("preferences", sa.Text(), nullable=False),
        sa.Column("personal", sa.Text(), nullable=False),
        sa.Column("interpreter_needed", sa.Boolean(), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("match_id", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id"),
        sa.UniqueConstraint("referring_site", "external_ref", name="uq_referral_site_ref"),
    )


def downgrade() -> None:
    op.drop_table("referrals")
    store_revisions.drop_0001()
