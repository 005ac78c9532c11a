"""`flask seed reference` loads the plan's reference lists, and twice gives the same rows."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import sqlalchemy as sa

from finplatform.models import District, Industry, InstitutionKind, ProductKind, Target, utcnow
from seeds.reference_loader import load_reference


def _digest(db) -> str:
    digest = hashlib.sha256()
    for model in (District, Industry, ProductKind, InstitutionKind, Target):
        table = model.__table__
        columns = [c for c in table.columns if c.name not in {"id", "created_at", "updated_at"}]
        rows = db.session.execute(sa.select(*columns).order_by(*columns[:2])).all()
        digest.update(repr(rows).encode())
    return digest.hexdigest()


def test_loading_twice_gives_the_same_rows(db):
    load_reference()
    db.session.commit()
    first = _digest(db)
    counts = load_reference()
    db.session.commit()
    assert _digest(db) == first
    assert counts["districts"] == 16
    assert db.session.scalar(sa.select(sa.func.count(Target.id))) == counts["targets"]


def test_the_plans_money_targets_in_its_own_unit_and_in_yuan(db):
    targets = {
        t.metric: t for t in db.session.scalars(sa.select(Target).where(Target.year == 2014))
    }
    facilitated = targets["financing_facilitated"]
    assert facilitated.value == Decimal("200") and facilitated.unit == "亿元"
    assert facilitated.value_yuan == Decimal("20000000000")
    assert "200亿元" in facilitated.wording_zh
    assert targets["new_credit_loans"].value_yuan == Decimal("10000000000")
    assert targets["firms_served"].value == Decimal("15000")
    assert targets["firms_served"].value_yuan is None


def test_an_admins_edit_of_a_target_survives_reloading(db):
    target = db.session.scalar(sa.select(Target).where(Target.metric == "firms_served"))
    target.value = Decimal("16000")
    target.updated_at = utcnow()
    db.session.commit()
    load_reference()
    db.session.commit()
    db.session.refresh(target)
    assert target.value == Decimal("16000")
    # Put the seed's value back for the other tests.
    target.updated_at = None
    load_reference()
    db.session.commit()


def test_divisions_belong_to_sections_and_credit_loans_are_marked(db):
    orphans = db.session.scalars(
        sa.select(Industry.code).where(
            Industry.level == "division",
            Industry.section_code.not_in(
                sa.select(Industry.code).where(Industry.level == "section")
            ),
        )
    ).all()
    assert orphans == []
    credit = db.session.get(ProductKind, "credit_loan")
    assert credit.is_credit_loan and credit.name_zh == "信用贷款"
    assert db.session.get(InstitutionKind, "credit_community").name_zh == "信用共同体"


def test_districts_keep_the_names_records_use_besides_todays(db):
    ninghe = db.session.get(District, "120117")
    assert (ninghe.name_zh, ninghe.short_name_zh) == ("宁河区", "宁河")
    # A county in 2014, when the plan was written.
    assert (ninghe.name_2014_zh, ninghe.code_2014) == ("宁河县", "120221")
