"""Sign-ins kept on the server: each has a random token, stored hashed in `LoginSession`.

Flask-Login keeps `User.get_id()` (the user's id and the token) in the session cookie and, for
"remember me", in the remember cookie, so a new sign-in gives new cookie values; signing out
revokes the row, and a password change, a password reset or "sign out everywhere" revokes all
of a user's rows: a captured cookie then reaches only the sign-in page. Signed-in pages are
never stored by browsers or proxies (`Cache-Control: no-store`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import Flask, g, session
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from finplatform.extensions import db
from finplatform.models import LoginSession, User, utcnow

# What survives the fresh session a sign-in starts with (the chosen language).
KEPT_AT_SIGN_IN = ("lang",)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, *, remember: bool = False) -> None:
    """Sign `user` in on this device: a new session (so a new session cookie and CSRF token)
    and a new server-side sign-in."""
    kept = {name: session[name] for name in KEPT_AT_SIGN_IN if name in session}
    session.clear()
    session.update(kept)
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_hash(token), remember=remember))
    db.session.flush()
    user.login_token = token
    login_user(user, remember=remember)


def load(identifier: str) -> User | None:
    """The user of a live sign-in named by `identifier` (`User.get_id()`), else None."""
    user_id, _, token = identifier.partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.scalar(
        sa.select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        # An institution's staff's pages all read its standing (menus, access): one query.
        .options(joinedload(User.institution))
        .where(LoginSession.token_hash == _hash(token), LoginSession.revoked_at.is_(None))
    )
    if user is None or not hmac.compare_digest(str(user.id), user_id):
        return None
    user.login_token = token
    return user


def _live(user_id: int):
    return sa.update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)
    )


def end() -> None:
    """Sign out of this device: its sign-in is revoked on the server, its cookies cleared."""
    if current_user.is_authenticated and current_user.login_token:
        db.session.execute(
            _live(current_user.id)
            .where(LoginSession.token_hash == _hash(current_user.login_token))
            .values(revoked_at=utcnow())
        )
    logout_user()


def end_all(user: User, *, except_current: bool = False) -> None:
    """Revoke every sign-in of `user` (all but this device's with `except_current`)."""
    statement = _live(user.id).values(revoked_at=utcnow())
    if except_current and user.login_token:
        statement = statement.where(LoginSession.token_hash != _hash(user.login_token))
    db.session.execute(statement)


def register(app: Flask, login_manager: LoginManager) -> None:
    """Users load from their live sign-ins; signed-in answers are never kept by a browser's
    cache or a proxy."""
    login_manager.user_loader(load)

    @app.after_request
    def no_store_when_signed_in(response):
        user = g.get("_login_user")
        # is_anonymous, not is_authenticated: the latter reads the user's row again after the
        # request's commit expired it, one more query on every signed-in answer.
        if user is not None and not user.is_anonymous:
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response
