"""Jobs the fault tests queue; importable by a worker process started from the repository."""

from __future__ import annotations

import time

import sqlalchemy as sa

from finplatform.audit import record_audit
from finplatform.extensions import db
from finplatform.jobs import report_progress
from finplatform.models import AuditEvent


def slow_effect(key: str, seconds: float) -> str:
    """Work for `seconds`, then record its effect once per `key` (a retry must not repeat it)."""
    record_audit("test.job_started", detail={"key": key})
    db.session.commit()
    steps = max(int(seconds / 0.1), 1)
    for step in range(steps):
        time.sleep(0.1)
        report_progress(step + 1, steps)
    done = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "test.job_effect")
    )
    if not done:
        record_audit("test.job_effect", detail={"key": key})
        db.session.commit()
    return key
