"""Work-list indexes: the inbox by deadline, a firm's requests and applications by status,
follow-ups

Revision ID: 6f04ada707e8
Revises: 8c4083e9982d
Create Date: 2026-11-28 03:15:43

The composite indexes that lead with `enterprise_id` replace the single-column ones, which they
serve as well.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "6f04ada707e8"
down_revision = "8c4083e9982d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_requests_enterprise_id")
        batch_op.create_index(
            "ix_financing_requests_enterprise_status", ["enterprise_id", "status"], unique=False
        )

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_enterprise_id")
        batch_op.create_index(
            "ix_applications_enterprise_status", ["enterprise_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_applications_institution_respond_by",
            ["institution_id", "respond_by", "id"],
            unique=False,
        )

    with op.batch_alter_table("contact_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_logs_enterprise_id")
        batch_op.create_index(
            "ix_contact_logs_enterprise_follow_up", ["enterprise_id", "follow_up_on"], unique=False
        )


def downgrade():
    with op.batch_alter_table("contact_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_logs_enterprise_follow_up")
        batch_op.create_index("ix_contact_logs_enterprise_id", ["enterprise_id"], unique=False)

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_institution_respond_by")
        batch_op.drop_index("ix_applications_enterprise_status")
        batch_op.create_index("ix_applications_enterprise_id", ["enterprise_id"], unique=False)

    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_requests_enterprise_status")
        batch_op.create_index(
            "ix_financing_requests_enterprise_id", ["enterprise_id"], unique=False
        )
