"""Monthly rollups give exactly the live figures: right after a refresh, with rows recorded,
decided, edited, moved or deleted since, and after refreshing again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
import sqlalchemy as sa

from finplatform.deals.services import approve_application, take_into_review
from finplatform.imports import services as imports
from finplatform.models import (
    Application,
    CommunityMembership,
    ContactChannel,
    ContactLog,
    ImportBatch,
    Match,
    MonthlyFirm,
    MonthlyRollup,
    ProductKind,
    Role,
    RollupFirm,
    RollupState,
)
from finplatform.reports import refresh, rollups
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report
from seeds.cli import seed_cli
from tests.reports.conftest import WorldBuilder, bj

IMPORTS = Path(__file__).parent.parent / "fixtures" / "imports"
JUNE = Month(2014, 6)
MONTHS = [Month(2013, 11), Month(2014, 1), Month(2014, 3), Month(2014, 5), JUNE, Month(2014, 7)]
AS_OF = datetime(2030, 1, 1, tzinfo=UTC)


def _figures(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in {"generated_at", "code_version"}}


def _live(monkeypatch, month: Month) -> dict:
    """The report computed from the source tables alone."""
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "coverage", lambda: None)
        return _figures(build_report(month, as_of=AS_OF))


def _rolled(month: Month) -> dict:
    assert rollups.coverage() is not None
    return _figures(build_report(month, as_of=AS_OF))


def _refresh(db) -> dict:
    done = refresh.refresh_rollups()
    db.session.commit()
    return done


def _tables(db) -> dict:
    """Every row of the rollup tables, for comparing two refreshes."""
    return {
        model.__tablename__: sorted(
            tuple(str(value) for value in row)
            for row in db.session.execute(sa.select(*model.__table__.columns)).all()
        )
        for model in (MonthlyRollup, MonthlyFirm, RollupFirm)
    }


def _builder(db, world) -> WorldBuilder:
    builder = WorldBuilder(db, None)
    builder.world = world
    return builder


@pytest.mark.parametrize("month", MONTHS)
def test_rolled_up_report_equals_the_live_one(db, world, monkeypatch, month):
    live = _live(monkeypatch, month)
    assert _refresh(db)["full"] is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MonthlyRollup)) > 0
    assert _rolled(month) == live
    # The hand-made figures, read from the rollups.
    if month == JUNE:
        assert live["totals"]["disbursements"] == {"count": 3, "amount": "11800000.00"}
        assert live["first_time_borrowers"] == {"count": 2, "amount": "9300000.00"}


def test_rows_recorded_after_the_refresh_are_counted_without_a_new_refresh(
    db, world, make, monkeypatch
):
    _refresh(db)
    rolled_june = _rolled(JUNE)
    builder = _builder(db, world)
    # A June loan recorded late (E6's first, a credit loan), the reversal of E4's June loan,
    # a May request from a firm never served before, and a March visit.
    builder.disburse("late", "A6", "700000", date(2014, 6, 29))
    builder.disburse("undo_d4", "A4", "-2500000", date(2014, 6, 30), reverses="d4")
    newcomer = make.enterprise(district_code="120113", industry_code="35")
    world.enterprises["E8"] = newcomer
    builder.request("R9", "E8", "2500000", bj(2014, 5, 3))
    builder.add(
        ContactLog(
            specialist_id=world.users["s2"].id,
            enterprise_id=world.enterprises["E7"].id,
            channel=ContactChannel.CALL,
            happened_at=bj(2014, 3, 9),
        )
    )
    db.session.commit()

    june = _rolled(JUNE)
    assert june == _live(monkeypatch, JUNE)
    assert june["totals"]["disbursements"] == {"count": 3, "amount": "10000000.00"}
    assert rolled_june["totals"]["disbursements"]["amount"] == "11800000.00"
    # E6 borrows for the first time; E4's first loan still falls in June, now netted to zero.
    assert june["first_time_borrowers"] == {"count": 3, "amount": "7500000.00"}
    for month in MONTHS:
        assert _rolled(month) == _live(monkeypatch, month), month


def test_decisions_edits_moves_and_rematches_after_the_refresh(db, world, make, monkeypatch):
    _refresh(db)
    # A June application answered and approved today: the funnel and response times of June
    # move on; the approval itself is today's.
    institution_user = make.user(Role.INSTITUTION)
    application = world.applications["A6"]
    take_into_review(application, institution_user)
    approve_application(
        application, institution_user, amount_yuan="900000", rate="5.0", term_months=12
    )
    # An open request's amount edited; a firm moved to another district and industry; one
    # member left its credit community and another joined; a request re-ranked.
    world.requests["R4"].amount_yuan = D("3300000")
    world.requests["R4"].updated_at = datetime.now(UTC)
    world.enterprises["E5"].district_code = "120110"
    world.enterprises["E5"].industry_code = "35"
    db.session.execute(
        sa.delete(CommunityMembership).where(
            CommunityMembership.enterprise_id == world.enterprises["E1"].id
        )
    )
    db.session.add(
        CommunityMembership(
            community_id=world.institutions["community"].id,
            enterprise_id=world.enterprises["E3"].id,
        )
    )
    db.session.execute(sa.delete(Match).where(Match.request_id == world.requests["R3"].id))
    builder = _builder(db, world)
    builder.match("R3", "P1", datetime.now(UTC))
    db.session.commit()

    coverage = rollups.coverage()
    assert coverage.moved == (world.enterprises["E5"].id,)
    assert set(coverage.rejoined) == {world.enterprises["E1"].id, world.enterprises["E3"].id}
    june = _rolled(JUNE)
    assert june == _live(monkeypatch, JUNE)
    assert june["totals"]["requests"]["amount"] == "14300000.00"
    approved = next(step for step in june["funnel"] if step["step"] == "approved")
    assert approved["count"] == 4
    for month in MONTHS:
        assert _rolled(month) == _live(monkeypatch, month), month


def test_refreshing_again_changes_nothing_and_catches_up_like_a_rebuild(db, world):
    first = _refresh(db)
    assert first["full"] is True
    state = db.session.get(RollupState, rollups.STATE_ID)
    marks, refreshed_at = dict(state.watermarks), state.refreshed_at
    tables = _tables(db)
    assert _refresh(db) == {"months": 0, "full": False}
    db.session.expire_all()
    assert _tables(db) == tables
    state = db.session.get(RollupState, rollups.STATE_ID)
    assert (state.watermarks, state.refreshed_at) == (marks, refreshed_at)

    # Late rows: the next refresh recomputes only the months they fall in, and ends up where
    # a rebuild from scratch does.
    builder = _builder(db, world)
    builder.disburse("late", "A6", "700000", date(2014, 6, 29))
    builder.disburse("old", "A01", "-1000000", date(2013, 4, 2), reverses="d01")
    db.session.commit()
    # June 2014 and April 2013 (where they are dated), March 2013 (the funnel of A01's request).
    assert _refresh(db) == {"months": 3, "full": False}
    incremental = _tables(db)
    assert refresh.refresh_rollups(full=True)["full"] is True
    db.session.commit()
    assert _tables(db) == incremental
    assert state.watermarks["disbursements"] == builder.world.disbursements["old"].id


def test_a_report_as_of_an_instant_before_the_rows_it_rolled_up_is_computed_live(
    db, world, monkeypatch
):
    _refresh(db)
    before = datetime(2014, 7, 1, tzinfo=UTC)
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "coverage", lambda: None)
        live = _figures(build_report(JUNE, as_of=before))
    assert _figures(build_report(JUNE, as_of=before)) == live


def test_rollups_made_with_other_credit_kinds_are_not_used_until_rebuilt(db, world, monkeypatch):
    _refresh(db)
    ip_pledge = db.session.get(ProductKind, "ip_pledge")
    ip_pledge.is_credit_loan = True
    db.session.flush()
    try:
        assert rollups.coverage() is None
        assert refresh.refresh_rollups()["full"] is True
        assert _rolled(JUNE) == _live(monkeypatch, JUNE)
    finally:
        ip_pledge.is_credit_loan = False
        db.session.commit()


def test_an_empty_database_is_not_rolled_up(db):
    assert refresh.refresh_rollups() == {"months": 0, "full": False}
    assert db.session.get(RollupState, rollups.STATE_ID) is None
    assert rollups.coverage() is None


def _import(db, kind: str) -> dict:
    batch = ImportBatch(kind=kind, filename=f"{kind}.csv")
    db.session.add(batch)
    db.session.flush()
    result = imports.run_import(batch, (IMPORTS / f"{kind}.csv").read_bytes(), actor=None)
    db.session.commit()
    return result


def test_an_import_rolls_up_the_history_it_brings(db, make, monkeypatch):
    _import(db, "enterprises")
    make.institution(name="滨海新区科技支行（测试）")
    _import(db, "products")
    assert _import(db, "applications")["created"] == 3
    state = db.session.get(RollupState, rollups.STATE_ID)
    assert state.watermarks["applications"] == db.session.scalar(
        sa.select(sa.func.max(Application.id))
    )
    march = Month(2014, 3)
    assert _rolled(march) == _live(monkeypatch, march)
    assert _rolled(march)["totals"]["disbursements"] == {"count": 1, "amount": "3000000.00"}
    assert refresh.refresh_rollups() == {"months": 0, "full": False}


def test_seeding_the_demo_world_rolls_it_up(app, db, monkeypatch):
    result = app.test_cli_runner().invoke(seed_cli, ["demo", "--size", "small"])
    assert result.exit_code == 0, result.output
    assert "rolled up for the report" in result.output
    assert db.session.get(RollupState, rollups.STATE_ID) is not None
    month = Month(2014, 9)
    assert _rolled(month) == _live(monkeypatch, month)


def test_refresh_command(app, db, world):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["report", "refresh"])
    assert first.exit_code == 0, first.output
    assert "months rebuilt" in first.output
    assert runner.invoke(args=["report", "refresh"]).output.strip() == "0 months rolled up"


@pytest.mark.postgres
def test_writers_wait_only_while_the_marks_are_read(db, world):
    refresh.refresh_rollups()  # the refresh's transaction stays open
    with db.engine.connect() as other:
        other.execute(sa.text("SET lock_timeout = '2s'"))
        other.execute(
            sa.insert(ContactLog).values(
                enterprise_id=world.enterprises["E1"].id,
                channel=ContactChannel.VISIT,
                happened_at=bj(2014, 6, 3),
                note="",
                created_at=datetime.now(UTC),
            )
        )
        other.commit()
    db.session.commit()
    assert rollups.coverage().mark("contact_logs") < db.session.scalar(
        sa.select(sa.func.max(ContactLog.id))
    )
