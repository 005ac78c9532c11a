"""Approvals outside the product's terms or the firm's highest rate: a reason, the firm's
acceptance, and only then an approval in the funnel, reports and training."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.api.tokens import create_token
from finplatform.deals import acceptance, services
from finplatform.deals.disbursements import record_disbursement
from finplatform.exceptions import Conflict, DomainError
from finplatform.models import ApplicationEvent, ApplicationStatus, Notification
from finplatform.ranking.catalogue_rows import categories
from finplatform.ranking.tables import application_history
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report
from tests.api.conftest import bearer


@pytest.fixture
def reviewed(db, world, make, post_request):
    """The issue's case: a 6.31–10.09 % product, a firm whose ceiling is 6.5 %, in review."""
    product = make.product(world.bank, rate_min=Decimal("6.31"), rate_max=Decimal("10.09"))
    application = services.submit_application(
        post_request(max_rate=Decimal("6.5")), product, world.firm_user
    )
    services.take_into_review(application, world.bank_user)
    db.session.commit()
    return application


def _kinds(db, user) -> list[str]:
    kinds = sa.select(Notification.kind).where(Notification.user_id == user.id)
    return list(db.session.scalars(kinds))


def _events(db, application) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ApplicationEvent.to_status)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.id)
        )
    )


def _approvals_this_month() -> int:
    today = clock.today()
    return build_report(Month(today.year, today.month))["totals"]["approvals"]["count"]


def test_fifteen_percent_without_a_reason_is_refused_naming_both_limits(db, world, reviewed):
    with pytest.raises(DomainError) as refused:
        services.approve_application(
            reviewed, world.bank_user, amount_yuan="2000000", rate="15", term_months=12
        )
    assert refused.value.field == "reason"
    message = str(refused.value.message)
    assert "10.09%" in message and "6.5%" in message
    db.session.rollback()
    assert db.session.get(type(reviewed), reviewed.id).status == ApplicationStatus.IN_REVIEW


def test_terms_inside_every_limit_are_approved_at_once(db, world, reviewed):
    services.approve_application(
        reviewed, world.bank_user, amount_yuan="2000000", rate="6.4", term_months=12
    )
    db.session.commit()
    assert reviewed.status == ApplicationStatus.APPROVED
    assert reviewed.limit_breaches == []


def test_with_a_reason_the_terms_wait_for_the_firm_and_count_only_once_accepted(
    db, world, reviewed
):
    before = _approvals_this_month()
    services.approve_application(
        reviewed,
        world.bank_user,
        amount_yuan="2000000",
        rate="15",
        term_months=12,
        reason="无抵押，风险溢价",
    )
    db.session.commit()
    assert reviewed.status == ApplicationStatus.AWAITING_FIRM
    assert [b["rule"] for b in reviewed.limit_breaches] == ["rate_max", "firm_max_rate"]
    assert "application.awaiting_firm" in _kinds(db, world.firm_user)
    # Not an approval yet: not in the report, not a training outcome, not disbursable.
    assert _approvals_this_month() == before
    assert reviewed.request_id not in set(load_history_ids())
    with pytest.raises(DomainError):
        record_disbursement(
            reviewed,
            actor=world.bank_user,
            idempotency_key="k1",
            amount_yuan="2000000",
            rate="15",
            term_months=12,
            disbursed_on=clock.today(),
        )
    db.session.rollback()

    acceptance.accept_terms(reviewed, world.firm_user)
    db.session.commit()
    assert reviewed.status == ApplicationStatus.APPROVED
    assert reviewed.decided_at is not None
    assert _events(db, reviewed)[-2:] == ["awaiting_firm", "approved"]
    assert _approvals_this_month() == before + 1
    assert "application.firm_accepted" in _kinds(db, world.bank_user)


def load_history_ids():
    """Request ids of the applications the ranking's training history holds."""
    return list(application_history(categories()).request_id)


