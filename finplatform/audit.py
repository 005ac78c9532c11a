"""The audit trail: one function that every service calls for a change worth recording."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from finplatform.extensions import db
from finplatform.models import AuditEvent, User


def record_audit(
    action: str,
    obj=None,
    *,
    actor: User | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit entry for `action` on `obj` by `actor` (default: the signed-in user)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        detail=detail or {},
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
