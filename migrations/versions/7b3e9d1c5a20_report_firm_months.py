"""Per-firm-month activity facts for the distinct-firm counts, and the funnel's facts

Revision ID: 7b3e9d1c5a20
Revises: d8b2e6f4a913
Create Date: 2026-12-06 03:00:00

`report_firm_months` and the funnel's rows of `report_facts` are filled from the base tables by
the same function as `flask report rebuild` (finplatform/reports/facts.py).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

# revision identifiers, used by Alembic.
revision = "7b3e9d1c5a20"
down_revision = "d8b2e6f4a913"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_firm_months",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("specialist_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "month", "enterprise_id", "specialist_id", name=op.f("pk_report_firm_months")
        ),
    )
    op.create_index(
        "ix_report_firm_months_firm",
        "report_firm_months",
        ["kind", "enterprise_id", "month"],
        unique=False,
    )
    from finplatform.reports.facts import rebuild

    session = Session(bind=op.get_bind())
    rebuild(session)
    session.flush()


def downgrade():
    op.drop_index("ix_report_firm_months_firm", table_name="report_firm_months")
    op.drop_table("report_firm_months")
