"""Read-side queries of the commission's admin pages: statements the routes page or read."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import AuditEvent, Enterprise, Institution, Role, Target, User
from finplatform.search import firm_condition

STAFF_ROLES = (Role.SPECIALIST, Role.COMMISSION, Role.ADMIN)


def institutions_in(status: str) -> sa.Select:
    """Institutions of one standing, in the order they registered."""
    return sa.select(Institution).where(Institution.status == status).order_by(Institution.id)


def staff_accounts() -> sa.Select:
    """Specialists, commission viewers and administrators, by role and name."""
    return sa.select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.role, User.name)


def active_specialists() -> list[User]:
    """The specialists who can take firms, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.SPECIALIST, User.active.is_(True))
            .order_by(User.name)
        )
    )


def firms_for_assignment(
    district: str, industry: str, unassigned: bool, term: str | None
) -> sa.Select:
    """Firms filtered by district, industry, search term and whether anyone looks after them."""
    query = sa.select(Enterprise)
    if district:
        query = query.where(Enterprise.district_code == district)
    if industry:
        query = query.where(Enterprise.industry_code == industry)
    if unassigned:
        query = query.where(Enterprise.specialist_id.is_(None))
    if term:
        query = query.where(firm_condition(term))
    return query.order_by(Enterprise.name)


def target_years() -> list[int]:
    """Every year that has targets, oldest first."""
    return list(db.session.scalars(sa.select(Target.year).distinct().order_by(Target.year)))


def targets_of(year: int | None) -> list[Target]:
    """A year's targets in the plan's order."""
    return list(
        db.session.scalars(sa.select(Target).where(Target.year == year).order_by(Target.sort_order))
    )


def audit_events(action: str, object_type: str, actor: str) -> sa.Select:
    """Audit entries, newest first: by action prefix, object type and part of the actor's e-mail."""
    query = sa.select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if actor:
        actors = sa.select(User.id).where(User.email.contains(actor.lower(), autoescape=True))
        query = query.where(AuditEvent.actor_id.in_(actors))
    return query.order_by(AuditEvent.id.desc())
