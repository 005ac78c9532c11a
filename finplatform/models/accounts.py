"""People who sign in, and the audit trail of what they did."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from finplatform.models.base import Base, TimestampMixin, enum_column, utcnow

if TYPE_CHECKING:
    from finplatform.models.organisations import Enterprise, Institution


# What a user must not miss, each of which they may choose to receive by e-mail too.
MAIL_NOTICE_TOPICS = ("decision", "overdue", "document")
MAIL_NOTICES_DEFAULT = '["decision", "overdue", "document"]'


class Role(enum.StrEnum):
    """What a user is on the platform; decides which pages they reach."""

    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    SPECIALIST = "specialist"
    COMMISSION = "commission"
    ADMIN = "admin"
    # A data provider (tax, social security, courts…) writes public-credit records through the
    # API with its tokens, and reads nothing.
    DATA_PROVIDER = "data_provider"


class User(UserMixin, TimestampMixin, Base):
    """A person who signs in; enterprise and institution users belong to one organisation."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'enterprise') = (enterprise_id IS NOT NULL)", name="enterprise_user_has_firm"
        ),
        sa.CheckConstraint(
            "(role = 'institution') = (institution_id IS NOT NULL)",
            name="institution_user_has_institution",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(12))
    last_login_at: Mapped[datetime | None]
    # Set when repeated failed sign-ins lock the account: until `locked_until` (15 minutes,
    # doubling with each lock-out in a row), or until an admin unlocks it.
    locked_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    lockouts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Which notices also come by e-mail (finplatform/notifications/mail_notices.py): a list of
    # MAIL_NOTICE_TOPICS, all of them unless the user turned some off in their settings.
    mail_notices: Mapped[list] = mapped_column(
        sa.JSON, default=lambda: list(MAIL_NOTICE_TOPICS), server_default=MAIL_NOTICES_DEFAULT
    )

    enterprise: Mapped[Enterprise | None] = relationship(foreign_keys=[enterprise_id])
    institution: Mapped[Institution | None] = relationship(foreign_keys=[institution_id])

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses sign-in for deactivated users."""
        return self.active

    # The token of the sign-in (a `LoginSession`) this object was loaded for, when it was.
    login_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: the user's id and
        the random token of this sign-in, so that ending the sign-in ends both."""
        return f"{self.id}.{self.login_token or ''}"

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store a salted hash of the password (scrypt by default), never the password."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Whether `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class AuditEvent(Base):
    """Who did what to which record, and when; written by services, never edited."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship()


class Notification(Base):
    """An in-app notice for a user about something that needs their action (站内通知)."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A message key the UI translates, with its parameters (so each user reads it in their
    # own language), and the page it points to.
    kind: Mapped[str] = mapped_column(sa.String(60))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str | None] = mapped_column(sa.String(300))
    read_at: Mapped[datetime | None]


class ApiToken(TimestampMixin, Base):
    """An API token a user created; only its hash is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    # The first characters, shown in lists so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class IdempotencyRecord(Base):
    """The first response to a request sent with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_records_user_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(300))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """One sign-in on one device: the session and remember cookies carry its random token,
    stored here only as a hash; revoking the row ends both cookies wherever they are."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class PendingRegistration(Base):
    """A self-service registration waiting for its owner to follow the link mailed to them.

    Nothing is created until then; the row expires after REGISTRATION_MAX_AGE seconds, and a
    second registration of the same address replaces it (and its link, through `nonce`).
    """

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # "enterprise" or "institution": which registration form it came from.
    kind: Mapped[str] = mapped_column(sa.String(20))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    nonce: Mapped[str] = mapped_column(sa.String(32))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
