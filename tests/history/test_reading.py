"""Reading history at an instant: the edges of a period, subjects without history, the
migration's backfill from what is stored, and the ranking's training tables."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.enterprise.services import update_profile
from finplatform.history import firm_attributes_at, held_at, institution_standing_at, valid_at
from finplatform.history.backfill import backfill
from finplatform.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Disbursement,
    Enterprise,
    FirmAttributes,
    InstitutionStanding,
    InstitutionStatus,
    MembershipPeriod,
    Role,
)
from finplatform.ranking import tables

T1 = datetime(2014, 3, 1, 2, 0, tzinfo=UTC)
T2 = datetime(2014, 7, 1, 2, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def test_a_period_holds_from_its_start_included_to_its_end_excluded():
    assert not valid_at(T1, T2, T1 - TICK)
    assert valid_at(T1, T2, T1)
    assert valid_at(T1, T2, T2 - TICK)
    assert not valid_at(T1, T2, T2)
    assert valid_at(None, T1, datetime(1990, 1, 1, tzinfo=UTC))
    assert valid_at(T2, None, datetime(2090, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        valid_at(T1, T2, datetime(2014, 5, 1))


def _three_periods(db, make) -> Enterprise:
    """A firm in 滨海新区 until T1, 北辰 until T2, 西青 since (history written by hand)."""
    firm = make.enterprise()
    db.session.execute(sa.delete(FirmAttributes).where(FirmAttributes.enterprise_id == firm.id))
    for start, end, district in ((None, T1, "120116"), (T1, T2, "120113"), (T2, None, "120111")):
        db.session.add(
            FirmAttributes(
                enterprise_id=firm.id,
                valid_from=start,
                valid_to=end,
                district_code=district,
                industry_code="39",
            )
        )
    db.session.flush()
    return firm


@pytest.mark.parametrize(
    ("when", "district"),
    [
        (datetime(2001, 1, 1, tzinfo=UTC), "120116"),
        (T1 - TICK, "120116"),
        (T1, "120113"),
        (T2 - TICK, "120113"),
        (T2, "120111"),
        (datetime(2090, 1, 1, tzinfo=UTC), "120111"),
    ],
)
def test_reading_at_the_edges_of_periods(db, make, when, district):
    firm = _three_periods(db, make)
    assert firm_attributes_at(db.session, firm.id, when)[firm.id].district_code == district
    in_sql = db.session.scalars(
        sa.select(FirmAttributes.district_code).where(
            FirmAttributes.enterprise_id == firm.id, held_at(FirmAttributes, when)
        )
    ).all()
    assert in_sql == [district]


def test_a_firm_stored_without_history_reads_as_it_is_now(db, make):
    firm = make.enterprise(district_code="120113", employees=40)
    db.session.execute(sa.delete(FirmAttributes))
    snapshot = firm_attributes_at(db.session, [firm.id], T1)[firm.id]
    assert (snapshot.district_code, snapshot.employees) == ("120113", 40)
    institution = make.institution(status=InstitutionStatus.SUSPENDED)
    db.session.execute(sa.delete(InstitutionStanding))
    standing = institution_standing_at(db.session, institution.id, T1)
    assert standing == {institution.id: InstitutionStatus.SUSPENDED}


def _disburse(db, application, day: date, district: str) -> None:
    db.session.execute(
        sa.insert(Disbursement).values(
            application_id=application.id,
            amount_yuan=Decimal("1000000"),
            rate=Decimal("5"),
            term_months=12,
            disbursed_on=day,
            enterprise_id=application.enterprise_id,
            institution_id=application.institution_id,
            institution_kind_code="tech_branch",
            product_kind_code="credit_loan",
            district_code=district,
            industry_code="39",
            created_at=clock.beijing_instant(day),
            note="",
        )
    )


def test_backfill_dates_a_move_from_the_disbursements_district(db, make):
    application = make.application(status=ApplicationStatus.DISBURSED)
    firm = db.session.get(Enterprise, application.enterprise_id)
    firm.employees = 60
    db.session.flush()
    # Stored before history was kept: disbursed twice in 滨海新区, once in 北辰; now in 西青.
    _disburse(db, application, date(2014, 2, 10), "120116")
    _disburse(db, application, date(2014, 3, 5), "120116")
    _disburse(db, application, date(2014, 6, 18), "120113")
    db.session.execute(
        sa.update(Enterprise)
        .where(Enterprise.id == firm.id)
        .values(district_code="120111", updated_at=datetime(2014, 9, 9, 1, tzinfo=UTC))
    )
    for model in (FirmAttributes, InstitutionStanding, MembershipPeriod):
        db.session.execute(sa.delete(model))

    backfill(db.session.connection())

    rows = db.session.execute(
        sa.select(
            FirmAttributes.valid_from,
            FirmAttributes.valid_to,
            FirmAttributes.district_code,
            FirmAttributes.employees,
        )
        .where(FirmAttributes.enterprise_id == firm.id)
        .order_by(FirmAttributes.id)
    ).all()
    june_18 = clock.beijing_instant(date(2014, 6, 18))
    moved = datetime(2014, 9, 9, 1, tzinfo=UTC)
    assert [tuple(row) for row in rows] == [
        (None, june_18, "120116", 60),
        (june_18, moved, "120113", 60),
        (moved, None, "120111", 60),
    ]
    # Run again, nothing changes: it only starts histories that do not exist.
    backfill(db.session.connection())
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(FirmAttributes))
        == len(db.session.scalars(sa.select(Enterprise.id)).all()) + 2
    )


def test_backfill_follows_the_audited_approvals_and_suspensions(db, make):
    institution = make.institution(status=InstitutionStatus.SUSPENDED)
    for at, was, now in ((T1, "pending", "approved"), (T2, "approved", "suspended")):
        db.session.add(
            AuditEvent(
                at=at,
                action=f"institution.{now}",
                object_type="Institution",
                object_id=institution.id,
                detail={"from": was, "to": now},
            )
        )
    db.session.execute(sa.delete(InstitutionStanding))
    backfill(db.session.connection())
    rows = db.session.execute(
        sa.select(InstitutionStanding.valid_from, InstitutionStanding.status)
        .where(InstitutionStanding.institution_id == institution.id)
        .order_by(InstitutionStanding.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        (None, InstitutionStatus.PENDING),
        (T1, InstitutionStatus.APPROVED),
        (T2, InstitutionStatus.SUSPENDED),
    ]


def test_training_reads_the_firm_as_it_was_when_it_posted(db, make, pin_today):
    pin_today(date(2014, 3, 3))
    firm = make.enterprise(district_code="120116", revenue_yuan=Decimal("2000000"))
    application = make.application(
        request=make.financing_request(enterprise=firm), status=ApplicationStatus.REJECTED
    )
    application.decided_at = clock.beijing_instant(date(2014, 3, 20), time(10))
    db.session.flush()
    pin_today(date(2014, 11, 11))
    firm.district_code = "120113"
    firm.revenue_yuan = Decimal("900000000")
    db.session.flush()

    trained = tables.training_tables()
    cats = tables.categories()
    assert trained.requests.district.tolist() == [cats.districts["120116"]]
    assert trained.requests.revenue_yuan.tolist() == [2_000_000.0]
    assert trained.history.district.tolist() == [cats.districts["120116"]]
    served = tables.request_table(application.request, cats, {})
    assert served.district.tolist() == [cats.districts["120113"]]
    assert db.session.get(Application, application.id).status == ApplicationStatus.REJECTED


DISTRICTS = ("120116", "120113", "120111", "120104", "120110")


@pytest.mark.parametrize("seed", range(5))
def test_random_edits_read_back_as_the_last_committed_one_before(db, make, pin_today, seed):
    rng = random.Random(seed)
    pin_today(date(2014, 1, 1))
    firm = make.enterprise(district_code="120116", employees=10)
    actor = make.user(Role.ADMIN)
    db.session.commit()
    committed = [(date(2014, 1, 1), ("120116", 10))]
    day = date(2014, 1, 2)
    for _ in range(12):
        day += timedelta(days=rng.choice((0, 1, 3, 20)))
        values = (rng.choice(DISTRICTS), rng.choice((10, 25, 60)))
        pin_today(day)
        update_profile(
            firm,
            actor,
            credit_code=firm.credit_code,
            name=firm.name,
            district_code=values[0],
            industry_code="39",
            employees=values[1],
        )
        if rng.random() < 0.25:
            db.session.rollback()
        else:
            db.session.commit()
            committed.append((day, values))
    pin_today(None)

    def expected(before_or_on: date, *, include_day: bool) -> tuple:
        kept = [v for d, v in committed if d < before_or_on or (include_day and d == before_or_on)]
        return kept[-1]

    day = date(2014, 1, 2)
    while day <= committed[-1][0] + timedelta(days=1):
        for when, include in (
            (clock.beijing_instant(day), False),
            (clock.beijing_instant(day + timedelta(days=1)) - TICK, True),
        ):
            snapshot = firm_attributes_at(db.session, firm.id, when)[firm.id]
            assert (snapshot.district_code, snapshot.employees) == expected(
                day, include_day=include
            ), (day, include)
        day += timedelta(days=1)
