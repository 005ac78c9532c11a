"""Sending and reading notifications; services call `notify`, the navbar shows unread counts.

Every signed-in page shows the user's unread count. With Redis it is kept there beside a
per-user change counter: `notify`, `mark_read` and `mark_all_read` move the counter on after
their transaction commits, and a count is used only while it was counted at the counter's
current value. A count taken just before a change committed was filed under the old value, so
it is never read again; losing Redis costs one query per page, never a wrong count.
"""

from __future__ import annotations

import contextlib
from datetime import UTC

import redis
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from finplatform.extensions import db
from finplatform.jobs import redis_connection
from finplatform.models import Notification, Role, User, utcnow
from finplatform.notifications import mail_notices


def notify(
    user: User, kind: str, params: dict | None = None, link: str | None = None
) -> Notification:
    """Add a notification for `user`; `kind` is a key of notifications.messages.MESSAGES. What
    the user must not miss is mailed too, if they chose it (mail_notices.py)."""
    notification = Notification(user_id=user.id, kind=kind, params=params or {}, link=link)
    db.session.add(notification)
    _unread_changes_after_commit(user)
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


UNREAD_KEY_PREFIX = "finplatform:unread:"
UNREAD_SECONDS = 3600
"""How long a user's count is kept in Redis without being asked for."""
_PENDING = "finplatform_unread_changed"
_LISTENING = "finplatform_unread_listening"


def _unread_keys(user: User) -> tuple[str, str]:
    """The user's change counter and count keys. The user's creation time is part of them: a
    reloaded or restored database may give the same id to another user."""
    created = user.created_at
    if created.tzinfo is None:  # SQLite hands stored instants back without their zone
        created = created.replace(tzinfo=UTC)
    owner = f"{UNREAD_KEY_PREFIX}{user.id}.{round(created.timestamp() * 1_000_000)}"
    return f"{owner}:changes", f"{owner}:count"


def _counted_unread(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (kept in Redis between changes)."""
    connection = redis_connection()
    if connection is None:
        return _counted_unread(user)
    changes_key, count_key = _unread_keys(user)
    try:
        changes, kept = connection.mget(changes_key, count_key)
    except redis.RedisError:
        return _counted_unread(user)
    changes = (changes or b"0").decode()
    if kept is not None:
        counted_at, _, count = kept.decode().partition(":")
        if counted_at == changes:
            return int(count)
    count = _counted_unread(user)
    with contextlib.suppress(redis.RedisError):
        connection.set(count_key, f"{changes}:{count}", ex=UNREAD_SECONDS)
    return count


def _count_changes(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        connection, keys = pending
        with contextlib.suppress(redis.RedisError):
            for changes_key in keys:
                connection.incr(changes_key)


def _forget_changes(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def _unread_changes_after_commit(user: User) -> None:
    """Move the user's change counter on once the current transaction commits."""
    connection = redis_connection()
    if connection is None:
        return
    session = db.session()
    if not session.info.get(_LISTENING):
        # Listeners stay for the session's life: removing one while it runs is not allowed.
        event.listen(session, "after_commit", _count_changes)
        event.listen(session, "after_soft_rollback", _forget_changes)
        session.info[_LISTENING] = True
    session.info.setdefault(_PENDING, (connection, set()))[1].add(_unread_keys(user)[0])


def mark_read(notification: Notification) -> None:
    """Mark one notification read (once; reading again keeps the first time)."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
        _unread_changes_after_commit(db.session.get(User, notification.user_id))


def mark_all_read(user: User) -> int:
    """Mark all of the user's notifications read; returns how many changed."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _unread_changes_after_commit(user)
    return result.rowcount
