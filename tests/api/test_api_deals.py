"""The API's deal operations: the same rules as the pages, scoped to the token's organisation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform.models import Application, ApplicationStatus, Disbursement, Role
from tests.api.conftest import bearer

DISBURSEMENT = {
    "amount_yuan": "1500000.00",
    "rate": "5.6000",
    "term_months": 12,
    "disbursed_on": "2014-06-30",
}


def _approved(make, db, institution=None):
    product = make.product(institution)
    application = make.application(product=product)
    application.status = ApplicationStatus.APPROVED
    application.approved_amount_yuan = Decimal("2000000")
    application.approved_rate = Decimal("5.6")
    application.approved_term_months = 12
    application.decided_at = datetime(2014, 6, 3, 9, 30, tzinfo=UTC)
    db.session.commit()
    return application


def test_a_retried_disbursement_with_the_same_key_records_once(client, make, db, token_for):
    application = _approved(make, db)
    token = token_for(make.user(Role.INSTITUTION, institution=application.institution))
    url = f"/api/v1/applications/{application.id}/disbursements"
    headers = bearer(token, **{"Idempotency-Key": "batch-2014-06-30-0001"})
    first = client.post(url, json=DISBURSEMENT, headers=headers)
    again = client.post(url, json=DISBURSEMENT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json["amount_yuan"] == "1500000.00"
    assert db.session.scalar(sa.select(sa.func.count(Disbursement.id))) == 1
    other = client.post(
        url,
        json=DISBURSEMENT,
        headers=bearer(token, **{"Idempotency-Key": "batch-2014-06-30-0002"}),
    )
    # A new key is a new disbursement: 1,500,000 + 1,500,000 exceeds the 2,000,000 approved.
    assert other.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Disbursement.id))) == 1


def test_a_disbursement_without_a_key_is_refused_with_the_header_named(client, make, db, token_for):
    application = _approved(make, db)
    token = token_for(make.user(Role.INSTITUTION, institution=application.institution))
    response = client.post(
        f"/api/v1/applications/{application.id}/disbursements",
        json=DISBURSEMENT,
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["errors"]["headers"]


def test_one_institution_cannot_read_or_change_anothers_objects(client, make, db, token_for):
    application = _approved(make, db)
    stranger = token_for(make.user(Role.INSTITUTION))
    headers = bearer(stranger, **{"Idempotency-Key": "stranger-key-0001"})
    assert client.get(f"/api/v1/applications/{application.id}", headers=headers).status_code == 404
    assert (
        client.post(f"/api/v1/applications/{application.id}/review", headers=headers).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/applications/{application.id}/disbursements",
            json=DISBURSEMENT,
            headers=headers,
        ).status_code
        == 404
    )
    product_url = f"/api/v1/products/{application.product_id}"
    assert client.post(product_url + "/retire", headers=headers).status_code == 404
    assert client.get("/api/v1/applications", headers=headers).json["total"] == 0
    assert db.session.scalar(sa.select(sa.func.count(Disbursement.id))) == 0


def test_an_enterprise_posts_a_request_sees_matches_and_applies(client, make, db, token_for):
    product = make.product()
    db.session.commit()
    user = make.user(Role.ENTERPRISE)
    token = token_for(user)
    created = client.post(
        "/api/v1/requests",
        json={"amount_yuan": "2000000", "term_months": 12, "purpose": "研发设备", "kind_codes": []},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.json
    request_id = created.json["id"]
    matches = client.get(f"/api/v1/requests/{request_id}/matches", headers=bearer(token)).json
    assert [m["product_id"] for m in matches] == [product.id]
    assert matches[0]["reasons"]
    applied = client.post(
        "/api/v1/applications",
        json={"request_id": request_id, "product_id": product.id},
        headers=bearer(token),
    )
    assert applied.status_code == 201
    assert applied.json["status"] == "submitted"
    twice = client.post(
        "/api/v1/applications",
        json={"request_id": request_id, "product_id": product.id},
        headers=bearer(token),
    )
    assert twice.status_code == 409


def test_illegal_transitions_answer_409(client, make, db, token_for):
    application = make.application()
    db.session.commit()
    token = token_for(make.user(Role.INSTITUTION, institution=application.institution))
    approve = {"amount_yuan": "1000000", "rate": "5.6", "term_months": 12}
    url = f"/api/v1/applications/{application.id}"
    # Approving straight from submitted skips the review: refused.
    assert client.post(url + "/approve", json=approve, headers=bearer(token)).status_code == 409
    assert client.post(url + "/review", headers=bearer(token)).status_code == 200
    assert client.post(url + "/review", headers=bearer(token)).status_code == 409
    assert client.post(url + "/approve", json=approve, headers=bearer(token)).status_code == 200
    rejected = client.post(
        url + "/reject", json={"reason": "credit_history"}, headers=bearer(token)
    )
    assert rejected.status_code == 409
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == ApplicationStatus.APPROVED


def test_validation_errors_name_the_field(client, make, token_for):
    token = token_for(make.user(Role.ENTERPRISE))
    response = client.post(
        "/api/v1/requests",
        json={"amount_yuan": "-5", "term_months": 12, "purpose": "x"},
        headers=bearer(token, **{"Accept-Language": "en"}),
    )
    assert response.status_code == 422
    assert "amount_yuan" in response.json["errors"]["json"]


def test_an_institution_posts_and_retires_its_product(client, make, db, token_for):
    institution = make.institution()
    token = token_for(make.user(Role.INSTITUTION, institution=institution))
    body = {
        "name": "科技履约贷",
        "kind_code": "credit_loan",
        "amount_min_yuan": "500000",
        "amount_max_yuan": "5000000",
        "term_min_months": 6,
        "term_max_months": 36,
        "rate_min": "4.35",
        "rate_max": "6.5",
        "industry_codes": ["39"],
    }
    created = client.post("/api/v1/products", json=body, headers=bearer(token))
    assert created.status_code == 201, created.json
    assert created.json["institution_id"] == institution.id
    assert created.json["industries"] == ["39"]
    retired = client.post(f"/api/v1/products/{created.json['id']}/retire", headers=bearer(token))
    assert retired.json["status"] == "retired"
    bad = client.post(
        "/api/v1/products", json={**body, "amount_min_yuan": "9000000"}, headers=bearer(token)
    )
    assert bad.status_code == 422
    assert "amount_max_yuan" in bad.json["errors"]["json"]
