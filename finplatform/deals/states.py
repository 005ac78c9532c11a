"""Moving financing requests and applications: their machines (`finplatform.states`) with events.

Every status change goes through `transition_request` or `transition_application`: they check
the move against the machine's table, write the event row (who, when, from, to, note) and an audit
entry, and are safe under concurrency. The application row is re-read with SELECT … FOR UPDATE
(PostgreSQL), so a second decider waits for the first and then sees the decided status; the
version column (optimistic lock) catches the same race on databases without row locks.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from finplatform.audit import record_audit
from finplatform.exceptions import AlreadyDecided, Conflict
from finplatform.extensions import db
from finplatform.labels import labels_of
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    FinancingRequest,
    RequestEvent,
    RequestStatus,
    User,
    utcnow,
)
from finplatform.states import APPLICATION, REQUEST

S = ApplicationStatus
APPLICATION_TRANSITIONS = APPLICATION.moves
"""Application status → the statuses it may move to; the empty ones are final."""

# Applications in these statuses still bind the institution or the firm.
LIVE_APPLICATION = (S.SUBMITTED, S.IN_REVIEW, S.AWAITING_FIRM, S.APPROVED, S.DISBURSED)
# Once here, the institution has decided (or the firm left): deciding again is a conflict.
DECIDED = frozenset({S.AWAITING_FIRM, S.APPROVED, S.REJECTED, S.DISBURSED, S.WITHDRAWN, S.EXPIRED})

REQUEST_TRANSITIONS = REQUEST.moves
"""Request status → the statuses it may move to."""

# The statuses' labels (finplatform/labels), under the names the templates use.
APPLICATION_STATUS_LABELS = labels_of("application_status")
REQUEST_STATUS_LABELS = labels_of("request_status")


def lock_application(application: Application) -> Application:
    """Re-read the application under a row lock (PostgreSQL) with its committed values."""
    return db.session.execute(
        sa.select(Application)
        .where(Application.id == application.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def lock_request(request: FinancingRequest) -> FinancingRequest:
    """Re-read the request under a row lock (PostgreSQL) with its committed values."""
    return db.session.execute(
        sa.select(FinancingRequest)
        .where(FinancingRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _flush_or_conflict(message) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        # The caller's unit of work rolls back; the session is unusable until it does.
        raise Conflict(message) from exc


def transition_application(
    application: Application, to: ApplicationStatus, actor: User | None, note: str = ""
) -> Application:
    """Move an application to `to` if its machine allows it; write the event and audit entry.

    Raises Conflict when the machine does not allow the move; the message says whether another
    user has already decided the application.
    """
    application = lock_application(application)
    current = application.status
    if to not in APPLICATION_TRANSITIONS[current]:
        if current in DECIDED:
            raise AlreadyDecided(
                _l(
                    "This application has already been decided (%(status)s).",
                    status=APPLICATION_STATUS_LABELS[current],
                )
            )
        raise Conflict(
            _l(
                "An application cannot go from %(from_status)s to %(to_status)s.",
                from_status=APPLICATION_STATUS_LABELS[current],
                to_status=APPLICATION_STATUS_LABELS[to],
            )
        )
    now = utcnow()
    application.status = to
    if current == S.SUBMITTED and to in (S.IN_REVIEW, S.REJECTED):
        application.first_response_at = now
    if to in (S.APPROVED, S.REJECTED):
        application.decided_at = now
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            at=now,
            actor_id=actor.id if actor is not None else None,
            from_status=current.value,
            to_status=to.value,
            note=note,
        )
    )
    record_audit(
        f"application.{to.value}",
        application,
        actor=actor,
        detail={"from": current.value, "to": to.value, "note": note},
    )
    _flush_or_conflict(_l("This application was changed by someone else. Please reload."))
    return application


def transition_request(
    request: FinancingRequest, to: RequestStatus, actor: User | None, note: str = ""
) -> FinancingRequest:
    """Move a financing request to `to` if its machine allows it; write event and audit entry."""
    request = lock_request(request)
    current = request.status
    if to not in REQUEST_TRANSITIONS[current]:
        raise Conflict(
            _l(
                "This request is %(status)s and can no longer change.",
                status=REQUEST_STATUS_LABELS[current],
            )
        )
    now = utcnow()
    request.status = to
    request.closed_at = now
    request.updated_at = now
    db.session.add(
        RequestEvent(
            request_id=request.id,
            at=now,
            actor_id=actor.id if actor is not None else None,
            from_status=current.value,
            to_status=to.value,
            note=note,
        )
    )
    record_audit(
        f"request.{to.value}",
        request,
        actor=actor,
        detail={"from": current.value, "to": to.value, "note": note},
    )
    db.session.flush()
    return request
