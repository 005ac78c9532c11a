"""Import batch status as an enum: a CHECK constraint allows only its five values

Revision ID: 8d5f86e92f91
Revises: b7e3d5a1c942
Create Date: 2026-12-05 23:30:18

Existing rows already hold only these values (the import service wrote no others).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8d5f86e92f91"
down_revision = "b7e3d5a1c942"
branch_labels = None
depends_on = None

VALUES = ("pending", "running", "finished", "rejected", "failed")
CHECK = "status IN (" + ", ".join(f"'{value}'" for value in VALUES) + ")"


def upgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.VARCHAR(length=20),
            type_=sa.VARCHAR(length=8),
            existing_nullable=False,
        )
        batch_op.create_check_constraint(op.f("ck_import_batches_importstatus"), CHECK)


def downgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_import_batches_importstatus"), type_="check")
        batch_op.alter_column(
            "status",
            existing_type=sa.VARCHAR(length=8),
            type_=sa.VARCHAR(length=20),
            existing_nullable=False,
        )
