"""Confirmed flags of firms (科技小巨人, 高新技术企业, tech-SME) and the 科技小巨人 record kind

Revision ID: b7e3d5a1c942
Revises: 4f1c2a9e7b30
Create Date: 2026-12-05 00:05:00

Backfill: each firm's flags as the records valid today confirm its claims, written into its
current history period; earlier periods read unconfirmed (no confirmation was kept before).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e3d5a1c942"
down_revision = "4f1c2a9e7b30"
branch_labels = None
depends_on = None

FLAGS = ("little_giant_confirmed", "high_tech_confirmed", "tech_sme_confirmed")
KINDS = (
    "tax_grade",
    "social_security",
    "utility_arrears",
    "court_judgement",
    "dishonest_debtor",
    "penalty",
    "tech_sme",
    "high_tech",
    "patent",
)
CONFIRMING = {
    "little_giant_confirmed": ("little_giant", "is_little_giant"),
    "high_tech_confirmed": ("high_tech", "is_high_tech"),
    "tech_sme_confirmed": ("tech_sme", None),
}


def _kinds_check(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    for table in ("enterprises", "firm_attribute_history"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for flag in FLAGS:
                batch_op.add_column(
                    sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False)
                )
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_records_creditrecordkind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_credit_records_creditrecordkind"), _kinds_check((*KINDS, "little_giant")))

    firms = sa.table(
        "enterprises",
        sa.column("id"),
        sa.column("is_little_giant", sa.Boolean()),
        sa.column("is_high_tech", sa.Boolean()),
        *(sa.column(flag, sa.Boolean()) for flag in FLAGS),
    )
    records = sa.table(
        "credit_records",
        sa.column("enterprise_id"),
        sa.column("kind"),
        sa.column("as_of", sa.Date()),
        sa.column("valid_until", sa.Date()),
    )
    history = sa.table(
        "firm_attribute_history",
        sa.column("enterprise_id"),
        sa.column("valid_to"),
        *(sa.column(flag, sa.Boolean()) for flag in FLAGS),
    )
    today = sa.func.current_date()
    values = {}
    for flag, (kind, claim) in CONFIRMING.items():
        held = (
            sa.exists()
            .where(
                records.c.enterprise_id == firms.c.id,
                records.c.kind == kind,
                records.c.as_of <= today,
                sa.or_(records.c.valid_until.is_(None), records.c.valid_until >= today),
            )
            .correlate(firms)
        )
        values[flag] = sa.and_(held, firms.c[claim].is_(True)) if claim else held
    op.execute(firms.update().values(**values))
    for flag in FLAGS:
        current = (
            sa.select(firms.c[flag]).where(firms.c.id == history.c.enterprise_id).scalar_subquery()
        )
        op.execute(history.update().where(history.c.valid_to.is_(None)).values({flag: current}))


def downgrade():
    op.execute("DELETE FROM credit_records WHERE kind = 'little_giant'")
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_records_creditrecordkind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_credit_records_creditrecordkind"), _kinds_check(KINDS))
    for table in ("firm_attribute_history", "enterprises"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for flag in FLAGS:
                batch_op.drop_column(flag)
