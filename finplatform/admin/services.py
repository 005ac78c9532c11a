"""The commission's operations: assign firms to specialists, edit targets."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform.audit import record_audit
from finplatform.domain.units import COUNT_UNITS, YUAN_PER_UNIT
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import Enterprise, Role, Target, User, utcnow
from finplatform.notifications.services import notify


def _specialist(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or user.role != Role.SPECIALIST or not user.active:
        raise DomainError(_l("Please choose an active specialist."), "specialist_id")
    return user


def assign_firm(enterprise: Enterprise, specialist_id: int | None, actor: User) -> Enterprise:
    """Assign one firm to a specialist (or unassign it with None)."""
    specialist = _specialist(specialist_id) if specialist_id else None
    before = enterprise.specialist_id
    enterprise.specialist_id = specialist.id if specialist else None
    record_audit(
        "enterprise.assigned",
        enterprise,
        actor=actor,
        detail={"from": before, "to": enterprise.specialist_id},
    )
    if specialist is not None and before != specialist.id:
        notify(specialist, "assignment.assigned", {"count": 1}, "/specialist/")
    db.session.flush()
    return enterprise


def bulk_assign(
    *,
    specialist_id: int | None,
    district_code: str | None,
    industry_code: str | None,
    only_unassigned: bool,
    actor: User,
) -> int:
    """Assign every firm of a district and/or industry to a specialist in one UPDATE."""
    specialist = _specialist(specialist_id)
    if not district_code and not industry_code:
        raise DomainError(_l("Choose a district, an industry or both."), "district_code")
    conditions = []
    if district_code:
        conditions.append(Enterprise.district_code == district_code)
    if industry_code:
        conditions.append(Enterprise.industry_code == industry_code)
    if only_unassigned:
        conditions.append(Enterprise.specialist_id.is_(None))
    conditions.append(
        sa.or_(Enterprise.specialist_id.is_(None), Enterprise.specialist_id != specialist.id)
    )
    result = db.session.execute(
        sa.update(Enterprise).where(*conditions).values(specialist_id=specialist.id),
        execution_options={"synchronize_session": False},
    )
    count = result.rowcount
    record_audit(
        "enterprise.bulk_assigned",
        specialist,
        actor=actor,
        detail={
            "district": district_code,
            "industry": industry_code,
            "only_unassigned": only_unassigned,
            "count": count,
        },
    )
    if count:
        notify(specialist, "assignment.assigned", {"count": count}, "/specialist/")
    db.session.flush()
    return count


def update_target(target: Target, value: Decimal, actor: User) -> Target:
    """Change a target's value (in its own unit); the yuan figure follows."""
    if value is None or value <= 0:
        raise DomainError(_l("The target must be more than zero."), "value")
    if target.unit in COUNT_UNITS and value != value.to_integral_value():
        raise DomainError(_l("A count target must be a whole number."), "value")
    before = target.value
    target.value = value
    if target.unit in YUAN_PER_UNIT:
        target.value_yuan = value * YUAN_PER_UNIT[target.unit]
    target.updated_at = utcnow()
    record_audit(
        "target.updated", target, actor=actor, detail={"from": str(before), "to": str(value)}
    )
    db.session.flush()
    return target
