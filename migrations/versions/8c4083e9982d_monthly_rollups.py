"""Monthly rollups for the report, and the update times it finds changes by

Revision ID: 8c4083e9982d
Revises: 346cd9464fd3
Create Date: 2026-11-28 03:45:00

The rollup tables start empty: `flask report refresh` (or the monthly report job) fills them;
until then every report is computed live, as before.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c4083e9982d"
down_revision = "346cd9464fd3"
branch_labels = None
depends_on = None


def upgrade():
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
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_enterprises_updated_at"), ["updated_at"], unique=False)
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.create_index("ix_financing_requests_updated_at", ["updated_at"], unique=False)


def downgrade():
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_requests_updated_at")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_updated_at"))
        batch_op.drop_column("updated_at")
    op.drop_table("rollup_state")
    op.drop_table("rollup_firms")
    with op.batch_alter_table("monthly_firms", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_firms_firm")
    op.drop_table("monthly_firms")
    op.drop_table("monthly_rollups")
