"""Public-credit records: loaded all or nothing by the commission's import (row errors in
Chinese) and by a data provider's API tokens (write-only), idempotent on re-load."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.api.tokens import create_token
from finplatform.imports import services
from finplatform.models import CreditRecord, CreditRecordBatch, ImportBatch, Role
from tests.api.conftest import bearer

HEADER = "统一社会信用代码,记录类型,日期,等级,人数,金额(万元),编号,有效期至,来源\n"


@pytest.fixture
def firm(make, db):
    found = make.enterprise(name="津科智能有限公司")
    db.session.commit()
    return found


def _import(db, text: str):
    batch = ImportBatch(kind="credit_records", filename="records.csv")
    db.session.add(batch)
    db.session.flush()
    result = services.run_import(batch, text.encode("utf-8"), actor=None)
    db.session.commit()
    return batch, result


def _rows(firm) -> str:
    code = firm.credit_code
    return HEADER + "\n".join(
        [
            f"{code},纳税信用等级,2013,A,,,,,国家税务总局天津市税务局",
            f"{code},社保缴纳人数,2014-03,,85,,,,天津市人力资源和社会保障局",
            f"{code},水电气欠费,2014-05-20,,,1.25,,,国网天津市电力公司",
            f"{code},失信被执行人,2014-02-01,,,,(2014)津01执123号,,天津市第一中级人民法院",
            f"{code},高新技术企业证书,2013-10-08,,,,GR201312000123,2016-10-07,天津市科学技术委员会",
        ]
    )


def test_the_commissions_import_loads_every_kind_and_again_changes_nothing(db, firm):
    batch, result = _import(db, _rows(firm))
    assert (result["status"], result["created"]) == ("finished", 5)
    records = {r.kind.value: r for r in db.session.scalars(sa.select(CreditRecord))}
    assert records["tax_grade"].grade == "A"
    assert records["tax_grade"].as_of == date(2013, 12, 31)  # the year's last day
    assert records["social_security"].quantity == 85
    assert records["social_security"].as_of == date(2014, 3, 31)
    assert records["utility_arrears"].amount_yuan == Decimal("12500.00")  # 1.25万元
    assert records["high_tech"].valid_until == date(2016, 10, 7)
    assert records["dishonest_debtor"].source == "天津市第一中级人民法院"
    first_batch = records["tax_grade"].batch_id

    _batch, again = _import(db, _rows(firm))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert db.session.scalar(sa.select(sa.func.count(CreditRecord.id))) == 5
    db.session.expire_all()
    assert db.session.get(CreditRecord, records["tax_grade"].id).batch_id == first_batch


def test_a_changed_value_updates_the_record_and_moves_it_to_the_new_batch(db, firm):
    _import(db, _rows(firm))
    _batch, result = _import(db, _rows(firm).replace(",2013,A,", ",2013,B,"))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 4)
    tax = db.session.scalars(sa.select(CreditRecord).where(CreditRecord.kind == "tax_grade")).one()
    latest = db.session.scalar(sa.select(sa.func.max(CreditRecordBatch.id)))
    assert (tax.grade, tax.batch_id) == ("B", latest)


def test_one_bad_row_loads_nothing_and_each_reason_is_in_chinese(db, firm):
    bad = _rows(firm) + "\n".join(
        [
            "",
            f"{firm.credit_code},纳税信用等级,2013,,,,,,国家税务总局天津市税务局",  # no grade
            f"{firm.credit_code},社保缴纳人数,2099-01,,10,,,,人社局",  # in the future
            "91120116MA05JXXX1X,专利,2014-01-01,,,,ZL2013,,知识产权局",  # bad code
            f"{firm.credit_code},行政处罚,2014-01-01,,,,,,市场监管委",  # no number
        ]
    )
    batch, result = _import(db, bad)
    assert result["status"] == "rejected"
    assert db.session.scalar(sa.select(sa.func.count(CreditRecord.id))) == 0
    reasons = {(e["row"], e["column"]): e["reason"] for e in batch.errors}
    assert reasons[(7, "等级")] == "纳税信用记录须填写等级（A、B、M、C 或 D）。"
    assert reasons[(8, "日期")] == "记录日期不能晚于今天。"
    assert (9, "统一社会信用代码") in reasons
    assert reasons[(10, "编号")] == "此类记录须填写编号（案号、决定书号、入库编号等）。"


def _records(firm) -> list[dict]:
    return [
        {"credit_code": firm.credit_code, "kind": "tax_grade", "as_of": "2013-12-31", "grade": "A"},
        {
            "credit_code": firm.credit_code,
            "kind": "social_security",
            "as_of": "2014-06-30",
            "quantity": 90,
        },
        {
            "credit_code": firm.credit_code,
            "kind": "court_judgement",
            "as_of": "2014-04-02",
            "reference": "(2014)津02民初45号",
            "amount_yuan": "350000.00",
            "source": "天津市第二中级人民法院",
        },
    ]


def test_a_data_provider_writes_records_idempotently_and_reads_nothing(db, make, firm, client):
    provider = make.user(Role.DATA_PROVIDER, name="市税务局接口")
    token = create_token(provider, "tax feed")[1]
    db.session.commit()
    body = {"source": "国家税务总局天津市税务局", "records": _records(firm)}
    first = client.post("/api/v1/credit-records", json=body, headers=bearer(token))
    assert first.status_code == 201
    assert {k: first.get_json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    again = client.post("/api/v1/credit-records", json=body, headers=bearer(token))
    assert (again.get_json()["created"], again.get_json()["unchanged"]) == (0, 3)
    judgement = db.session.scalars(
        sa.select(CreditRecord).where(CreditRecord.kind == "court_judgement")
    ).one()
    assert judgement.source == "天津市第二中级人民法院"  # its own source over the batch's
    batch = db.session.get(CreditRecordBatch, first.get_json()["batch_id"])
    assert (batch.channel.value, batch.loaded_by_id) == ("api", provider.id)
    # Write-only: the lists of the API show a data provider nothing.
    make.product()
    db.session.commit()
    for path in ("/api/v1/products", "/api/v1/applications", "/api/v1/documents"):
        assert client.get(path, headers=bearer(token)).get_json()["items"] == [], path


def test_a_bad_record_refuses_the_whole_batch_naming_it(db, make, firm, client):
    provider = make.user(Role.DATA_PROVIDER)
    token = create_token(provider, "court feed")[1]
    db.session.commit()
    records = _records(firm)
    records[1] = {**records[1], "quantity": None}
    refused = client.post(
        "/api/v1/credit-records",
        json={"source": "人社局", "records": records},
        headers=bearer(token),
    )
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]["json"]["records"]
    assert errors == {"1": {"quantity": ["社保记录须填写参保人数。"]}}
    assert db.session.scalar(sa.select(sa.func.count(CreditRecord.id))) == 0


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.INSTITUTION, Role.ADMIN])
def test_only_data_providers_may_write_records(db, make, firm, client, role):
    token = create_token(make.user(role), "other")[1]
    db.session.commit()
    body = {"source": "x", "records": _records(firm)}
    answer = client.post("/api/v1/credit-records", json=body, headers=bearer(token))
    assert answer.status_code == 403
