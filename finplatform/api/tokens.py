"""API tokens: created by a user in their settings, shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from finplatform.audit import record_audit
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import ApiToken, User, utcnow

TOKEN_PREFIX = "fpt_"
MAX_ACTIVE_TOKENS = 20
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token text, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Please give the token a name."), "name")
    active = db.session.scalar(
        sa.select(sa.func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _l("You have %(n)d active tokens; revoke one first.", n=MAX_ACTIVE_TOKENS), "name"
        )
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=text[:12], token_hash=hash_token(text))
    db.session.add(token)
    db.session.flush()
    record_audit("api_token.created", token, actor=user, detail={"name": name})
    return token, text


def revoke_token(token: ApiToken, actor: User) -> None:
    """Revoke a token at once; it is refused from the next request on."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_audit("api_token.revoked", token, actor=actor)


def user_for_token(text: str) -> tuple[User, ApiToken] | None:
    """The active user a presented token belongs to, or None (unknown, revoked, inactive)."""
    if not text.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == hash_token(text))
        .options(joinedload(ApiToken.user))
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    # A minute's precision is enough for "last used", and spares a write on every API call.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now
    return token.user, token


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first (bounded by MAX_ACTIVE_TOKENS plus revoked history)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc())
            .limit(100)
        )
    )
