"""Money is never double-counted under real concurrency (PostgreSQL, two threads, two sessions).

Each thread works in its own app context, so in its own session and connection, as two web
workers would; a barrier releases them at the same moment.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.deals import services
from finplatform.deals.disbursements import record_disbursement
from finplatform.exceptions import AlreadyDecided, Conflict, DomainError
from finplatform.extensions import db as _db
from finplatform.models import Application, ApplicationEvent, ApplicationStatus, Disbursement, User

pytestmark = pytest.mark.postgres


def run_together(app, *jobs):
    """Run each job(session-bound objects) in its own thread and app context, released at once;
    returns what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(position, job):
        with app.app_context():
            try:
                prepared = job.prepare()
                barrier.wait(timeout=10)
                results[position] = job.run(*prepared)
                _db.session.commit()
            except DomainError as error:
                _db.session.rollback()
                results[position] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


class Job:
    """Load the application and the actor in this thread's session, then act."""

    def __init__(self, application_id: int, user_id: int, action):
        self.application_id, self.user_id, self.action = application_id, user_id, action

    def prepare(self):
        return _db.session.get(Application, self.application_id), _db.session.get(
            User, self.user_id
        )

    def run(self, application, user):
        return self.action(application, user)


@pytest.fixture
def in_review(db, world, post_request):
    """An application in review at the world's bank."""
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    services.take_into_review(application, world.bank_user)
    db.session.commit()
    return application


def test_two_staff_deciding_at_once_one_wins_the_other_is_told(app, db, world, in_review):
    second_clerk = world.bank_user  # same institution; the point is two sessions
    approve = Job(
        in_review.id,
        world.bank_user.id,
        lambda a, u: (
            services.approve_application(
                a, u, amount_yuan="1500000", rate="4.8", term_months=12
            ).status
        ),
    )
    reject = Job(
        in_review.id,
        second_clerk.id,
        lambda a, u: services.reject_application(a, u, reason="credit_history").status,
    )
    results = run_together(app, approve, reject)
    winners = [r for r in results if isinstance(r, ApplicationStatus)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    # The loser is told, in the platform's default language, that the decision was taken.
    assert isinstance(losers[0], AlreadyDecided)
    assert "已有审批结果" in str(losers[0].message)
    db.session.expire_all()
    decided = db.session.get(Application, in_review.id)
    assert decided.status == winners[0]
    decisions = db.session.scalar(
        sa.select(sa.func.count(ApplicationEvent.id)).where(
            ApplicationEvent.application_id == in_review.id,
            ApplicationEvent.to_status.in_(["approved", "rejected"]),
        )
    )
    assert decisions == 1


@pytest.fixture
def approved(db, world, in_review):
    """The application approved for 180万元."""
    services.approve_application(
        in_review, world.bank_user, amount_yuan="1800000", rate="4.8", term_months=12
    )
    db.session.commit()
    return in_review


def disbursement(amount: str, key: str):
    """A job that records `amount` with idempotency key `key`."""

    def act(application, user):
        row, created = record_disbursement(
            application,
            amount_yuan=amount,
            rate="4.8",
            term_months=12,
            disbursed_on=clock.today(),
            actor=user,
            idempotency_key=key,
        )
        return row.id, created

    return act


def test_a_double_submitted_disbursement_is_recorded_once(app, db, world, approved):
    jobs = [
        Job(approved.id, world.bank_user.id, disbursement("1000000", "same-key")) for _ in range(2)
    ]
    results = run_together(app, *jobs)
    assert sorted(created for _id, created in results) == [False, True], results
    assert results[0][0] == results[1][0]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Disbursement.id))) == 1


def test_concurrent_disbursements_never_exceed_the_approved_amount(app, db, world, approved):
    jobs = [
        Job(approved.id, world.bank_user.id, disbursement("1000000", key))
        for key in ("key-a", "key-b")
    ]
    results = run_together(app, *jobs)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].field == "amount_yuan", results
    db.session.expire_all()
    total = db.session.scalar(sa.select(sa.func.sum(Disbursement.amount_yuan)))
    assert total == Decimal("1000000")
