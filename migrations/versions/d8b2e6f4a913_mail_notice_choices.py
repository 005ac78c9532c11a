"""Each user chooses which notices also come by e-mail

Revision ID: d8b2e6f4a913
Revises: c4f1a8e2d7b3
Create Date: 2026-12-05 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8b2e6f4a913'
down_revision = 'c4f1a8e2d7b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'mail_notices',
                sa.JSON(),
                server_default='["decision", "overdue", "document"]',
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('mail_notices')
