"""The loan and pool pages: an institution registers, records and claims; the commission
decides and pays; each reader sees only what is theirs, in Chinese."""

from __future__ import annotations

from datetime import date

from finplatform.loans import pool as funds
from finplatform.models import ClaimStatus, Role


def test_institution_registers_repays_and_claims_and_the_commission_pays(
    db, client, login, make, pool, disburse, bank_user, pin_today
):
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    login(bank_user)
    page = client.get(f"/loans/{loan.id}")
    assert "等额本息" in page.text and "登记备案" in page.text
    registered = client.post(f"/loans/{loan.id}/cover", follow_redirects=True)
    assert "该笔贷款已备案纳入风险保证金" in registered.text
    # The first instalment (10,000, due Monday 2014-02-17) is paid late; the rest never.
    pin_today(date(2014, 6, 3))
    repaid = client.post(
        f"/loans/{loan.id}/repayments",
        data={"idempotency_key": "form-1", "amount_wan": "1", "paid_on": "2014-03-01"},
        follow_redirects=True,
    )
    assert "还款已登记" in repaid.text
    # As of 2014-06-03 the second instalment (due Monday 2014-03-17) is 78 days past due.
    assert "逾期 78 天" in repaid.text
    pin_today(date(2014, 6, 20))  # 95 days past due: past the claim threshold
    overdue = client.get("/loans/?overdue=1")
    assert f"/loans/{loan.id}" in overdue.text
    claimed = client.post(
        f"/loans/{loan.id}/claim", data={"evidence": "催收记录"}, follow_redirects=True
    )
    assert "代偿申请已提交" in claimed.text
    assert "45,000.00" in claimed.text or "4.5万元" in claimed.text
    admin = make.user(Role.ADMIN)
    client.post("/auth/logout")
    login(admin)
    pool_page = client.get("/pool/?year=2014")
    assert "风险保证金" in pool_page.text
    claim_id = db.session.scalar(funds.sa.select(funds.Claim.id))
    client.post(f"/pool/claims/{claim_id}/decision", data={"decision": "approve", "reason": ""})
    client.post(f"/pool/claims/{claim_id}/payout")
    claim = db.session.get(funds.Claim, claim_id)
    db.session.refresh(claim)
    assert claim.status == ClaimStatus.PAID
    # 9 × 10,000 outstanding × 50 % = 45,000 paid: 955,000 left (955万元 is 95.5万元).
    assert funds.balance(pool.id) == funds.Decimal("955000.00")
    assert "95.5" in client.get("/pool/?year=2014").text
    # The bank recovers 20,000 later; the pool paid 45,000 of 90,000 outstanding, so half of
    # it (10,000) flows back. A double click records it once.
    client.post("/auth/logout")
    login(bank_user)
    pin_today(date(2014, 9, 1))
    form = {"idempotency_key": "recover-1", "amount_wan": "2", "recovered_on": "2014-08-28"}
    recovered = client.post(f"/loans/{loan.id}/recoveries", data=form, follow_redirects=True)
    assert "追偿回收已登记" in recovered.text
    assert "2014-08-28 追偿回收" in recovered.text
    client.post(f"/loans/{loan.id}/recoveries", data=form)
    assert funds.recovered(pool.id) == funds.Decimal("10000.00")
    assert funds.balance(pool.id) == funds.Decimal("965000.00")
    # More than the 90,000 outstanding in all is refused on its field.
    refused = client.post(
        f"/loans/{loan.id}/recoveries",
        data={"idempotency_key": "recover-2", "amount_wan": "8", "recovered_on": "2014-08-29"},
    )
    assert refused.status_code == 422
    assert "追偿" in refused.text


def test_a_bad_repayment_is_refused_on_its_field(db, client, login, disburse, bank_user, pin_today):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 3, 1))
    login(bank_user)
    refused = client.post(
        f"/loans/{loan.id}/repayments",
        data={"idempotency_key": "k", "amount_wan": "4", "paid_on": "2014-02-20"},
    )
    assert refused.status_code == 422
    assert "超过应还金额" in refused.text


def test_others_do_not_see_the_loan_and_firms_do_not_reach_the_pages(
    db, client, login, make, disburse
):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    login(make.user(Role.INSTITUTION))
    assert client.get(f"/loans/{loan.id}").status_code == 404
    assert f"/loans/{loan.id}" not in client.get("/loans/").text
    client.post("/auth/logout")
    login(make.user(Role.ENTERPRISE))
    assert client.get("/loans/").status_code == 403
    assert client.get("/pool/").status_code == 403


def test_the_loan_page_shows_the_penalty_rate_and_the_penalty_accrued(
    db, client, login, disburse, bank_user, pin_today
):
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="6", term=12)
    pin_today(date(2014, 3, 20))
    login(bank_user)
    page = client.get(f"/loans/{loan.id}").text
    # 6 % raised by the product's 50 %: 9 % a year. Nothing repaid by 2014-03-20: instalment 1
    # (8,106.64, due 2014-02-17) 31 days late = 62.83; instalment 2 (8,147.17, due 03-17)
    # 3 days = 6.11; 68.94 owed in all.
    assert "罚息利率" in page and "9%" in page
    assert "62.83" in page and "6.11" in page
    assert "68.94" in page
    assert "逾期 31 天" in page
