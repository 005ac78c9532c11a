"""Random sequences of events (requests, applications, answers and decisions, disbursements and
their reversals, firms moving district or joining and leaving a community, a product kind's
flags, referrals, contacts, a specialist taking an application, withdrawals, the match API's
first ranking and re-ranking), some dated in the year before, leave exactly the facts that
`flask report rebuild` computes (the firms counted once, first in a year or ever, the
specialists' work and the response times included)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finplatform.models import (
    Application,
    ApplicationStatus,
    CommunityMembership,
    ContactChannel,
    ContactLog,
    Disbursement,
    FinancingRequest,
    Institution,
    Match,
    MatchSource,
    Product,
    ProductKind,
    Referral,
    ReferralKind,
    Role,
    User,
)
from finplatform.ranking import match_api
from finplatform.ranking.batch import replace_matches
from finplatform.ranking.service import note_ranked
from tests.reports.conftest import bj, build_world
from tests.reports.test_facts import D, _same_after_rebuild

OPS = (
    "request",
    "apply",
    "decide",
    "disburse",
    "reverse",
    "move",
    "join",
    "leave",
    "kind",
    "refer",
    "contact",
    "broker",
    "withdraw",
    "rank",
    "rerank",
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(
        st.tuples(st.sampled_from(OPS), st.integers(0, 6), st.integers(1, 12), st.integers(1, 40)),
        min_size=1,
        max_size=14,
    )
)
def test_random_writes_give_the_facts_a_rebuild_gives(app, db, make, events):
    if not db.session.scalar(sa.select(sa.func.count()).select_from(Institution)):
        build_world(db, make)
    saved = db.session.begin_nested()
    try:
        _play(app, db, events)
        db.session.flush()
        _same_after_rebuild(db)
    finally:
        saved.rollback()


def _rank(app, db, op, request, products, month, size) -> None:
    """A ranking on 14 `month` 2014: the match API's stamp of the first ranking time ("rank"),
    or re-ranking's replacement of the request's matches ("rerank"; every fourth proposes
    nothing), the bulk statements the flush hooks do not see."""
    app.config["TODAY"] = date(2014, month, 14)
    try:
        if op == "rank":
            stamp = db.session.execute(
                sa.select(*match_api.STAMP_COLUMNS).where(FinancingRequest.id == request.id)
            ).one()
            match_api.note_first_ranking(match_api.RequestStamp(*stamp))
            db.session.expire(request)
            return
        rows = [
            Match(
                request_id=request.id,
                product_id=product,
                score=0.5,
                rank=position + 1,
                source=MatchSource.RULE,
                created_at=bj(2014, month, 13),
            )
            for position, product in enumerate(products[: size % 4])
        ]
        if rows:
            note_ranked(request)
        replace_matches([request.id], rows)
        db.session.flush()
    finally:
        app.config["TODAY"] = None


def _play(app, db, events) -> None:
    firms = sorted(db.session.scalars(sa.select(FinancingRequest.enterprise_id)).all())
    community = db.session.scalar(
        sa.select(Institution.id).where(Institution.kind_code == "credit_community")
    )
    specialists = db.session.scalars(
        sa.select(User.id).where(User.role == Role.SPECIALIST).order_by(User.id)
    ).all()
    products = db.session.scalars(sa.select(Product.id).order_by(Product.id)).all()
    for op, pick, month, size in events:
        specialist = (specialists + [None])[size % (len(specialists) + 1)]
        amount = D(size * 50000)
        year = 2013 if size % 5 == 0 else 2014  # firsts of a year and ever, across a new year
        requests = db.session.scalars(sa.select(FinancingRequest).order_by("id")).all()
        apps = db.session.scalars(sa.select(Application).order_by("id")).all()
        request = requests[pick % len(requests)]
        application = apps[pick % len(apps)]
        firm = firms[pick % len(firms)]
        if op == "request":
            db.session.add(
                FinancingRequest(
                    enterprise_id=firm,
                    amount_yuan=amount,
                    term_months=12,
                    created_at=bj(year, month, 10),
                )
            )
        elif op == "apply":
            db.session.add(
                Application(
                    request_id=request.id,
                    product_id=application.product_id,
                    enterprise_id=request.enterprise_id,
                    institution_id=application.institution_id,
                    product_kind_code=application.product_kind_code,
                    submitted_at=bj(year, month, 11),
                    specialist_id=specialist,
                )
            )
        elif op == "refer":
            db.session.add(
                Referral(
                    kind=ReferralKind.RECOMMEND_PRODUCT,
                    specialist_id=specialist,
                    enterprise_id=firm,
                    product_id=application.product_id,
                    created_at=bj(year, month, 9),
                )
            )
        elif op == "contact":
            db.session.add(
                ContactLog(
                    specialist_id=specialist,
                    enterprise_id=firm,
                    channel=ContactChannel.VISIT,
                    happened_at=bj(year, month, 8),
                )
            )
        elif op == "broker":
            application.specialist_id = specialist
        elif op == "withdraw" and not db.session.scalar(
            sa.select(Disbursement.id).where(Disbursement.application_id == application.id)
        ):
            db.session.delete(application)
        elif op == "decide":
            approve = size % 2 == 0
            application.status = (
                ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
            )
            application.decided_at = bj(year, month, 12)
            # The first answer, some hours after submission: a response time.
            application.first_response_at = bj(year, month, 11, size % 24)
            application.approved_amount_yuan = amount if approve else None
        elif op in ("disburse", "reverse"):
            _disburse(db, application, op, date(year, month, 15), amount)
        elif op == "move":
            enterprise = application.enterprise
            enterprise.district_code = ("120104", "120116", "120111")[size % 3]
        elif op == "join" and community:
            found = db.session.get(CommunityMembership, (community, firm))
            if found is None:
                db.session.add(CommunityMembership(community_id=community, enterprise_id=firm))
        elif op == "leave" and community:
            found = db.session.get(CommunityMembership, (community, firm))
            if found is not None:
                db.session.delete(found)
        elif op == "kind":
            kind = db.session.get(ProductKind, application.product_kind_code)
            kind.is_credit_loan = not kind.is_credit_loan
        elif op in ("rank", "rerank"):
            _rank(app, db, op, request, products[pick:] + products[:pick], month, size)
        db.session.flush()


def _disburse(db, application, op, day, amount) -> None:
    reversed_row = None
    if op == "reverse":
        reversed_row = db.session.scalar(
            sa.select(Disbursement)
            .where(
                Disbursement.reverses_id.is_(None),
                Disbursement.amount_yuan > 0,
                ~sa.exists().where(sa.orm.aliased(Disbursement).reverses_id == Disbursement.id),
            )
            .order_by(Disbursement.id)
        )
        if reversed_row is None:
            return
        application = db.session.get(Application, reversed_row.application_id)
        amount = -reversed_row.amount_yuan
    product = application.product
    db.session.add(
        Disbursement(
            application_id=application.id,
            amount_yuan=amount,
            rate=D("5.0"),
            term_months=12,
            disbursed_on=day,
            reverses_id=reversed_row.id if reversed_row else None,
            enterprise_id=application.enterprise_id,
            institution_id=product.institution_id,
            institution_kind_code=product.institution.kind_code,
            product_kind_code=product.kind_code,
            pool_covered=product.pool_covered,
            district_code=application.enterprise.district_code,
            industry_code=application.enterprise.industry_code,
        )
    )
