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


class Role(enum.StrEnum):
    """What a user is on the platform; decides which pages they reach."""

    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    SPECIALIST = "specialist"
    COMMISSION = "commission"
    ADMIN = "admin"


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

    enterprise: Mapped[Enterprise | None] = relationship(foreign_keys=[enterprise_id])
    institution: Mapped[Institution | None] = relationship(foreign_keys=[institution_id])

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses sign-in for deactivated users."""
        return self.active

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
