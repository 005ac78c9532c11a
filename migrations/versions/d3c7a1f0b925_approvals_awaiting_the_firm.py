"""Approvals outside the limits wait for the firm: the awaiting_firm status, the broken limits
and the officer's reason

Revision ID: d3c7a1f0b925
Revises: 380b90a8cddd
Create Date: 2026-12-04 22:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d3c7a1f0b925"
down_revision = "380b90a8cddd"
branch_labels = None
depends_on = None

OLD = ("submitted", "in_review", "approved", "rejected", "disbursed", "withdrawn", "expired")
NEW = ("submitted", "in_review", "awaiting_firm", *OLD[2:])


def _status(values) -> sa.Enum:
    return sa.Enum(*values, name="applicationstatus", native_enum=False, create_constraint=True)


def _swap_status(old, new) -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_applications_applicationstatus"), type_="check")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=max(map(len, old))),
            type_=sa.String(length=max(map(len, new))),
            existing_nullable=False,
        )
        batch_op.create_check_constraint(
            "applicationstatus", sa.column("status").in_(new)
        )


def upgrade():
    _swap_status(OLD, NEW)
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("limit_breaches", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("limit_reason", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("limit_reason")
        batch_op.drop_column("limit_breaches")
    _swap_status(NEW, OLD)
