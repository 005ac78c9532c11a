"""The small demo world, with the records a page walk needs to see every kind of word: a rejected
and a reviewed application, a reversed disbursement, a suspended institution, a changed target,
a finished and a refused import (and the demo bank's refused repayments file), and model
versions in each status, done by the demo accounts through the services so that the audit log
and notifications carry what a person's work leaves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from finplatform.admin import services as admin_services
from finplatform.auth.services import set_institution_status
from finplatform.deals import services as deals
from finplatform.deals.disbursements import reverse_disbursement
from finplatform.imports.services import run_import
from finplatform.models import (
    Application,
    ApplicationStatus,
    Disbursement,
    ImportBatch,
    Institution,
    InstitutionStatus,
    ModelStatus,
    ModelVersion,
    Role,
    Target,
    User,
)
from finplatform.ranking.registry import AUTOMATIC_PROMOTION
from seeds.demo_accounts import create_demo_accounts
from seeds.loader import load_world
from seeds.world import generate_world, world_password_hash

HASH = world_password_hash("scrypt:1024:8:1", 0)
WORLD_END = date(2014, 12, 31)
IMPORTS = Path(__file__).resolve().parent / "fixtures" / "imports"


def load_walk_world(db) -> None:
    """Load the small world (seed 2014), its demo accounts and the records described above."""
    load_world(db.session.connection(), generate_world("small", 2014, HASH))
    db.session.commit()
    create_demo_accounts()
    db.session.commit()
    users = {
        user.role: user
        for user in db.session.scalars(sa.select(User).where(User.email.like("%@demo.local")))
    }
    _deal_work(db, users)
    _admin_work(db, users[Role.ADMIN], users[Role.INSTITUTION].institution_id)
    _imports(db, users[Role.ADMIN])
    _bank_import(db, users[Role.INSTITUTION])
    _model_versions(db, users[Role.ADMIN])
    db.session.commit()


def _deal_work(db, users) -> None:
    bank = users[Role.INSTITUTION]
    waiting = db.session.scalars(
        sa.select(Application)
        .where(
            Application.institution_id == bank.institution_id,
            Application.status == ApplicationStatus.SUBMITTED,
        )
        .order_by(Application.id)
        .limit(2)
    ).all()
    if waiting:
        deals.reject_application(
            waiting[0], bank, reason="documents_incomplete", note="缺少近两年财务报表"
        )
    if len(waiting) > 1:
        deals.take_into_review(waiting[1], bank)
    disbursement = db.session.scalar(
        sa.select(Disbursement)
        .where(Disbursement.institution_id == bank.institution_id, Disbursement.amount_yuan > 0)
        .order_by(Disbursement.id.desc())
    )
    if disbursement is not None:
        reverse_disbursement(disbursement, bank, "金额录入错误")
    db.session.commit()


def _admin_work(db, admin, demo_bank_id: int) -> None:
    target = db.session.scalar(sa.select(Target).where(Target.metric == "firms_served"))
    admin_services.update_target(target, Decimal("16000"), admin)
    other = db.session.scalar(
        sa.select(Institution)
        .where(Institution.status == InstitutionStatus.APPROVED, Institution.id != demo_bank_id)
        .order_by(Institution.id.desc())
    )
    set_institution_status(other, InstitutionStatus.SUSPENDED, admin)
    db.session.commit()


def _imports(db, admin) -> None:
    files = (
        ("enterprises", "enterprises_bad_row.csv", "企业名单.csv"),
        ("products", "products.csv", "产品.csv"),
    )
    for kind, name, shown_name in files:
        # Good rows only, for the file with a bad row: imported, with its problems listed.
        batch = ImportBatch(
            kind=kind, filename=shown_name, created_by_id=admin.id, good_rows_only=True
        )
        db.session.add(batch)
        db.session.flush()
        run_import(batch, (IMPORTS / name).read_bytes(), admin)
    refused = ImportBatch(kind="enterprises", filename="坏文件.csv", created_by_id=admin.id)
    db.session.add(refused)
    db.session.flush()
    run_import(refused, "名称,日期\n甲,乙\n".encode(), admin)
    db.session.commit()


def _bank_import(db, bank_user) -> None:
    """The demo bank's repayments file naming a loan that is not its own: refused, listed."""
    batch = ImportBatch(kind="repayments", filename="还款流水.csv", created_by_id=bank_user.id)
    db.session.add(batch)
    db.session.flush()
    run_import(
        batch, "贷款编号,还款日期,还款金额（元）\n999999,2014-11-03,1000\n".encode(), bank_user
    )
    db.session.commit()


def _model_versions(db, admin) -> None:
    metrics = {"ndcg@5": 0.41, "ndcg@10": 0.47, "hit@10": 0.72, "mrr": 0.39}
    trained = datetime(2014, 12, 1, tzinfo=UTC)
    for number, status, note in (
        (1, ModelStatus.RETIRED, "首个版本"),
        (2, ModelStatus.CURRENT, AUTOMATIC_PROMOTION),
        (3, ModelStatus.CANDIDATE, ""),
    ):
        db.session.add(
            ModelVersion(
                version=f"m{number:016x}",  # the registry's naming: "m" and 16 hex digits
                status=status,
                artifact=f"model-{number}",
                metrics={"model": metrics, "rule": {"ndcg@10": 0.40}},
                details={
                    "comparison": {"against": "rule", "beats": number != 3},
                    "rows": {"training": 900, "validation": 100},
                },
                trained_from=datetime(2012, 1, 1, tzinfo=UTC),
                trained_to=trained,
                promoted_at=trained if status != ModelStatus.CANDIDATE else None,
                promoted_by_id=admin.id if number == 1 else None,
                promotion_note=note,
            )
        )
    db.session.commit()
