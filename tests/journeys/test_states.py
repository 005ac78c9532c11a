"""The two state machines allow only their legal moves, and record every move they make."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from finplatform.deals.states import (
    APPLICATION_TRANSITIONS,
    DECIDED,
    REQUEST_TRANSITIONS,
    transition_application,
    transition_request,
)
from finplatform.exceptions import AlreadyDecided, Conflict, DomainError
from finplatform.models import (
    ApplicationEvent,
    ApplicationStatus,
    AuditEvent,
    RequestEvent,
    RequestStatus,
)

ILLEGAL_APPLICATION_MOVES = [
    (current, target)
    for current in ApplicationStatus
    for target in ApplicationStatus
    if target not in APPLICATION_TRANSITIONS[current]
]
LEGAL_APPLICATION_MOVES = [
    (current, target) for current, targets in APPLICATION_TRANSITIONS.items() for target in targets
]
ILLEGAL_REQUEST_MOVES = [
    (current, target)
    for current in RequestStatus
    for target in RequestStatus
    if target not in REQUEST_TRANSITIONS[current]
]


def test_the_tables_cover_every_status():
    assert set(APPLICATION_TRANSITIONS) == set(ApplicationStatus)
    assert set(REQUEST_TRANSITIONS) == set(RequestStatus)
    # Nothing leaves a final status, and an application never goes back to submitted. Approved
    # terms still move to disbursed; terms outside the limits wait for the firm's answer.
    waiting = {ApplicationStatus.APPROVED, ApplicationStatus.AWAITING_FIRM}
    assert all(not APPLICATION_TRANSITIONS[s] for s in DECIDED - waiting)
    assert APPLICATION_TRANSITIONS[ApplicationStatus.AWAITING_FIRM] == {
        ApplicationStatus.APPROVED,
        ApplicationStatus.WITHDRAWN,
    }
    assert not any(ApplicationStatus.SUBMITTED in t for t in APPLICATION_TRANSITIONS.values())


@pytest.mark.parametrize(("current", "target"), ILLEGAL_APPLICATION_MOVES)
def test_illegal_application_moves_are_refused_and_leave_no_trace(make, db, world, current, target):
    application = make.application(product=world.credit_loan, status=current)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        transition_application(application, target, world.bank_user)
    db.session.rollback()
    # A decided application reads as "already decided"; other refusals name the move.
    assert isinstance(refused.value, AlreadyDecided) == (current in DECIDED)
    db.session.refresh(application)
    assert application.status == current
    assert db.session.scalar(sa.select(sa.func.count(ApplicationEvent.id))) == 0


@pytest.mark.parametrize(("current", "target"), LEGAL_APPLICATION_MOVES)
def test_legal_application_moves_write_an_event_and_an_audit_entry(
    make, db, world, current, target
):
    application = make.application(product=world.credit_loan, status=current)
    db.session.commit()
    transition_application(application, target, world.bank_user, note="checked")
    db.session.commit()
    assert application.status == target
    event = db.session.scalars(sa.select(ApplicationEvent)).one()
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        current.value,
        target.value,
        world.bank_user.id,
        "checked",
    )
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == f"application.{target.value}")
    ).one()
    assert audit.object_id == application.id and audit.actor_id == world.bank_user.id


@pytest.mark.parametrize(("current", "target"), ILLEGAL_REQUEST_MOVES)
def test_illegal_request_moves_are_refused(make, db, world, current, target):
    request = make.financing_request(world.firm, status=current)
    db.session.commit()
    with pytest.raises(DomainError):
        transition_request(request, target, world.firm_user)
    db.session.rollback()
    db.session.refresh(request)
    assert request.status == current
    assert db.session.scalar(sa.select(sa.func.count(RequestEvent.id))) == 0


def test_a_request_move_is_recorded(make, db, world):
    request = make.financing_request(world.firm)
    db.session.commit()
    transition_request(request, RequestStatus.WITHDRAWN, world.firm_user, "no longer needed")
    db.session.commit()
    event = db.session.scalars(sa.select(RequestEvent)).one()
    assert (event.from_status, event.to_status, event.note) == (
        "open",
        "withdrawn",
        "no longer needed",
    )
    assert request.closed_at is not None


def test_deciding_a_decided_application_says_already_decided(make, db, world):
    application = make.application(product=world.credit_loan, status=ApplicationStatus.APPROVED)
    db.session.commit()
    with pytest.raises(AlreadyDecided) as refused:
        transition_application(application, ApplicationStatus.REJECTED, world.bank_user)
    # The message names the decision, in the platform's default language (Chinese).
    assert str(refused.value.message) == "该融资申请已有审批结果（已通过）。"
