"""Report definitions changed on purpose (each listed in the README's definitions list)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import sqlalchemy as sa

from finplatform import clock
from finplatform.models import ApplicationStatus, InstitutionStatus, Match, Role
from finplatform.ranking.batch import rematch_open_requests
from finplatform.reports import facts
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report
from tests.reports.conftest import WorldBuilder, bj

JUNE, AUGUST = Month(2014, 6), Month(2014, 8)


def _by(report: dict, measure: str) -> dict:
    rows = report["breakdowns"][measure]["district"]
    return {row["key"]: (row["count"], D(row["amount"])) for row in rows}


def test_a_firm_that_moved_is_counted_where_it_was_at_the_time(db, make, world, pin_today):
    pin_today(date(2014, 1, 2))
    builder = WorldBuilder(db, make)
    builder.world = world
    world.enterprises["EM"] = firm = make.enterprise(
        name="南开迁移科技有限公司", district_code="120104", industry_code="39"
    )
    builder.request("RM", "EM", "2000000", bj(2014, 6, 5))
    builder.apply(
        "AM",
        "RM",
        "P1",
        bj(2014, 6, 6),
        status=ApplicationStatus.APPROVED,
        decided_at=bj(2014, 6, 9),
        approved_amount_yuan=D("1500000"),
        approved_rate=D("5.0"),
        approved_term_months=12,
        respond_by=bj(2014, 6, 9),
    )
    db.session.commit()
    # On 1 August the firm moves from 南开 to 西青, then posts again.
    pin_today(date(2014, 8, 1))
    firm.district_code = "120111"
    db.session.commit()
    builder.request("RM2", "EM", "800000", bj(2014, 8, 10))
    db.session.commit()
    pin_today(date(2014, 9, 15))

    june = build_report(JUNE)
    for measure, amount in (("requests", "2000000"), ("applications", "2000000")):
        assert _by(june, measure)["120104"] == (1, D(amount))
        assert "120111" not in _by(june, measure)
    assert _by(june, "approvals")["120104"] == (1, D("1500000"))
    august = build_report(AUGUST)
    assert _by(august, "requests") == {"120111": (1, D("800000"))}

    # The same after the facts are rebuilt, and after the firm moves again.
    facts.rebuild()
    db.session.commit()
    firm.district_code = "120116"
    db.session.commit()
    rolled = build_report(JUNE)
    assert rolled["breakdowns"] == june["breakdowns"]
    assert _by(build_report(AUGUST), "requests") == {"120111": (1, D("800000"))}


def _target(report: dict, metric: str) -> dict:
    return next(t for t in report["targets"] if t["metric"] == metric)


def test_only_what_an_institution_recorded_while_approved_counts_towards_targets(
    db, make, world, pin_today
):
    pin_today(date(2014, 1, 2))
    builder = WorldBuilder(db, make)
    builder.world = world
    lender = make.institution(name="待批银行", kind_code="bank", status=InstitutionStatus.PENDING)
    world.products["PP"] = make.product(lender, name="待批贷")
    builder.request("RP", "E3", "2000000", bj(2014, 5, 2))
    builder.apply(
        "AP",
        "RP",
        "PP",
        bj(2014, 5, 3),
        status=ApplicationStatus.DISBURSED,
        decided_at=bj(2014, 5, 9),
        approved_amount_yuan=D("2000000"),
        approved_rate=D("5.0"),
        approved_term_months=12,
        respond_by=bj(2014, 5, 9),
    )
    # Recorded on 20 June while the institution was still pending: not counted.
    builder.disburse("pending", "AP", "1000000", date(2014, 6, 20), created_at=bj(2014, 6, 20))
    db.session.commit()
    pin_today(date(2014, 7, 1))
    lender.status = InstitutionStatus.APPROVED
    db.session.commit()
    # Dated in June, recorded on 15 July once approved: counted, and stays counted after the
    # institution is suspended in September.
    builder.disburse("approved", "AP", "700000", date(2014, 6, 28), created_at=bj(2014, 7, 15))
    db.session.commit()
    pin_today(date(2014, 9, 1))
    lender.status = InstitutionStatus.SUSPENDED
    db.session.commit()
    pin_today(None)  # the report as of now: the world's rows are recorded today

    june = build_report(JUNE)
    # The world's June: 15,300,000 towards financing facilitated; 11,800,000 disbursed.
    assert _target(june, "financing_facilitated")["ytd"] == "16000000.00"
    assert _target(june, "all_financing")["ytd"] == "16000000.00"
    assert june["totals"]["disbursements"]["amount"] == "13500000.00"
    facts.rebuild()
    db.session.commit()
    assert _target(build_report(JUNE), "financing_facilitated")["ytd"] == "16000000.00"


def _funnel(month: Month) -> dict:
    return {step["step"]: step["count"] for step in build_report(month)["funnel"]}


def test_the_funnels_matched_step_counts_requests_first_ranked_in_the_month(
    db, make, pin_today, client, login
):
    pin_today(date(2014, 5, 1))
    make.product(make.institution(), name="科技贷")
    early = make.financing_request(max_rate=D("8"), created_at=bj(2014, 5, 10))
    db.session.commit()
    # The nightly re-ranking on 20 May proposes products for the request posted on 10 May.
    pin_today(date(2014, 5, 20))
    rematch_open_requests()
    late = make.financing_request(max_rate=D("8"), created_at=bj(2014, 5, 25))
    db.session.commit()
    # The request posted on 25 May is first ranked when its firm opens it on 3 June.
    pin_today(date(2014, 6, 3))
    login(make.user(Role.ENTERPRISE, enterprise=late.enterprise))
    assert client.get(f"/requests/{late.id}").status_code == 200
    # Re-ranked on 10 June: both requests' matches are replaced by rows dated in June.
    pin_today(date(2014, 6, 10))
    rematch_open_requests()
    assert {m.created_at.month for m in db.session.scalars(sa.select(Match))} == {6}
    pin_today(date(2014, 7, 1))

    may, june = _funnel(Month(2014, 5)), _funnel(JUNE)
    assert (may["requests"], may["matched"]) == (2, 1)
    assert (june["requests"], june["matched"]) == (0, 1)
    db.session.expire_all()
    assert clock.beijing_date(early.first_ranked_at) == date(2014, 5, 20)
    # The same after the facts are rebuilt.
    facts.rebuild()
    db.session.commit()
    assert _funnel(Month(2014, 5))["matched"] == 1
    assert _funnel(JUNE)["matched"] == 1
