"""report counts by month, filled from the report's fact rows; the indexes the summary reads now

Revision ID: 0005
Revises: 0004

``report_counts`` gets, for every version of a match or an approval, what that
version's change added (its counts minus its predecessor's, per change, no
zeros), in the month the change was learned: the rows the appliers of this
release write, so ``lgv replay followup --verify`` finds the same table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CELLS = ["region", "site", "gender", "country", "age_decade", "matched_on", "six_month_on", "closed_on",
         "arrival_year", "learned_at", "superseded_at"]
INDEXES = [("report_matches", "ix_report_matches_superseded", "superseded_at"),
           ("report_matches", "ix_report_matches_matched_on", "matched_on"),
           ("report_matches", "ix_report_matches_closed_on", "closed_on"),
           ("report_approvals", "ix_report_approvals_learned", "learned_at"),
           ("report_approvals", "ix_report_approvals_superseded", "superseded_at"),
           ("report_approvals", "ix_report_approvals_approved_on", "approved_on")]


def upgrade() -> None:
    op.create_table(
        "report_counts",
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("site", sa.String(length=50), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("learned", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region", "site", "measure", "key", "month", "learned"),
    )
    with op.batch_alter_table("report_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_report_matches_cells")
    for table, name, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=False)
    dialect = op.get_bind().dialect.name
    op.execute(sa.text(_fill(_MATCHES, dialect)))
    op.execute(sa.text(_fill(_APPROVALS, dialect)))


def downgrade() -> None:
    for table, name, _column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    with op.batch_alter_table("report_matches", schema=None) as batch_op:
        batch_op.create_index("ix_report_matches_cells", CELLS, unique=False)
    op.drop_table("report_counts")


def _month(expression: str, dialect: str, moment: bool = False) -> str:
    """year * 100 + month of a date (or of a UTC moment) column."""
    if dialect == "postgresql":
        utc = f"({expression}) AT TIME ZONE 'UTC'" if moment else f"({expression})"
        return f"CAST(to_char({utc}, 'YYYYMM') AS INTEGER)"
    return f"CAST(strftime('%Y%m', {expression}) AS INTEGER)"


# Each version as a change: +1 where it is learned (change = its version), -1 where it is
# superseded (change = the next version); then what each count is of it.
_MATCHES = """
WITH versions AS (
  SELECT match_id AS id, version AS change, learned_at AS at, 1 AS sign, region, COALESCE(site, '') AS site,
         gender, country, age_decade, arrival_year, matched_on, six_month_on, closed_on FROM report_matches
  UNION ALL
  SELECT match_id, version + 1, superseded_at, -1, region, COALESCE(site, ''),
         gender, country, age_decade, arrival_year, matched_on, six_month_on, closed_on
  FROM report_matches WHERE superseded_at IS NOT NULL
), counted AS (
  SELECT id, change, at, sign, region, site, 'matched' AS measure, '' AS key, {matched} AS month FROM versions
  UNION ALL SELECT id, change, at, sign, region, site, 'successful', '', {matched} FROM versions
    WHERE closed_on IS NULL OR closed_on >= six_month_on
  UNION ALL SELECT id, change, at, sign, region, site, 'gender', gender, {matched} FROM versions
    WHERE gender IS NOT NULL
  UNION ALL SELECT id, change, at, sign, region, site, 'country', country, {matched} FROM versions
    WHERE gender IS NOT NULL
  UNION ALL SELECT id, change, at, sign, region, site, 'decade', CAST(age_decade AS VARCHAR(20)), {matched}
    FROM versions WHERE gender IS NOT NULL
  UNION ALL SELECT id, change, at, sign, region, site, 'arrived', '', {matched} FROM versions
    WHERE gender IS NOT NULL AND arrival_year <= 2014
  UNION ALL SELECT id, change, at, sign, region, site, 'closed', '', {closed_by} FROM versions
    WHERE closed_on IS NOT NULL
), {net}"""

_APPROVALS = """
WITH versions AS (
  SELECT volunteer_id AS id, version AS change, learned_at AS at, 1 AS sign, COALESCE(region, '') AS region,
         approved_on FROM report_approvals
  UNION ALL
  SELECT volunteer_id, version + 1, superseded_at, -1, COALESCE(region, ''), approved_on
  FROM report_approvals WHERE superseded_at IS NOT NULL
), counted AS (
  SELECT id, change, at, sign, region, '' AS site, 'recruited' AS measure, '' AS key, {approved} AS month
  FROM versions
), {net}"""

_NET = """changes AS (
  SELECT MIN(at) AS at, region, site, measure, key, month, SUM(sign) AS n FROM counted
  GROUP BY id, change, region, site, measure, key, month HAVING SUM(sign) <> 0
)
INSERT INTO report_counts (region, site, measure, key, month, learned, n)
SELECT region, site, measure, key, month, {learned}, SUM(n) FROM changes
GROUP BY region, site, measure, key, month, {learned}
"""


def _fill(template: str, dialect: str) -> str:
    net = _NET.format(learned=_month("at", dialect, moment=True))
    return template.format(
        matched=_month("matched_on", dialect), approved=_month("approved_on", dialect), net=net,
        closed_by=_month("CASE WHEN closed_on > matched_on THEN closed_on ELSE matched_on END", dialect))
