"""A small hand-made world for the report tests, with every row's figures written out by hand.

The expected figures in the tests are added up from the literal amounts below (or written as
literals), never by calling the report's queries.

Times are Beijing time. Boundary rows: a request at 00:30 on 1 June Beijing time (still 31 May
in UTC) belongs to June; one at 00:10 on 1 July (30 June in UTC) belongs to July.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from finplatform.clock import BEIJING as REPORT_TZ
from finplatform.models import (
    Application,
    ApplicationStatus,
    CommunityMembership,
    ContactChannel,
    ContactLog,
    Disbursement,
    Enterprise,
    FinancingRequest,
    GuaranteePool,
    Institution,
    InstitutionStatus,
    Match,
    MatchSource,
    PoolContribution,
    Product,
    Referral,
    ReferralKind,
    Role,
)
from tests.loans.conftest import bank_user, disburse  # noqa: F401 (fixtures used by name)


def bj(year, month, day, hour=12, minute=0) -> datetime:
    """A Beijing-time instant, as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=REPORT_TZ).astimezone(UTC)


@dataclass
class World:
    """The records the tests refer to by name."""

    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    institutions: dict[str, Institution] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    requests: dict[str, FinancingRequest] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    disbursements: dict[str, Disbursement] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


class WorldBuilder:
    """Adds the hand-made rows; each method flushes."""

    def __init__(self, db, make) -> None:
        self.db = db
        self.make = make
        self.world = World()

    def add(self, row):
        self.db.session.add(row)
        self.db.session.flush()
        return row

    def disburse(self, key, application_key, amount, on, *, reverses=None, created_at=None):
        application = self.world.applications[application_key]
        enterprise = application.enterprise
        product = application.product
        row = Disbursement(
            application_id=application.id,
            amount_yuan=Decimal(amount),
            rate=Decimal("5.0"),
            term_months=12,
            disbursed_on=on,
            reverses_id=self.world.disbursements[reverses].id if reverses else None,
            enterprise_id=enterprise.id,
            institution_id=product.institution_id,
            institution_kind_code=product.institution.kind_code,
            product_kind_code=product.kind_code,
            pool_covered=product.pool_covered,
            district_code=enterprise.district_code,
            industry_code=enterprise.industry_code,
        )
        if created_at is not None:
            row.created_at = created_at
        self.world.disbursements[key] = self.add(row)
        return row

    def request(self, key, enterprise_key, amount, at):
        row = FinancingRequest(
            enterprise_id=self.world.enterprises[enterprise_key].id,
            amount_yuan=Decimal(amount),
            term_months=12,
            created_at=at,
        )
        self.world.requests[key] = self.add(row)
        return row

    def match(self, request_key, product_key, at):
        request = self.world.requests[request_key]
        if request.first_ranked_at is None or at < request.first_ranked_at:
            request.first_ranked_at = at
        return self.add(
            Match(
                request_id=self.world.requests[request_key].id,
                product_id=self.world.products[product_key].id,
                score=0.5,
                rank=1,
                source=MatchSource.RULE,
                created_at=at,
            )
        )

    def apply(self, key, request_key, product_key, submitted, **values):
        request = self.world.requests[request_key]
        product = self.world.products[product_key]
        row = Application(
            request_id=request.id,
            product_id=product.id,
            enterprise_id=request.enterprise_id,
            institution_id=product.institution_id,
            product_kind_code=product.kind_code,
            submitted_at=submitted,
            **values,
        )
        self.world.applications[key] = self.add(row)
        return row


