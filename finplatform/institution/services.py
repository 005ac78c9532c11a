"""A credit community's member firms (信用共同体成员)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l

from finplatform.audit import record_audit
from finplatform.credit_code import InvalidCreditCode, validate_credit_code
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.i18n import credit_code_message
from finplatform.institution.queries import pending_requests
from finplatform.models import (
    CommunityMembership,
    Enterprise,
    Institution,
    MembershipRequest,
    User,
)

COMMUNITY_KIND = "credit_community"


def _require_community(institution: Institution) -> None:
    if institution.kind_code != COMMUNITY_KIND:
        raise DomainError(_l("Only a credit community has member firms."))


def request_member(institution: Institution, credit_code: str, actor: User) -> None:
    """Ask the firm with this credit code to join the community; the firm (or the commission)
    confirms. Whether a firm has the code, or already belongs, is not told: the community
    learns nothing about a code until the firm confirms."""
    _require_community(institution)
    try:
        code = validate_credit_code(credit_code)
    except InvalidCreditCode as exc:
        raise DomainError(credit_code_message(exc), "credit_code") from exc
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))
    if enterprise is None:
        return
    key = (institution.id, enterprise.id)
    if db.session.get(CommunityMembership, key) or db.session.get(MembershipRequest, key):
        return
    db.session.add(
        MembershipRequest(
            community_id=institution.id, enterprise_id=enterprise.id, requested_by_id=actor.id
        )
    )
    record_audit(
        "community.member_requested", enterprise, actor=actor, detail={"community": institution.id}
    )
    db.session.flush()


def answer_request(
    user: User, community_id: int, enterprise_id: int, *, accept: bool
) -> MembershipRequest:
    """Confirm (the firm joins) or decline a community's request; 404 unless `user` may."""
    found = db.session.scalar(
        pending_requests(user).where(
            MembershipRequest.community_id == community_id,
            MembershipRequest.enterprise_id == enterprise_id,
        )
    )
    if found is None:
        abort(404)
    detail = {"community": community_id}
    if accept:
        db.session.add(CommunityMembership(community_id=community_id, enterprise_id=enterprise_id))
        record_audit("community.member_added", found.enterprise, actor=user, detail=detail)
    else:
        record_audit("community.member_declined", found.enterprise, actor=user, detail=detail)
    db.session.delete(found)
    db.session.flush()
    return found


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
