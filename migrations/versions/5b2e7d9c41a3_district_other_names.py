"""Districts keep their other names: the short name and the 2014 county name and code

Revision ID: 5b2e7d9c41a3
Revises: 6f04ada707e8
Create Date: 2026-12-04 19:20:00

Imports match a district written as 滨海 or 宁河县 (120221) from these columns instead of the
reference file. `flask seed reference` fills them in a database that already has districts.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b2e7d9c41a3"
down_revision = "6f04ada707e8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_name_zh", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("name_2014_zh", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("code_2014", sa.String(length=6), nullable=True))


def downgrade():
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.drop_column("code_2014")
        batch_op.drop_column("name_2014_zh")
        batch_op.drop_column("short_name_zh")
