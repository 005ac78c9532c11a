"""A credit community's member firms (信用共同体成员)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform.audit import record_audit
from finplatform.credit_code import InvalidCreditCode, validate_credit_code
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.i18n import credit_code_message
from finplatform.models import CommunityMembership, Enterprise, Institution, User

COMMUNITY_KIND = "credit_community"


def _require_community(institution: Institution) -> None:
    if institution.kind_code != COMMUNITY_KIND:
        raise DomainError(_l("Only a credit community has member firms."))


def add_member(institution: Institution, credit_code: str, actor: User) -> CommunityMembership:
    """Add the firm with this credit code to the community."""
    _require_community(institution)
    try:
        code = validate_credit_code(credit_code)
    except InvalidCreditCode as exc:
        raise DomainError(credit_code_message(exc), "credit_code") from exc
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))
    if enterprise is None:
        raise DomainError(_l("No firm with this credit code is registered."), "credit_code")
    if db.session.get(CommunityMembership, (institution.id, enterprise.id)) is not None:
        raise Conflict(_l("%(name)s is already a member.", name=enterprise.name), "credit_code")
    membership = CommunityMembership(community_id=institution.id, enterprise_id=enterprise.id)
    db.session.add(membership)
    record_audit(
        "community.member_added", enterprise, actor=actor, detail={"community": institution.id}
    )
    db.session.flush()
    return membership


def remove_member(institution: Institution, enterprise_id: int, actor: User) -> None:
    """Remove a firm from the community (its past loans keep their history)."""
    _require_community(institution)
    membership = db.session.get(CommunityMembership, (institution.id, enterprise_id))
    if membership is None:
        raise DomainError(_l("This firm is not a member."))
    db.session.delete(membership)
    record_audit(
        "community.member_removed",
        membership.enterprise,
        actor=actor,
        detail={"community": institution.id},
    )
    db.session.flush()
