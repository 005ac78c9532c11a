"""The loans API: schedules, repayments with Idempotency-Key, cover, claims and decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from finplatform.api.tokens import create_token
from finplatform.models import ApplicationStatus, Role
from tests.api.conftest import bearer


@pytest.fixture
def token(db):
    """token(user) → an API token's text."""

    def make(user) -> str:
        _row, text = create_token(user, "system")
        db.session.commit()
        return text

    return make


def test_a_loan_reads_with_its_schedule_as_decimal_strings(client, disburse, bank_user, token):
    loan = disburse(amount="100000", on=date(2014, 3, 10), rate="6", term=12)
    headers = bearer(token(bank_user))
    body = client.get(f"/api/v1/loans/{loan.id}", headers=headers).get_json()
    assert body["status"] == "current" and body["repayment_kind"] == "equal_instalment"
    first = body["instalments"][0]
    # 2014-04-10 is a Thursday; 100,000 × 0.5 % = 500.00 interest, 8,106.64 principal.
    assert first == {
        "number": 1,
        "due_on": "2014-04-10",
        "principal_yuan": "8106.64",
        "interest_yuan": "500.00",
        "penalty_yuan": "0.00",
        "unpaid_yuan": "8606.64",
    }
    assert body["penalty_rate"] == "9.0000"  # 6 % raised by the product's 50 %
    listed = client.get("/api/v1/loans", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [loan.id]


def test_repayments_are_idempotent_and_a_reused_key_is_refused(
    client, disburse, bank_user, token, pin_today
):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 3, 1))
    headers = bearer(token(bank_user), **{"Idempotency-Key": "repay-0001"})
    url = f"/api/v1/loans/{loan.id}/repayments"
    body = {"amount_yuan": "10000.00", "paid_on": "2014-02-17"}
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)
    other = client.post(url, json={**body, "amount_yuan": "5000.00"}, headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert "Idempotency-Key" in other.get_json()["errors"]["headers"]
    future = client.post(
        url,
        json={"amount_yuan": "1.00", "paid_on": "2014-03-02"},
        headers={**headers, "Idempotency-Key": "repay-0002"},
    )
    assert future.status_code == 422
    assert "paid_on" in future.get_json()["errors"]["json"]
    assert len(client.get(url, headers=headers).get_json()) == 1


def test_cover_claim_decision_and_payout(client, make, pool, disburse, bank_user, token, pin_today):
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    bank = bearer(token(bank_user))
    assert client.post(f"/api/v1/loans/{loan.id}/cover", headers=bank).status_code == 201
    assert client.post(f"/api/v1/loans/{loan.id}/cover", headers=bank).status_code == 409
    pin_today(date(2014, 5, 17))  # 89 days past due
    early = client.post(f"/api/v1/loans/{loan.id}/claim", json={"evidence": "x"}, headers=bank)
    assert early.status_code == 422
    pin_today(date(2014, 6, 3))
    claim = client.post(f"/api/v1/loans/{loan.id}/claim", json={"evidence": "诉讼"}, headers=bank)
    assert claim.status_code == 201 and claim.get_json()["claimed_yuan"] == "50000.00"
    claim_id = claim.get_json()["id"]
    admin = bearer(token(make.user(Role.ADMIN)))
    url = f"/api/v1/pool/claims/{claim_id}"
    refused = client.post(f"{url}/decision", json={"decision": "reject"}, headers=admin)
    assert refused.status_code == 422  # a rejection needs its reason
    approved = client.post(f"{url}/decision", json={"decision": "approve"}, headers=admin)
    assert approved.get_json()["status"] == "approved"
    assert client.post(f"{url}/payout", headers=bank).status_code == 403
    assert client.post(f"{url}/payout", headers=admin).get_json()["status"] == "paid"
    assert client.post(f"{url}/payout", headers=admin).status_code == 409
    status = client.get("/api/v1/pool/status?year=2014", headers=admin).get_json()
    assert (status["claims_paid_yuan"], status["balance_yuan"]) == ("50000.00", "950000.00")
    # 30,000 recovered: the pool paid 50,000 of 100,000, so 15,000 flows back, once per key.
    pin_today(date(2014, 9, 1))
    keyed = {**bank, "Idempotency-Key": "recovery-0001"}
    body = {"amount_yuan": "30000", "recovered_on": "2014-08-20"}
    url = f"/api/v1/loans/{loan.id}/recoveries"
    first = client.post(url, json=body, headers=keyed)
    again = client.post(url, json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["pool_share_yuan"] == "15000.00"
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(url, json={**body, "amount_yuan": "1000"}, headers=keyed)
    assert other.status_code == 422
    future = client.post(
        url, json={**body, "recovered_on": "2014-09-02"}, headers={**bank, "Idempotency-Key": "r2"}
    )
    assert future.status_code == 422
    status = client.get("/api/v1/pool/status?year=2014", headers=admin).get_json()
    assert (status["recovered_yuan"], status["balance_yuan"]) == ("15000.00", "965000.00")


def test_a_recovery_needs_a_paid_claim(client, disburse, bank_user, token, pin_today):
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    pin_today(date(2014, 9, 1))
    headers = bearer(token(bank_user), **{"Idempotency-Key": "recovery-0002"})
    body = {"amount_yuan": "1000", "recovered_on": "2014-08-20"}
    refused = client.post(f"/api/v1/loans/{loan.id}/recoveries", json=body, headers=headers)
    assert refused.status_code == 422  # the loan is not even registered for cover


def test_firms_do_not_reach_the_loans_api(client, make, token):
    firm = bearer(token(make.user(Role.ENTERPRISE)))
    assert client.get("/api/v1/loans", headers=firm).status_code == 403
    assert client.get("/api/v1/pool/status?year=2014", headers=firm).status_code == 403


def test_a_disbursement_through_the_api_picks_the_repayment_kind(
    db, client, make, bank_user, token, pin_today
):
    application = make.application(
        make.financing_request(),
        make.product(bank_user.institution),
        status=ApplicationStatus.APPROVED,
        decided_at=datetime(2014, 1, 2, tzinfo=UTC),
        approved_amount_yuan=Decimal("300000"),
        approved_rate=Decimal("6"),
        approved_term_months=6,
    )
    db.session.commit()
    pin_today(date(2014, 3, 10))
    headers = bearer(token(bank_user), **{"Idempotency-Key": "disb-0001"})
    body = {"amount_yuan": "300000.00", "rate": "6.0000", "term_months": 6}
    response = client.post(
        f"/api/v1/applications/{application.id}/disbursements",
        json={**body, "disbursed_on": "2014-03-10", "repayment_kind": "interest_only"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    loans = client.get("/api/v1/loans", headers=headers).get_json()["items"]
    assert loans[0]["repayment_kind"] == "interest_only"
    detail = client.get(f"/api/v1/loans/{loans[0]['id']}", headers=headers).get_json()
    # 300,000 × 0.5 % = 1,500.00 interest a month; the principal at the sixth instalment.
    assert [line["principal_yuan"] for line in detail["instalments"]] == ["0.00"] * 5 + [
        "300000.00"
    ]
    assert {line["interest_yuan"] for line in detail["instalments"]} == {"1500.00"}
