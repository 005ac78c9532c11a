"""The notification list, opening one (marks it read), and the navbar's unread count."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from finplatform.access import get_visible_or_404, role_required, visible
from finplatform.forms_support import ConfirmForm
from finplatform.models import Notification, Role
from finplatform.notifications import services
from finplatform.notifications.messages import notification_text
from finplatform.paging import counted_page

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
ALL_ROLES = tuple(Role)


@bp.app_context_processor
def unread_notifications() -> dict:
    """`unread_notifications()` for the navbar: counted only when a page asks for it."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)

    return {"unread_notifications": count, "notification_text": notification_text}


@bp.get("/")
@role_required(*ALL_ROLES)
def index():
    """The user's notifications, newest first, unread ones highlighted."""
    only_unread = request.args.get("unread") == "1"
    query = sa.select(Notification).where(visible(Notification, current_user))
    if only_unread:
        query = query.where(Notification.read_at.is_(None))
    page = counted_page(query.order_by(Notification.id.desc()))
    return render_template(
        "notifications/index.html", page=page, only_unread=only_unread, form=ConfirmForm()
    )


@bp.post("/<int:notification_id>/open")
@role_required(*ALL_ROLES)
def open_notification(notification_id: int):
    """Mark the notification read and go to the page it points to."""
    notification = get_visible_or_404(Notification, notification_id)
    services.mark_read(notification)
    link = notification.link or ""
    if not link.startswith("/") or link.startswith("//"):
        link = url_for("notifications.index")
    return redirect(link)


@bp.post("/read-all")
@role_required(*ALL_ROLES)
def read_all():
    """Mark every notification of the user read."""
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
