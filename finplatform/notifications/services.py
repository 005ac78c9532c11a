"""Sending and reading notifications; services call `notify`, the navbar shows unread counts."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import Notification, Role, User, utcnow
from finplatform.notifications import mail_notices


def notify(
    user: User, kind: str, params: dict | None = None, link: str | None = None
) -> Notification:
    """Add a notification for `user`; `kind` is a key of notifications.messages.MESSAGES. What
    the user must not miss is mailed too, if they chose it (mail_notices.py)."""
    notification = Notification(user_id=user.id, kind=kind, params=params or {}, link=link)
    db.session.add(notification)
    mail_notices.mail_notice(user, kind, params or {}, link)
    return notification


def _active_users(*conditions) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True), *conditions)))


def notify_enterprise(enterprise_id: int, kind: str, params: dict, link: str | None = None) -> int:
    """Notify every active user of an enterprise; returns how many were notified."""
    users = _active_users(User.enterprise_id == enterprise_id)
    for user in users:
        notify(user, kind, params, link)
    return len(users)


def notify_institution(
    institution_id: int, kind: str, params: dict, link: str | None = None
) -> int:
    """Notify every active staff user of an institution; returns how many were notified."""
    users = _active_users(User.institution_id == institution_id, User.role == Role.INSTITUTION)
    for user in users:
        notify(user, kind, params, link)
    return len(users)


def notify_user_id(user_id: int | None, kind: str, params: dict, link: str | None = None) -> bool:
    """Notify one user by id when there is one (a firm may have no specialist yet)."""
    if user_id is None:
        return False
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return False
    notify(user, kind, params, link)
    return True


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def mark_read(notification: Notification) -> None:
    """Mark one notification read (once; reading again keeps the first time)."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark all of the user's notifications read; returns how many changed."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
