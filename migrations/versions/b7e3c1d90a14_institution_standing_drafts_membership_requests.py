"""Institution standing: draft products, and credit-community membership requests

Revision ID: b7e3c1d90a14
Revises: 54a5888c9aee
Create Date: 2026-12-04 22:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c1d90a14'
down_revision = '54a5888c9aee'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('membership_requests',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['institutions.id'], name=op.f('fk_membership_requests_community_id_institutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_membership_requests_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_membership_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('community_id', 'enterprise_id', name=op.f('pk_membership_requests'))
    )
    with op.batch_alter_table('membership_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_requests_enterprise_id'), ['enterprise_id'], unique=False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_products_productstatus'), type_='check')
        batch_op.create_check_constraint(
            'productstatus', "status IN ('active', 'retired', 'draft')"
        )


def downgrade():
    op.execute("UPDATE products SET status = 'retired' WHERE status = 'draft'")
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_products_productstatus'), type_='check')
        batch_op.create_check_constraint('productstatus', "status IN ('active', 'retired')")
    with op.batch_alter_table('membership_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_requests_enterprise_id'))
    op.drop_table('membership_requests')
