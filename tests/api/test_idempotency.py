"""Idempotency keys: the same key and request replays; the same key with a different request
is refused (422 in the API, a message on the page); a key belongs to its caller and its record,
so a form's key for one application never touches another."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.idempotency import KeyReused, require_same_request, stored_key
from finplatform.models import ApplicationStatus, Disbursement, Role
from tests.api.test_api_deals import DISBURSEMENT

KEY = "batch-2014-06-30-0001"


def _approved(make, db, institution=None):
    application = make.application(product=make.product(institution))
    application.status = ApplicationStatus.APPROVED
    application.approved_amount_yuan = Decimal("2000000")
    application.approved_rate = Decimal("5.6")
    application.approved_term_months = 12
    application.decided_at = datetime(2014, 6, 3, 9, 30, tzinfo=UTC)
    db.session.commit()
    return application


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Disbursement.id)))


@pytest.mark.parametrize(
    "change",
    [{"amount_yuan": "1000000.00"}, {"rate": "5.0000"}, {"term_months": 6}, {"note": "另一笔"}],
)
def test_a_key_reused_with_a_different_body_is_422(client, make, db, token_for, change):
    application = _approved(make, db)
    token = token_for(make.user(Role.INSTITUTION, institution=application.institution))
    url = f"/api/v1/applications/{application.id}/disbursements"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": KEY}
    assert client.post(url, json=DISBURSEMENT, headers=headers).status_code == 201
    response = client.post(url, json={**DISBURSEMENT, **change}, headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert _count(db) == 1


def test_the_same_request_written_differently_is_still_a_replay(client, make, db, token_for):
    application = _approved(make, db)
    token = token_for(make.user(Role.INSTITUTION, institution=application.institution))
    url = f"/api/v1/applications/{application.id}/disbursements"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": KEY}
    client.post(url, json=DISBURSEMENT, headers=headers)
    again = client.post(url, json={**DISBURSEMENT, "amount_yuan": "1500000"}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"


def _form(key: str, amount_wan: str = "10") -> dict:
    return {
        "idempotency_key": key,
        "amount_wan": amount_wan,
        "rate": "5.6",
        "term_months": "12",
        "disbursed_on": "2014-06-30",
    }


def test_a_form_key_is_scoped_to_its_application(client, login, make, db):
    bank = make.institution()
    first, second = _approved(make, db, bank), _approved(make, db, bank)
    login(make.user(Role.INSTITUTION, institution=bank))
    client.post(f"/institution/applications/{first.id}/disburse", data=_form("form-key-1"))
    client.post(f"/institution/applications/{second.id}/disburse", data=_form("form-key-1"))
    rows = db.session.scalars(sa.select(Disbursement.application_id)).all()
    assert sorted(rows) == sorted([first.id, second.id])


def test_a_form_key_resent_with_other_values_is_refused_with_a_message(client, login, make, db):
    application = _approved(make, db)
    login(make.user(Role.INSTITUTION, institution=application.institution))
    url = f"/institution/applications/{application.id}/disburse"
    client.post(url, data=_form("form-key-2"))
    page = client.post(url, data=_form("form-key-2", amount_wan="20"), follow_redirects=True)
    assert "幂等键" in page.get_data(as_text=True)
    assert _count(db) == 1


def test_the_rule_compares_values_not_spelling():
    require_same_request({"amount": Decimal("5.00")}, {"amount": Decimal("5")})
    with pytest.raises(KeyReused):
        require_same_request({"amount": Decimal("5")}, {"amount": Decimal("6")})
    assert stored_key("api", 1, "application/1", "k") != stored_key("api", 1, "application/2", "k")
    assert stored_key("api", 1, "application/1", "k") != stored_key("form", 1, "application/1", "k")
    assert len(stored_key("api", 2**31, "application/" + "9" * 10, "k" * 64)) <= 80
