"""Every write path records the period it changes, in the same transaction: the profile page,
imports, the commission's approvals and suspensions, community membership, the world loader."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from finplatform import clock
from finplatform.history import communities_at, firm_attributes_at, institution_standing_at
from finplatform.imports import services as imports
from finplatform.institution import services as community
from finplatform.models import (
    CommunityMembership,
    Enterprise,
    FirmAttributes,
    ImportBatch,
    Institution,
    InstitutionStanding,
    InstitutionStatus,
    MembershipPeriod,
    Role,
)
from seeds.loader import load_world
from seeds.world import generate_world, world_password_hash

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"


def _noon(day: date):
    return clock.beijing_instant(day, time(12))


def _periods(db, firm_id: int) -> list[tuple]:
    """(Beijing day it began or None, Beijing day it ended or None, district, employees)."""
    rows = db.session.scalars(
        sa.select(FirmAttributes)
        .where(FirmAttributes.enterprise_id == firm_id)
        .order_by(FirmAttributes.valid_from.is_not(None), FirmAttributes.valid_from)
    )
    day = lambda instant: clock.beijing_date(instant) if instant else None  # noqa: E731
    return [(day(r.valid_from), day(r.valid_to), r.district_code, r.employees) for r in rows]


def _profile(firm: Enterprise, **changes) -> dict:
    form = {
        "credit_code": firm.credit_code,
        "name": firm.name,
        "district_code": firm.district_code,
        "industry_code": firm.industry_code,
        "employees": "85",
        "revenue_yuan": "31000000",
        "patents": "14",
    }
    return form | changes


def test_a_firm_that_moves_district_keeps_its_old_periods(client, db, login, make, pin_today):
    user = make.user(Role.ENTERPRISE)
    firm = user.enterprise
    db.session.commit()
    login(user)
    pin_today(date(2014, 5, 6))
    assert client.post("/enterprise/profile", data=_profile(firm)).status_code == 302
    pin_today(date(2014, 9, 1))
    moved = _profile(firm, district_code="120113")
    assert client.post("/enterprise/profile", data=moved).status_code == 302

    assert _periods(db, firm.id) == [
        (None, date(2014, 5, 6), "120116", None),
        (date(2014, 5, 6), date(2014, 9, 1), "120116", 85),
        (date(2014, 9, 1), None, "120113", 85),
    ]
    assert (
        firm_attributes_at(db.session, firm.id, _noon(date(2014, 1, 1)))[firm.id].employees is None
    )
    assert (
        firm_attributes_at(db.session, [firm.id], _noon(date(2014, 8, 31)))[firm.id].district_code
        == "120116"
    )
    assert (
        firm_attributes_at(db.session, firm.id, _noon(date(2014, 9, 2)))[firm.id].district_code
        == "120113"
    )


def test_saving_an_unchanged_profile_adds_no_period(client, db, login, make, pin_today):
    firm = make.enterprise(employees=85, patents=14, revenue_yuan=Decimal("31000000"))
    user = make.user(Role.ENTERPRISE, enterprise=firm)
    db.session.commit()
    login(user)
    before = _periods(db, user.enterprise.id)
    pin_today(date(2014, 7, 1))
    assert client.post("/enterprise/profile", data=_profile(user.enterprise)).status_code == 302
    assert _periods(db, user.enterprise.id) == before == [(None, None, "120116", 85)]


def test_an_import_that_changes_a_firm_closes_its_old_period(db, pin_today):
    content = (FIXTURES / "enterprises.csv").read_bytes()
    pin_today(date(2014, 3, 3))
    imports.run_import(_batch(db), content, actor=None)
    db.session.commit()
    firm = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == "91120116MA0511111N")
    )
    assert _periods(db, firm.id) == [(None, None, "120116", 120)]

    pin_today(date(2014, 10, 8))
    moved = content.decode("utf-8-sig").replace("滨海新区,39", "北辰,39", 1)
    imports.run_import(_batch(db), moved.encode("utf-8-sig"), actor=None)
    db.session.commit()
    assert _periods(db, firm.id) == [
        (None, date(2014, 10, 8), "120116", 120),
        (date(2014, 10, 8), None, "120113", 120),
    ]


def _batch(db) -> ImportBatch:
    batch = ImportBatch(kind="enterprises", filename="firms.csv", good_rows_only=False)
    db.session.add(batch)
    db.session.flush()
    return batch


def test_the_commission_approving_and_suspending_leaves_each_standing_dated(
    client, db, login, make, pin_today
):
    institution = make.institution(status=InstitutionStatus.PENDING)
    admin = make.user(Role.ADMIN)
    db.session.commit()
    login(admin)
    pin_today(date(2014, 2, 10))
    assert client.post(f"/admin/institutions/{institution.id}/approve").status_code == 302
    pin_today(date(2014, 6, 20))
    assert client.post(f"/admin/institutions/{institution.id}/suspend").status_code == 302

    standing = {
        day: institution_standing_at(db.session, institution.id, _noon(day))[institution.id]
        for day in (date(2014, 1, 1), date(2014, 3, 1), date(2014, 7, 1))
    }
    assert standing == {
        date(2014, 1, 1): InstitutionStatus.PENDING,
        date(2014, 3, 1): InstitutionStatus.APPROVED,
        date(2014, 7, 1): InstitutionStatus.SUSPENDED,
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstitutionStanding)) == 3


def test_joining_leaving_and_rejoining_a_community_are_three_facts(db, make, pin_today):
    club = make.institution(kind_code="credit_community")
    firm = make.enterprise()
    staff = make.user(Role.INSTITUTION, institution=club)
    owner = make.user(Role.ENTERPRISE, enterprise=firm)

    def join():
        # The community asks; the firm confirms: membership starts at the confirmation.
        community.request_member(club, firm.credit_code, staff)
        community.answer_request(owner, club.id, firm.id, accept=True)

    pin_today(date(2014, 3, 1))
    join()
    pin_today(date(2014, 5, 1))
    community.remove_member(club, firm.id, staff)
    pin_today(date(2014, 8, 1))
    join()
    db.session.commit()

    member = {
        day: communities_at(db.session, firm.id, _noon(day))
        for day in (date(2014, 2, 1), date(2014, 4, 1), date(2014, 6, 1), date(2014, 9, 1))
    }
    assert member == {
        date(2014, 2, 1): [],
        date(2014, 4, 1): [club.id],
        date(2014, 6, 1): [],
        date(2014, 9, 1): [club.id],
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MembershipPeriod)) == 2


def test_a_rolled_back_change_leaves_no_period(db, make, pin_today):
    firm = make.enterprise()
    db.session.commit()
    pin_today(date(2014, 4, 4))
    firm.district_code = "120113"
    db.session.flush()
    db.session.rollback()
    assert _periods(db, firm.id) == [(None, None, "120116", None)]


def test_the_loaded_world_starts_every_history(db):
    load_world(
        db.session.connection(),
        generate_world("small", 5, world_password_hash("scrypt:1024:8:1", 0)),
    )
    db.session.commit()

    def count(query) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

    firms = count(sa.select(Enterprise.id))
    assert firms > 0
    open_periods = sa.select(FirmAttributes.enterprise_id).where(FirmAttributes.valid_to.is_(None))
    assert count(open_periods.distinct()) == count(open_periods) == firms
    same_district = open_periods.join(
        Enterprise, Enterprise.id == FirmAttributes.enterprise_id
    ).where(Enterprise.district_code == FirmAttributes.district_code)
    assert count(same_district) == firms
    assert count(sa.select(InstitutionStanding.id)) >= count(
        sa.select(InstitutionStanding.institution_id).distinct()
    )
    standing_now = sa.select(InstitutionStanding.id).where(InstitutionStanding.valid_to.is_(None))
    assert count(standing_now) == count(sa.select(Institution.id))
    assert count(sa.select(MembershipPeriod.id)) == count(
        sa.select(CommunityMembership.enterprise_id)
    )
