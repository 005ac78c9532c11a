"""Every status moves only as its machine allows, whoever asks: pages, API, imports or jobs."""

from __future__ import annotations

import pytest

from finplatform.auth.services import set_institution_status
from finplatform.exceptions import Conflict
from finplatform.imports import services as imports
from finplatform.models import (
    ImportBatch,
    ImportStatus,
    InstitutionStatus,
    ModelStatus,
    ProductStatus,
    Role,
)
from finplatform.products.services import set_product_status
from finplatform.states import MACHINES, MODEL, PRODUCT


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_status_of_every_machine_has_its_row(name):
    machine = MACHINES[name]
    statuses = set(type(next(iter(machine.moves))))
    assert set(machine.moves) == statuses
    assert all(targets <= statuses for targets in machine.moves.values())


def test_a_published_product_never_goes_back_to_draft(make, db):
    admin = make.user(Role.INSTITUTION)
    product = make.product(admin.institution)
    db.session.commit()
    with pytest.raises(Conflict):
        set_product_status(product, ProductStatus.DRAFT, admin)
    db.session.rollback()
    assert product.status == ProductStatus.ACTIVE
    set_product_status(product, ProductStatus.RETIRED, admin)
    set_product_status(product, ProductStatus.ACTIVE, admin)
    assert product.status == ProductStatus.ACTIVE


def test_an_approved_institution_is_never_pending_again(make, db):
    commission = make.user(Role.COMMISSION)
    bank = make.institution()
    db.session.commit()
    with pytest.raises(Conflict):
        set_institution_status(bank, InstitutionStatus.PENDING, commission)
    db.session.rollback()
    set_institution_status(bank, InstitutionStatus.SUSPENDED, commission)
    set_institution_status(bank, InstitutionStatus.APPROVED, commission)
    assert bank.status == InstitutionStatus.APPROVED


def test_an_import_cannot_put_an_approved_institution_back_to_pending(make, db):
    bank = make.institution(name="滨海新区科技支行（状态）")
    db.session.commit()
    content = "机构名称,机构类型,所在区,状态\n滨海新区科技支行（状态）,tech_branch,120116,待审核\n"
    batch = ImportBatch(kind="institutions", filename="institutions.csv")
    db.session.add(batch)
    db.session.flush()
    result = imports.run_import(batch, content.encode(), actor=None)
    db.session.commit()
    assert result["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "状态")]
    assert bank.status == InstitutionStatus.APPROVED


def test_a_finished_import_cannot_run_again(db):
    batch = ImportBatch(kind="enterprises", filename="firms.csv")
    db.session.add(batch)
    db.session.flush()
    imports.run_import(batch, "统一社会信用代码\n".encode(), actor=None)
    assert batch.status in (ImportStatus.FINISHED, ImportStatus.REJECTED)
    with pytest.raises(Conflict):
        imports.run_import(batch, b"", actor=None)


def test_the_machines_read_as_the_rules_say():
    # Written from the rules, not from the tables: a candidate model goes into service, never
    # straight to retirement; a retired product may come back, a draft only once published.
    assert MODEL.allows(ModelStatus.CANDIDATE, ModelStatus.CURRENT)
    assert not MODEL.allows(ModelStatus.CANDIDATE, ModelStatus.RETIRED)
    assert MODEL.allows(ModelStatus.RETIRED, ModelStatus.CURRENT)
    assert PRODUCT.allows(ProductStatus.RETIRED, ProductStatus.ACTIVE)
    assert not PRODUCT.allows(ProductStatus.ACTIVE, ProductStatus.DRAFT)
    assert not PRODUCT.final(ProductStatus.RETIRED)


def test_a_refused_move_is_told_in_chinese(app, make, db):
    admin = make.user(Role.INSTITUTION)
    product = make.product(admin.institution)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        with pytest.raises(Conflict) as refused:
            set_product_status(product, ProductStatus.DRAFT, admin)
        assert str(refused.value.message) == "状态不能从“在售”改为“草稿”。"
