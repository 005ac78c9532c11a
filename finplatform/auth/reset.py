"""Password reset by e-mail: a signed link that expires and works once.

The link carries the account id and a digest of its current password hash, signed with the
app's secret key: it stops working after PASSWORD_RESET_MAX_AGE seconds, and as soon as the
password changes (by this link or otherwise), so it is used at most once. Whoever asks gets the
same answer whether or not the address has an account; requests are limited per account and
per address. A reset ends every sign-in of the account and lifts its lock-out.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from finplatform import clock, mail
from finplatform.audit import record_audit
from finplatform.auth import passwords, services, sessions
from finplatform.extensions import db
from finplatform.models import AuditEvent, User

REQUESTED = "password.reset_requested"
WINDOW = timedelta(hours=1)
PER_ACCOUNT = 3
PER_ADDRESS = 10


class TooManyRequests(Exception):
    """This address asked for too many resets within the hour (429)."""


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="finplatform.password-reset")


def _stamp(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _requests_since(*conditions) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == REQUESTED, AuditEvent.at >= clock.now() - WINDOW, *conditions
        )
    )


def request_reset(email: str) -> None:
    """Send a reset link if the address has an account (at most PER_ACCOUNT an hour); the
    caller answers the same whatever happens here."""
    address = request.remote_addr or "unknown"
    if _requests_since(AuditEvent.ip == address) >= PER_ADDRESS:
        raise TooManyRequests
    email = services.normalise_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email, User.active))
    recent = 0
    if user is not None:
        recent = _requests_since(AuditEvent.object_type == "User", AuditEvent.object_id == user.id)
    record_audit("password.reset_requested", user, actor=None)
    db.session.flush()
    if user is None or recent >= PER_ACCOUNT:
        return
    token = _signer().dumps({"user": user.id, "stamp": _stamp(user)})
    link = url_for("auth.reset_password", token=token, _external=True)
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
        body = render_template("auth/reset_mail.txt", user=user, link=link, minutes=minutes)
        mail.deliver(user.email, _("Reset your password"), body)


def user_for(token: str) -> User | None:
    """The account a reset link is for, while the link is valid and unused."""
    try:
        data = _signer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.active or data.get("stamp") != _stamp(user):
        return None
    return user


def reset_password(user: User, new_password: str) -> None:
    """Set the new password, end every sign-in and lift the lock-out."""
    services.check_password_strength(new_password, "new_password")
    passwords.refuse_guessable(new_password, [user.email, user.name], "new_password")
    user.set_password(new_password, current_app.config["PASSWORD_HASH_METHOD"])
    sessions.end_all(user)
    services.unlock_user(user, user)
    record_audit("user.password_reset", user, actor=user)