def build_world(db, make) -> World:
    """The hand-made world described in the module docstring and in test_figures.py."""
    builder = WorldBuilder(db, make)
    w = builder.world
    w.institutions["bank"] = make.institution(
        name="滨海科技支行", kind_code="tech_branch", approved_at=bj(2014, 1, 15)
    )
    w.institutions["old_branch"] = make.institution(
        name="老科技支行", kind_code="tech_branch", approved_at=bj(2013, 5, 1)
    )
    w.institutions["fund"] = make.institution(
        name="成果转化基金", kind_code="fund", approved_at=bj(2014, 1, 2)
    )
    w.institutions["community"] = make.institution(
        name="武清信用共同体", kind_code="credit_community", approved_at=bj(2014, 3, 1)
    )
    w.institutions["service"] = make.institution(
        name="科技金融服务中心", kind_code="service", approved_at=bj(2014, 6, 10)
    )
    w.institutions["suspended_service"] = make.institution(
        name="停业服务机构",
        kind_code="service",
        approved_at=bj(2014, 4, 1),
        status=InstitutionStatus.SUSPENDED,
    )
    for key, district, industry in (
        ("E1", "120116", "39"),
        ("E2", "120114", "27"),
        ("E3", "120113", "39"),
        ("E4", "120116", "35"),
        ("E5", "120114", "27"),
        ("E6", "120110", "39"),
        ("E7", "120115", "35"),
    ):
        w.enterprises[key] = make.enterprise(
            name=f"{key}科技有限公司", district_code=district, industry_code=industry
        )
    for member in ("E1", "E5"):
        builder.add(
            CommunityMembership(
                community_id=w.institutions["community"].id,
                enterprise_id=w.enterprises[member].id,
            )
        )
    p = w.products
    p["P1"] = make.product(w.institutions["bank"], name="科技贷", pool_covered=True)
    p["P1b"] = make.product(w.institutions["bank"], name="信用贷B")
    p["P2"] = make.product(w.institutions["bank"], name="知识产权贷", kind_code="ip_pledge")
    p["P3"] = make.product(w.institutions["fund"], name="股权投资", kind_code="equity_investment")
    p["P4"] = make.product(
        w.institutions["community"], name="共同体担保贷", kind_code="guarantee_loan"
    )

    s1 = make.user(Role.SPECIALIST, name="专员甲")
    s2 = make.user(Role.SPECIALIST, name="专员乙")
    retired = make.user(Role.SPECIALIST, name="离职专员")
    retired.active = False
    late = make.user(Role.SPECIALIST, name="七月专员")
    for user, created in (
        (s1, bj(2014, 1, 5)),
        (s2, bj(2014, 2, 5)),
        (retired, bj(2014, 1, 5)),
        (late, bj(2014, 7, 2)),
    ):
        user.created_at = created
    w.users.update(s1=s1, s2=s2)

    # Last year (2013): the shape of the year.
    builder.request("R01", "E1", "1000000", bj(2013, 3, 1))
    builder.request("R02", "E2", "3000000", bj(2013, 9, 1))
    builder.request("R03", "E3", "3000000", bj(2013, 11, 1))
    builder.request("R08", "E7", "500000", bj(2013, 8, 1))
    done = ApplicationStatus.DISBURSED
    builder.apply(
        "A01",
        "R01",
        "P1",
        bj(2013, 3, 2),
        status=done,
        approved_amount_yuan=Decimal("1000000"),
        decided_at=bj(2013, 3, 5),
    )
    builder.apply(
        "A02",
        "R02",
        "P2",
        bj(2013, 9, 2),
        status=done,
        approved_amount_yuan=Decimal("3000000"),
        decided_at=bj(2013, 9, 5),
    )
    builder.apply(
        "A03",
        "R03",
        "P1",
        bj(2013, 11, 2),
        status=done,
        approved_amount_yuan=Decimal("3000000"),
        decided_at=bj(2013, 11, 5),
    )
    builder.disburse("d01", "A01", "1000000", date(2013, 3, 10))
    builder.disburse("d02", "A02", "3000000", date(2013, 9, 15))
    builder.disburse("d03", "A03", "3000000", date(2013, 11, 20))

    # 2014 before June.
    builder.request("R1", "E1", "2000000", bj(2014, 2, 5))
    builder.request("R2", "E2", "1500000", bj(2014, 5, 10))
    builder.match("R1", "P1", bj(2014, 2, 5, 13))
    builder.match("R2", "P1", bj(2014, 5, 10, 13))
    builder.apply(
        "A1",
        "R1",
        "P1",
        bj(2014, 2, 6),
        status=done,
        approved_amount_yuan=Decimal("2000000"),
        decided_at=bj(2014, 2, 10),
    )
    builder.apply(
        "A2",
        "R2",
        "P1",
        bj(2014, 5, 11),
        status=done,
        first_response_at=bj(2014, 5, 12),
        approved_amount_yuan=Decimal("1500000"),
        decided_at=bj(2014, 5, 15),
    )
    builder.disburse("d1", "A1", "2000000", date(2014, 2, 12))
    builder.disburse("d2", "A2", "1500000", date(2014, 5, 20))

    # June 2014.
    builder.request("R3", "E3", "4000000", bj(2014, 6, 1, 0, 30))
    builder.request("R4", "E4", "3000000", bj(2014, 6, 10))
    builder.request("R5", "E5", "6000000", bj(2014, 6, 20))
    builder.request("R6", "E6", "1000000", bj(2014, 6, 30, 23, 30))
    builder.request("R7", "E6", "900000", bj(2014, 7, 1, 0, 10))
    builder.match("R3", "P2", bj(2014, 6, 1, 9))
    builder.match("R4", "P1b", bj(2014, 6, 10, 13))
    builder.match("R5", "P3", bj(2014, 6, 20, 13))
    builder.match("R6", "P1", bj(2014, 6, 30, 23, 40))
    start = {
        key: bj(2014, 6, day, 10)
        for key, day in (("A3", 1), ("A4", 10), ("A5", 20), ("A7", 21), ("A8", 11))
    }
    days = timedelta(days=1)
    builder.apply(
        "A3",
        "R3",
        "P2",
        start["A3"],
        status=done,
        specialist_id=s1.id,
        first_response_at=start["A3"] + 1 * days,
        decided_at=start["A3"] + 2 * days,
        respond_by=start["A3"] + 3 * days,
        approved_amount_yuan=Decimal("4000000"),
    )
    builder.apply(
        "A4",
        "R4",
        "P1b",
        start["A4"],
        status=done,
        specialist_id=s1.id,
        first_response_at=start["A4"] + days / 2,
        decided_at=start["A4"] + 3 * days,
        respond_by=start["A4"] + 3 * days,
        approved_amount_yuan=Decimal("2500000"),
    )
    builder.apply(
        "A5",
        "R5",
        "P3",
        start["A5"],
        status=done,
        specialist_id=s2.id,
        first_response_at=start["A5"] + 2 * days,
        decided_at=start["A5"] + 4 * days,
        approved_amount_yuan=Decimal("6000000"),
    )
    builder.apply("A6", "R6", "P1", bj(2014, 6, 30, 12), respond_by=bj(2014, 6, 30, 20))
    builder.apply(
        "A7",
        "R5",
        "P4",
        start["A7"],
        status=done,
        specialist_id=s2.id,
        first_response_at=start["A7"] + 1.5 * days,
        decided_at=start["A7"] + 1.5 * days,
        approved_amount_yuan=Decimal("800000"),
    )
    builder.apply(
        "A8",
        "R4",
        "P2",
        start["A8"],
        status=ApplicationStatus.REJECTED,
        first_response_at=start["A8"] + 4 * days,
        decided_at=start["A8"] + 5 * days,
        respond_by=start["A8"] + 2 * days,
        reject_reason="revenue_too_low",
    )
    builder.disburse("d3", "A3", "4000000", date(2014, 6, 3))
    builder.disburse("d4", "A4", "2500000", date(2014, 6, 18))
    builder.disburse("d5", "A5", "6000000", date(2014, 6, 25))
    builder.disburse("d6", "A2", "-1500000", date(2014, 6, 28), reverses="d2")
    builder.disburse("d7", "A7", "800000", date(2014, 6, 30))
    builder.add(
        Referral(
            kind=ReferralKind.REFER_TO_INSTITUTION,
            specialist_id=s1.id,
            enterprise_id=w.enterprises["E6"].id,
            institution_id=w.institutions["bank"].id,
            created_at=bj(2014, 6, 29),
        )
    )
    for specialist, enterprise, day in ((s1, "E3", 2), (s2, "E5", 19), (s2, "E7", 15)):
        builder.add(
            ContactLog(
                specialist_id=specialist.id,
                enterprise_id=w.enterprises[enterprise].id,
                channel=ContactChannel.VISIT,
                happened_at=bj(2014, 6, day),
            )
        )
    # The risk guarantee pool's funds: 3亿元 in March, 1亿元 in June, 5千万元 in July (and
    # 1千万元 in December 2013).
    pool = builder.add(GuaranteePool(year=2014, name="科技型中小企业信用贷款风险补偿资金池"))
    for amount, on in (
        ("10000000", date(2013, 12, 20)),
        ("300000000", date(2014, 3, 1)),
        ("100000000", date(2014, 6, 15)),
        ("50000000", date(2014, 7, 2)),
    ):
        builder.add(
            PoolContribution(
                pool_id=pool.id, funder="市财政", amount_yuan=Decimal(amount), contributed_on=on
            )
        )
    db.session.commit()
    return w


@pytest.fixture
def world(db, make) -> World:
    """The hand-made world, committed."""
    return build_world(db, make)
