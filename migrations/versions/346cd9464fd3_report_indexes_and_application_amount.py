"""Report indexes and the requested amount copied onto applications

Revision ID: 346cd9464fd3
Revises: c1fc3df94c70
Create Date: 2026-11-28 01:16:20.822790

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "346cd9464fd3"
down_revision = "c1fc3df94c70"
branch_labels = None
depends_on = None


def upgrade():
    # Added nullable, filled from each application's request, then made NOT NULL: existing rows
    # get the amount their request asks for (what the report summed through a join before).
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("amount_yuan", sa.Numeric(precision=18, scale=2), nullable=True)
        )
    op.execute(
        "UPDATE applications SET amount_yuan = (SELECT financing_requests.amount_yuan"
        " FROM financing_requests WHERE financing_requests.id = applications.request_id)"
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.alter_column(
            "amount_yuan", existing_type=sa.Numeric(precision=18, scale=2), nullable=False
        )
        batch_op.create_index("ix_applications_decided_at", ["decided_at"], unique=False)
        batch_op.create_index("ix_applications_respond_by", ["respond_by"], unique=False)
        batch_op.create_index(
            "ix_applications_status_decided", ["status", "decided_at"], unique=False
        )

    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_disbursements_enterprise_date", ["enterprise_id", "disbursed_on"], unique=False
        )

    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.create_index("ix_financing_requests_created_at", ["created_at"], unique=False)

    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index("ix_matches_created_at", ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("ix_matches_created_at")

    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_requests_created_at")

    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.drop_index("ix_disbursements_enterprise_date")

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_status_decided")
        batch_op.drop_index("ix_applications_respond_by")
        batch_op.drop_index("ix_applications_decided_at")
        batch_op.drop_column("amount_yuan")
