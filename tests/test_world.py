"""The demo world: deterministic, consistent with the domain's rules, loadable in seconds."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.credit_code import validate_credit_code
from finplatform.models import (
    Application,
    ApplicationEvent,
    Disbursement,
    Enterprise,
    FinancingRequest,
    Institution,
    Product,
    Role,
    User,
)
from seeds.cli import seed_cli
from seeds.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts
from seeds.loader import WorldLoadError, database_digest, load_world
from seeds.world import generate_world, world_password_hash
from seeds.world.facts import benchmark_rate, day_number

HASH = world_password_hash("scrypt:1024:8:1", 0)


def _load(db, seed: int, replace: bool = False) -> dict[str, int]:
    counts = load_world(
        db.session.connection(), generate_world("small", seed, HASH), replace=replace
    )
    db.session.commit()
    return counts


def test_same_seed_gives_the_same_database_and_another_seed_another_world(db):
    _load(db, 7)
    first = database_digest(db.session.connection())
    _load(db, 7, replace=True)
    assert database_digest(db.session.connection()) == first
    _load(db, 8, replace=True)
    assert database_digest(db.session.connection()) != first


def test_generation_is_byte_for_byte_repeatable():
    assert generate_world("small", 3, HASH).digest() == generate_world("small", 3, HASH).digest()


def test_loader_refuses_a_database_that_already_has_data(db, make):
    make.enterprise()
    db.session.commit()
    with pytest.raises(WorldLoadError, match="--replace"):
        _load(db, 1)
    db.session.rollback()
    counts = _load(db, 1, replace=True)
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))
        == (counts["enterprises"])
    )


@pytest.fixture
def world(db):
    """The small world, loaded."""
    _load(db, 11)
    return db


def test_every_row_follows_the_domain_rules(world):
    session = world.session
    codes = session.scalars(sa.select(Enterprise.credit_code)).all()
    assert len(codes) == len(set(codes)) == 300
    for code in codes:
        validate_credit_code(code)

    events = defaultdict(list)
    for event in session.scalars(sa.select(ApplicationEvent).order_by(ApplicationEvent.id)):
        events[event.application_id].append(event)
    paid = defaultdict(Decimal)
    for disbursement in session.scalars(sa.select(Disbursement)):
        paid[disbursement.application_id] += disbursement.amount_yuan
    applications = session.scalars(sa.select(Application)).all()
    assert len(applications) > 500
    statuses = {application.status.value for application in applications}
    assert {"submitted", "approved", "rejected", "disbursed", "withdrawn", "expired"} <= statuses
    for application in applications:
        chain = events[application.id]
        assert chain[0].from_status is None and chain[0].to_status == "submitted"
        assert chain[0].at == application.submitted_at
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.at >= before.at
        assert chain[-1].to_status == application.status.value
        assert application.submitted_at.tzinfo == UTC
        if application.status.value in {"approved", "disbursed"}:
            assert application.approved_amount_yuan > 0
            assert application.decided_at is not None
        if application.id in paid:
            assert application.status.value == "disbursed"
            assert paid[application.id] <= application.approved_amount_yuan
        elif application.status.value == "disbursed":
            pytest.fail(f"application {application.id} is disbursed without a disbursement")


def test_disbursements_carry_the_report_columns_of_their_application(world):
    rows = world.session.execute(
        sa.select(Disbursement, Application, Enterprise, Institution, Product)
        .join(Application, Disbursement.application_id == Application.id)
        .join(Enterprise, Application.enterprise_id == Enterprise.id)
        .join(Institution, Application.institution_id == Institution.id)
        .join(Product, Application.product_id == Product.id)
    ).all()
    assert len(rows) > 50
    for disbursement, application, enterprise, institution, product in rows:
        assert disbursement.enterprise_id == enterprise.id
        assert disbursement.institution_id == institution.id
        assert disbursement.institution_kind_code == institution.kind_code
        assert disbursement.product_kind_code == product.kind_code
        assert disbursement.pool_covered == product.pool_covered
        assert disbursement.district_code == enterprise.district_code
        assert disbursement.industry_code == enterprise.industry_code
        assert disbursement.disbursed_on >= application.decided_at.date()
        assert disbursement.rate == application.approved_rate


def test_requests_close_consistently_with_their_applications(world):
    session = world.session
    by_request = defaultdict(set)
    for request_id, status in session.execute(
        sa.select(Application.request_id, Application.status)
    ):
        by_request[request_id].add(status.value)
    for request in session.scalars(sa.select(FinancingRequest)):
        statuses = by_request[request.id]
        if request.status.value == "fulfilled":
            assert "disbursed" in statuses
        if request.status.value in {"expired", "withdrawn"}:
            assert not statuses & {"submitted", "in_review"}
            assert "disbursed" not in statuses
        assert (request.closed_at is None) == (request.status.value == "open")


def test_loan_rates_sit_above_the_benchmark_of_their_day(world):
    rows = world.session.execute(
        sa.select(
            Application.approved_rate, Application.approved_term_months, Application.decided_at
        )
        .where(Application.approved_rate.is_not(None))
        .where(Application.product_kind_code.in_(["credit_loan", "ip_pledge", "pledge_loan"]))
    ).all()
    assert rows
    for rate, term, decided in rows:
        benchmark = benchmark_rate(day_number(decided.date()), term)
        assert benchmark * 0.99 <= float(rate) <= benchmark * 2.0, (rate, term, decided)


def test_benchmark_rate_follows_the_pboc_table():
    assert benchmark_rate(day_number(date(2013, 5, 1)), 12) == 6.00
    assert benchmark_rate(day_number(date(2014, 12, 1)), 12) == 5.60
    assert benchmark_rate(day_number(date(2012, 3, 1)), 12) == 6.56


def test_demo_accounts_open_onto_the_world(world, client):
    assert create_demo_accounts() == len(DEMO_ACCOUNTS)
    world.session.commit()
    users = {
        u.role: u
        for u in world.session.scalars(sa.select(User).where(User.email.like("%@demo.local")))
    }
    firm = users[Role.ENTERPRISE].enterprise
    assert (
        world.session.scalar(
            sa.select(sa.func.count()).where(FinancingRequest.enterprise_id == firm.id)
        )
        >= 3
    )
    bank = users[Role.INSTITUTION].institution
    assert (
        world.session.scalar(sa.select(sa.func.count()).where(Product.institution_id == bank.id))
        >= 5
    )
    assert (
        world.session.scalar(
            sa.select(sa.func.count()).where(Application.institution_id == bank.id)
        )
        > 10
    )
    specialist = users[Role.SPECIALIST]
    portfolio = world.session.scalar(
        sa.select(sa.func.count()).where(Enterprise.specialist_id == specialist.id)
    )
    assert portfolio > 5
    assert firm.specialist_id == specialist.id
    # Running it again changes nothing.
    assert create_demo_accounts() == 0


def test_world_users_sign_in_with_the_demo_password(world, client):
    staff = world.session.scalar(sa.select(User).where(User.role == Role.INSTITUTION).limit(1))
    response = client.post("/auth/login", data={"email": staff.email, "password": "Demo2014pass"})
    assert response.status_code == 302


def test_seed_demo_command_loads_once_and_refuses_to_load_twice(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(seed_cli, ["demo", "--size", "small"])
    assert result.exit_code == 0, result.output
    assert "applications" in result.output
    again = runner.invoke(seed_cli, ["demo", "--size", "small"])
    assert again.exit_code != 0
    assert "--replace" in again.output
    skipped = runner.invoke(seed_cli, ["demo", "--size", "small", "--skip-if-loaded"])
    assert skipped.exit_code == 0
    assert "not loaded" in skipped.output
