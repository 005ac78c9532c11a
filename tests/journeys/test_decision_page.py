"""The institution's decision page: what is asked beside the product's terms, the firm's grade
under its authorisation, the approval likelihood, and the firm's history with this institution
and on the platform (applications by outcome, loans by repayment status)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from finplatform import clock
from finplatform.credit import consent
from finplatform.deals.disbursements import record_disbursement
from finplatform.models import ApplicationStatus


def _text(html: str, element_id: str) -> str:
    """The text inside the element with this id (tags dropped, spaces squeezed)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:table|p|dd)>', html, re.S)
    assert found, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.fixture
def history(db, world, make):
    """Earlier: a rejected application to the bank, a loan from the other bank being repaid;
    now: an application of 600万元 (above the product's 500万元) to the bank."""
    decided = datetime.now(UTC) - timedelta(days=200)
    rejected = make.application(
        make.financing_request(world.firm),
        world.credit_loan,
        status=ApplicationStatus.REJECTED,
        decided_at=decided,
        submitted_at=decided - timedelta(days=3),
        reject_reason="credit_history",
    )
    approved = make.application(
        make.financing_request(world.firm),
        world.other_loan,
        status=ApplicationStatus.APPROVED,
        decided_at=decided,
        approved_amount_yuan=Decimal("1000000"),
        approved_rate=Decimal("4.5"),
        approved_term_months=12,
    )
    record_disbursement(
        approved,
        amount_yuan="1000000",
        rate="4.5",
        term_months=12,
        disbursed_on=clock.today(),
        actor=world.other_bank_user,
        idempotency_key=None,
    )
    # Made directly: the eligibility rules keep a firm from applying outside the terms, but
    # an offer or a product changed since can leave an application there.
    current = make.application(
        make.financing_request(world.firm, amount_yuan=Decimal("6000000"), max_rate=Decimal("4.0")),
        world.credit_loan,
    )
    db.session.commit()
    return {"rejected": rejected, "current": current}


def test_the_bank_reads_terms_history_grade_and_likelihood(db, world, history, client, login):
    login(world.bank_user)
    page = client.get(f"/applications/{history['current'].id}").get_data(as_text=True)

    terms = _text(page, "terms-beside-ask")
    # 600万元 asked against 50万–500万元; 12 months within 6–36; at most 4% against 4.35–6.5%.
    assert re.search(r"金额 600万元 50万元 – 500万元 超出产品条件", terms), terms
    assert re.search(r"期限 12 个月 6–36 个月 符合产品条件", terms), terms
    assert re.search(r"利率 最高 4% 4.35–6.5% 超出产品条件", terms), terms

    here = _text(page, "history-here")
    assert "已拒绝" in here and "科技信用贷" in here
    assert f"/applications/{history['rejected'].id}" in page
    assert "小巨人成长贷" not in here  # the other bank's deal is only counted below

    platform = _text(page, "history-platform")
    assert "其他申请 2 笔" in platform
    assert "获批 1" in platform and "被拒 1" in platform
    assert 'data-loan-status="current"' in page

    # No authorisation: no grade; no trained model: no likelihood.
    assert "企业未授权" in _text(page, "decision-grade")
    assert "暂无已训练的模型" in _text(page, "decision-likelihood")

    consent.grant_for_application(history["current"], world.firm_user)
    db.session.commit()
    page = client.get(f"/applications/{history['current'].id}").get_data(as_text=True)
    # No public-credit records: the base score of 60, grade C (55–64).
    assert _text(page, "decision-grade") == "C (60 / 100)"


def test_the_firm_and_its_specialist_do_not_get_the_decision_panel(
    db, world, history, client, login
):
    for user in (world.firm_user, world.specialist):
        client.post("/auth/logout")
        login(user)
        page = client.get(f"/applications/{history['current'].id}").get_data(as_text=True)
        assert 'id="decision-panel"' not in page
