"""Requests, applications, decisions, offers and deadlines through the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.deals import offers as offer_services
from finplatform.deals import services
from finplatform.deals.costs import borrowing_cost, product_cost
from finplatform.deals.deadlines import flag_overdue
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db as _db
from finplatform.models import (
    Application,
    ApplicationStatus,
    Notification,
    OfferStatus,
    RequestStatus,
)
from finplatform.ranking.service import rank_products_for_request


def kinds_for(user) -> list[str]:
    """The kinds of notification a user has received."""
    return list(
        _db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id))
    )


# --- working days and cost of borrowing ---------------------------------------------------


def test_cost_of_borrowing_is_simple_interest_plus_fees(world):
    # 200万 at 4.35% for 12 months = 87,000; fees 0.5% = 10,000.
    assert borrowing_cost(Decimal("2000000"), 12, Decimal("4.35"), Decimal("0.5")) == Decimal(
        "97000.00"
    )
    cost = product_cost(world.credit_loan, Decimal("2000000"), 6)
    assert cost.fees == Decimal("10000.00")
    assert cost.at_rate_min == Decimal("53500.00")  # 43,500 interest over half a year + fees
    assert cost.at_rate_max == Decimal("75000.00")  # 65,000 + 10,000


# --- requests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount_yuan": "0"}, "amount_yuan"),
        ({"amount_yuan": "12.345"}, "amount_yuan"),
        ({"amount_yuan": "abc"}, "amount_yuan"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 361}, "term_months"),
        ({"max_rate": "40"}, "max_rate"),
        ({"purpose": "  "}, "purpose"),
        ({"kind_codes": ["no_such_kind"]}, "kinds"),
    ],
)
def test_a_request_with_a_bad_value_is_refused_on_its_field(post_request, values, field):
    with pytest.raises(DomainError) as refused:
        post_request(**values)
    assert refused.value.field == field


def test_a_posted_request_is_open_and_ranked_by_rule_score(db, world, post_request):
    request = post_request(kind_codes=["credit_loan"])
    db.session.commit()
    assert request.status == RequestStatus.OPEN
    ranked = rank_products_for_request(request)
    # The IP pledge is not a kind the firm accepts; both credit loans fit.
    assert {item.product.id for item in ranked} == {world.credit_loan.id, world.other_loan.id}
    assert all(item.source == "rule" and item.reasons for item in ranked)
    assert [item.rank for item in ranked] == [1, 2]


def test_only_an_open_request_can_be_edited(db, world, post_request):
    request = post_request()
    services.update_request(
        request, world.firm_user, amount_yuan="3000000", term_months=24, purpose="扩产"
    )
    assert request.amount_yuan == Decimal("3000000")
    services.withdraw_request(request, world.firm_user)
    with pytest.raises(Conflict):
        services.update_request(
            request, world.firm_user, amount_yuan="1000000", term_months=12, purpose="x"
        )


def test_withdrawing_a_request_withdraws_its_pending_applications(db, world, post_request):
    request = post_request()
    application = services.submit_application(request, world.credit_loan, world.firm_user)
    services.withdraw_request(request, world.firm_user)
    db.session.commit()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert "application.withdrawn" in kinds_for(world.bank_user)


# --- applications ---------------------------------------------------------------------------


def test_applying_sets_the_deadline_and_tells_the_institution(
    app, db, world, post_request, pin_today
):
    # Submitted on 30 Sep 2014: the National Day week passes, and three working days later is
    # 10 Oct, answered by 17:30 Beijing time (09:30 UTC).
    pin_today(date(2014, 9, 30))
    request = post_request()
    application = services.submit_application(request, world.credit_loan, world.firm_user)
    db.session.commit()
    assert application.status == ApplicationStatus.SUBMITTED
    assert app.config["RESPONSE_DEADLINE_WORKING_DAYS"] == 3
    assert application.respond_by == datetime(2014, 10, 10, 9, 30, tzinfo=UTC)
    assert application.specialist_id == world.specialist.id
    assert application.institution_id == world.bank.id
    assert kinds_for(world.bank_user) == ["application.submitted"]


def test_applying_twice_to_the_same_product_is_refused(db, world, post_request):
    request = post_request()
    services.submit_application(request, world.credit_loan, world.firm_user)
    with pytest.raises(Conflict):
        services.submit_application(request, world.credit_loan, world.firm_user)


def test_applying_to_a_product_that_does_not_fit_says_why(db, world, post_request):
    request = post_request(amount_yuan="90000000")  # above every product's range
    with pytest.raises(DomainError, match="申请金额不在产品额度范围内"):
        services.submit_application(request, world.credit_loan, world.firm_user)


def test_applying_to_several_products_is_all_or_nothing(db, world, post_request):
    request = post_request(kind_codes=["credit_loan"])
    db.session.commit()
    with pytest.raises(DomainError):
        services.apply_to_products(request, [world.credit_loan, world.ip_loan], world.firm_user)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    applications = services.apply_to_products(
        request, [world.credit_loan, world.other_loan], world.firm_user
    )
    assert len(applications) == 2


def test_approval_keeps_the_terms_and_tells_the_firm(db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    services.take_into_review(application, world.bank_user)
    services.approve_application(
        application, world.bank_user, amount_yuan="1800000", rate="4.8", term_months=12
    )
    db.session.commit()
    assert application.status == ApplicationStatus.APPROVED
    assert (application.approved_amount_yuan, application.approved_rate) == (
        Decimal("1800000"),
        Decimal("4.8"),
    )
    assert application.first_response_at is not None and application.decided_at is not None
    assert kinds_for(world.firm_user) == ["application.in_review", "application.approved"]


def test_approval_above_the_product_maximum_needs_a_reason(db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    services.take_into_review(application, world.bank_user)
    with pytest.raises(DomainError) as refused:
        services.approve_application(
            application, world.bank_user, amount_yuan="9000000", rate="4.8", term_months=12
        )
    assert refused.value.field == "reason"


def test_rejection_needs_a_listed_reason_and_refers_the_firm_onwards(db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    with pytest.raises(DomainError):
        services.reject_application(application, world.bank_user, reason="because")
    with pytest.raises(DomainError):
        services.reject_application(application, world.bank_user, reason="other", note=" ")
    services.reject_application(
        application, world.bank_user, reason="collateral_insufficient", note="需补充担保"
    )
    db.session.commit()
    assert application.reject_reason == "collateral_insufficient"
    assert "application.rejected" in kinds_for(world.firm_user)
    assert "application.rejected_specialist" in kinds_for(world.specialist)
    alternatives = services.next_best_products(application)
    assert world.credit_loan.id not in {item.product.id for item in alternatives}
    assert world.other_loan.id in {item.product.id for item in alternatives}


def test_rerouting_withdraws_and_applies_elsewhere_in_one_action(db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    new = services.reroute_application(application, world.other_loan, world.firm_user)
    db.session.commit()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert new.status == ApplicationStatus.SUBMITTED and new.product_id == world.other_loan.id


# --- deadlines -------------------------------------------------------------------------------


def test_overdue_applications_notify_the_specialist_once(db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    answered = services.submit_application(application.request, world.other_loan, world.firm_user)
    services.take_into_review(answered, world.other_bank_user)
    db.session.commit()
    later = application.respond_by + timedelta(minutes=1)
    assert flag_overdue(later) == 1
    db.session.commit()
    assert flag_overdue(later + timedelta(days=1)) == 0
    assert kinds_for(world.specialist).count("application.overdue") == 1
    assert "application.overdue_firm" in kinds_for(world.firm_user)
    assert application.overdue_notified_at == later


def test_the_flag_overdue_command_commits(app, db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    application.respond_by = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["deals", "flag-overdue"])
    assert "1 overdue applications flagged" in result.output
    db.session.expire_all()
    assert db.session.get(Application, application.id).overdue_notified_at is not None


# --- offers ----------------------------------------------------------------------------------


def test_offers_from_two_institutions_and_the_firm_chooses_one(db, world, post_request):
    request = post_request()
    db.session.commit()
    first = offer_services.make_offer(
        request,
        world.credit_loan,
        world.bank_user,
        amount_yuan="2000000",
        rate="4.5",
        term_months=12,
    )
    second = offer_services.make_offer(
        request,
        world.other_loan,
        world.other_bank_user,
        amount_yuan="2000000",
        rate="4.2",
        term_months=12,
    )
    assert kinds_for(world.firm_user).count("offer.made") == 2
    application = offer_services.accept_offer(second, world.firm_user)
    db.session.commit()
    assert application.from_offer and application.offer_id == second.id
    assert application.status == ApplicationStatus.SUBMITTED
    assert (first.status, second.status) == (OfferStatus.DECLINED, OfferStatus.ACCEPTED)
    assert "offer.accepted" in kinds_for(world.other_bank_user)
    assert "offer.declined" in kinds_for(world.bank_user)
    with pytest.raises(Conflict):
        offer_services.accept_offer(first, world.firm_user)


def test_an_offer_outside_the_product_or_twice_is_refused(db, world, post_request):
    request = post_request()
    with pytest.raises(DomainError) as refused:
        offer_services.make_offer(
            request,
            world.credit_loan,
            world.bank_user,
            amount_yuan="2000000",
            rate="9",
            term_months=12,
        )
    assert refused.value.field == "rate"
    with pytest.raises(DomainError) as refused:
        offer_services.make_offer(
            request,
            world.other_loan,
            world.bank_user,
            amount_yuan="2000000",
            rate="4",
            term_months=12,
        )
    assert refused.value.field == "product_id"  # not the bank's own product
    offer_services.make_offer(
        request, world.credit_loan, world.bank_user, amount_yuan="2000000", rate="5", term_months=12
    )
    with pytest.raises(Conflict):
        offer_services.make_offer(
            request,
            world.credit_loan,
            world.bank_user,
            amount_yuan="1000000",
            rate="5",
            term_months=12,
        )