def test_the_firm_refusing_withdraws_the_application_in_its_own_name(db, world, reviewed):
    services.approve_application(
        reviewed,
        world.bank_user,
        amount_yuan="6000000",
        rate="6.4",
        term_months=48,
        reason="扩大规模",
    )
    db.session.commit()
    assert [b["rule"] for b in reviewed.limit_breaches] == ["amount_max", "term_max"]
    acceptance.refuse_terms(reviewed, world.firm_user, "利率可以，额度不需要这么多")
    db.session.commit()
    assert reviewed.status == ApplicationStatus.WITHDRAWN
    last = db.session.scalars(
        sa.select(ApplicationEvent)
        .where(ApplicationEvent.application_id == reviewed.id)
        .order_by(ApplicationEvent.id.desc())
    ).first()
    assert (last.from_status, last.to_status, last.actor_id) == (
        "awaiting_firm",
        "withdrawn",
        world.firm_user.id,
    )
    assert "application.firm_refused" in _kinds(db, world.bank_user)
    with pytest.raises(Conflict):
        acceptance.accept_terms(reviewed, world.firm_user)


def test_the_institution_cannot_decide_again_while_the_firm_answers(db, world, reviewed):
    services.approve_application(
        reviewed, world.bank_user, amount_yuan="300000", rate="6.4", term_months=3, reason="试贷"
    )
    db.session.commit()
    assert [b["rule"] for b in reviewed.limit_breaches] == ["amount_min", "term_min"]
    with pytest.raises(Conflict):
        services.reject_application(reviewed, world.bank_user, reason="credit_history")


def test_the_pages_state_the_limit_in_chinese_and_let_the_firm_accept(
    db, world, reviewed, client, login
):
    login(world.bank_user)
    url = f"/institution/applications/{reviewed.id}/approve"
    form = {"amount_wan": "800", "rate": "6.4", "term_months": "12"}
    refused = client.post(url, data=form).get_data(as_text=True)
    assert "超过产品额度上限 500万元" in refused
    assert "超出限额的条件须填写理由" in refused
    sent = client.post(url, data={**form, "reason": "订单充足"}, follow_redirects=True)
    assert "待企业确认" in sent.get_data(as_text=True)

    client.post("/auth/logout")
    login(world.firm_user)
    shown = client.get(f"/applications/{reviewed.id}").get_data(as_text=True)
    assert "超过产品额度上限 500万元" in shown and "订单充足" in shown
    client.post(f"/enterprise/applications/{reviewed.id}/terms/accept")
    db.session.expire_all()
    assert db.session.get(type(reviewed), reviewed.id).status == ApplicationStatus.APPROVED


def test_the_api_sends_terms_to_the_firm_and_the_firm_accepts(db, world, reviewed, client):
    bank = create_token(world.bank_user, "bank system")[1]
    firm = create_token(world.firm_user, "firm system")[1]
    db.session.commit()
    url = f"/api/v1/applications/{reviewed.id}"
    terms = {"amount_yuan": "2000000", "rate": "15", "term_months": 12}
    refused = client.post(url + "/approve", json=terms, headers=bearer(bank))
    assert refused.status_code == 422
    assert "超过企业可接受的最高利率 6.5%" in refused.get_json()["detail"]
    sent = client.post(url + "/approve", json={**terms, "reason": "高风险"}, headers=bearer(bank))
    assert sent.status_code == 200
    body = sent.get_json()
    assert body["status"] == "awaiting_firm"
    assert [b["text"] for b in body["limit_breaches"]] == [
        "超过产品利率上限 10.09%",
        "超过企业可接受的最高利率 6.5%",
    ]
    assert client.post(url + "/accept-terms", json={}, headers=bearer(bank)).status_code == 403
    accepted = client.post(url + "/accept-terms", json={}, headers=bearer(firm))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "approved"
    again = client.post(url + "/refuse-terms", json={}, headers=bearer(firm))
    assert again.status_code == 409
