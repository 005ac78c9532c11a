"""Report facts written with the rows they count, in place of the monthly rollups

Revision ID: c4f8e2a6d913
Revises: abaf261575b1
Create Date: 2026-12-05 23:40:00

The rollup tables (and their watermarks) go; `report_facts` is filled from the base tables by
the same function as `flask report rebuild` (in revision 7b3e9d1c5a20) (finplatform/reports/facts.py).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4f8e2a6d913"
down_revision = "abaf261575b1"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("rollup_state")
    op.drop_table("rollup_firms")
    with op.batch_alter_table("monthly_firms", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_firms_firm")
    op.drop_table("monthly_firms")
    op.drop_table("monthly_rollups")
    op.create_table(
        "report_facts",
        sa.Column("measure", sa.String(length=30), nullable=False),
        sa.Column("dimension", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "dimension", "month", "key", name=op.f("pk_report_facts")),
    )
    # Filled by revision 7b3e9d1c5a20 (report_firm_months), whose rebuild writes both tables.


def downgrade():
    op.drop_table("report_facts")
    op.create_table(
        "monthly_rollups",
        sa.Column("measure", sa.String(length=30), nullable=False),
        sa.Column("dimension", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.PrimaryKeyConstraint(
            "measure", "dimension", "month", "key", name=op.f("pk_monthly_rollups")
        ),
    )
    op.create_table(
        "monthly_firms",
        sa.Column("measure", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.PrimaryKeyConstraint("measure", "month", "enterprise_id", name=op.f("pk_monthly_firms")),
    )
    with op.batch_alter_table("monthly_firms", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monthly_firms_firm", ["measure", "enterprise_id", "month"], unique=False
        )
    op.create_table(
        "rollup_firms",
        sa.Column("enterprise_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("industry_code", sa.String(length=4), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_rollup_firms")),
    )
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rolled_until", sa.Date(), nullable=False),
        sa.Column("watermarks", sa.JSON(), nullable=False),
        sa.Column("recorded_max", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
