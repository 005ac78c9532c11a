"""Sign-in lock-outs that expire by themselves: until when, and how many in a row

Revision ID: e5c9a7f3b218
Revises: d2a8f4b61c37
Create Date: 2026-12-04 22:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5c9a7f3b218'
down_revision = 'd2a8f4b61c37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lockouts', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('lockouts')
        batch_op.drop_column('locked_until')
