"""Penalty interest (罚息): the product's markup, the loan's penalty rate, allocations' penalty;
recoveries' idempotency key

Revision ID: c4e8b2d6f1a3
Revises: c4f8e2a6d913
Create Date: 2026-12-05 23:50:00

Backfill: existing loans take their rate raised by 50 % (the products' default markup).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e8b2d6f1a3"
down_revision = "c4f8e2a6d913"
branch_labels = None
depends_on = None

RATE = sa.Numeric(7, 4)
MONEY = sa.Numeric(18, 2)


def upgrade():
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("penalty_markup", RATE, nullable=False, server_default="50"))
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("penalty_rate", RATE, nullable=False, server_default="0"))
    with op.batch_alter_table("repayment_allocations") as batch:
        batch.add_column(sa.Column("penalty_yuan", MONEY, nullable=False, server_default="0"))
    op.execute("UPDATE loans SET penalty_rate = ROUND(rate * 1.5, 4)")
    with op.batch_alter_table("recoveries") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(80), nullable=True))
        batch.create_unique_constraint("uq_recoveries_idempotency_key", ["idempotency_key"])


def downgrade():
    with op.batch_alter_table("recoveries") as batch:
        batch.drop_constraint("uq_recoveries_idempotency_key", type_="unique")
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("repayment_allocations") as batch:
        batch.drop_column("penalty_yuan")
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("penalty_rate")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("penalty_markup")
