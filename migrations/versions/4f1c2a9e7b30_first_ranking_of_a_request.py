"""When a ranking first proposed products for a request (the funnel's matched step)

Revision ID: 4f1c2a9e7b30
Revises: fdd6f3904658
Create Date: 2026-12-04 23:58:00

Backfill: a request's earliest stored match. Rankings whose matches a later re-ranking
deleted left no trace, so such a request reads as first ranked at its earliest surviving match.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4f1c2a9e7b30"
down_revision = "fdd6f3904658"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_ranked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_financing_requests_first_ranked_at", ["first_ranked_at"], unique=False
        )
    requests = sa.table(
        "financing_requests", sa.column("id"), sa.column("first_ranked_at", sa.DateTime(True))
    )
    matches = sa.table(
        "matches", sa.column("request_id"), sa.column("created_at", sa.DateTime(True))
    )
    earliest = (
        sa.select(sa.func.min(matches.c.created_at))
        .where(matches.c.request_id == requests.c.id)
        .scalar_subquery()
    )
    op.execute(requests.update().values(first_ranked_at=earliest))


def downgrade():
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_requests_first_ranked_at")
        batch_op.drop_column("first_ranked_at")
