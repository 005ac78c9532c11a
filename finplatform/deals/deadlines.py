"""Response deadlines: applications an institution has not taken into review in time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from finplatform.audit import record_audit
from finplatform.deals.services import application_link, deal_params
from finplatform.extensions import db
from finplatform.models import Application, ApplicationStatus, utcnow
from finplatform.notifications.services import notify_enterprise, notify_user_id

BATCH = 500


def overdue_condition(now: datetime | None = None) -> sa.ColumnElement[bool]:
    """Applications still waiting for the institution after their respond-by time."""
    return sa.and_(
        Application.status == ApplicationStatus.SUBMITTED,
        Application.respond_by.is_not(None),
        # `now` may be a bound parameter, which has no truth value.
        Application.respond_by < (utcnow() if now is None else now),
    )


def is_overdue(application: Application, now: datetime | None = None) -> bool:
    """Whether this application is past its response deadline."""
    return (
        application.status == ApplicationStatus.SUBMITTED
        and application.respond_by is not None
        and application.respond_by < (now or utcnow())
    )


def flag_overdue(now: datetime | None = None) -> int:
    """Notify the specialist and the firm of each newly overdue application, once; returns how
    many were flagged. Rows another worker is flagging are skipped, not waited for."""
    now = now or utcnow()
    flagged = 0
    while True:
        batch = db.session.scalars(
            sa.select(Application)
            .where(overdue_condition(now), Application.overdue_notified_at.is_(None))
            .order_by(Application.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if not batch:
            return flagged
        for application in batch:
            application.overdue_notified_at = now
            params = deal_params(application)
            link = application_link(application)
            specialist_id = application.specialist_id or application.enterprise.specialist_id
            notify_user_id(specialist_id, "application.overdue", params, link)
            notify_enterprise(application.enterprise_id, "application.overdue_firm", params, link)
            record_audit(
                "application.overdue_flagged",
                application,
                detail={"respond_by": str(application.respond_by)},
            )
        db.session.flush()
        flagged += len(batch)
