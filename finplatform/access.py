"""Who may reach what: the one access rule of the platform.

Two questions, answered here and nowhere else:
1. Which pages a role reaches: `role_required(...)` on each view.
2. Which records a user sees: `visible(model, user)` gives the SQL condition, and
   `get_visible_or_404` fetches one record by id under it. Another organisation's record
   answers 404, so an id changed in the URL reveals nothing, not even that it exists.

An institution's standing is part of both: until the commission approves it, and while it is
suspended, its users reach only the pages declared `while_unapproved=True` (its status, its own
draft products) and see no record but its own institution and products; its API tokens reach
nothing (`in_good_standing`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Flask, abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from finplatform import clock
from finplatform.extensions import db
from finplatform.models import (
    Application,
    CommunityMembership,
    ContactLog,
    CreditConsent,
    Disbursement,
    Document,
    DocumentRequest,
    Enterprise,
    FinancingRequest,
    Institution,
    InstitutionStatus,
    Notification,
    Offer,
    Product,
    ProductStatus,
    Referral,
    ReferralKind,
    Role,
    User,
    utcnow,
)

# A condition over `FinancingRequest` joined to `Enterprise`, for one institution.
InstitutionRequestScope = Callable[[int], sa.ColumnElement[bool]]
_REQUEST_SCOPES = "finplatform_institution_request_scopes"

ROLE_HOME = {
    Role.ENTERPRISE: "enterprise.home",
    Role.INSTITUTION: "institution.home",
    Role.SPECIALIST: "specialist.home",
    Role.COMMISSION: "targets.index",
    Role.ADMIN: "admin.home",
    # A data provider only manages its API tokens; its records go in through the API.
    Role.DATA_PROVIDER: "settings.api_tokens",
}


def add_institution_request_scope(app: Flask, scope: InstitutionRequestScope) -> None:
    """Let institutions also see the financing requests `scope` selects.

    Features add their reasons for an institution to see a request (the ranking feature: the
    open requests of its demand pool) when the app is built, so that this rule depends on no
    feature. Without any, an institution sees the requests it was applied with or offered on.
    """
    scopes = app.extensions.setdefault(_REQUEST_SCOPES, [])
    if scope not in scopes:
        scopes.append(scope)


def configure_login(login_manager: LoginManager) -> None:
    """Tell Flask-Login where to send anonymous visitors (`finplatform.auth.sessions` loads
    the users, from their server-side sign-ins)."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def in_good_standing(user: User) -> bool:
    """Whether the user's organisation may act on the platform: every user but one of an
    institution that is pending approval or suspended."""
    if user.role != Role.INSTITUTION:
        return True
    institution = user.institution
    return institution is not None and institution.is_approved


def role_required(*roles: Role, while_unapproved: bool = False) -> Callable:
    """Let only signed-in users with one of `roles` reach the view; others get 403.

    A user of an institution not in good standing gets 403 too, unless `while_unapproved`
    declares the page one such an institution may use (its status, its draft products).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            if not while_unapproved and not in_good_standing(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        wrapped.open_while_unapproved = while_unapproved
        return wrapped

    return decorator


def _enterprise_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.ENTERPRISE:
            return Enterprise.id == user.enterprise_id
        case Role.SPECIALIST:
            return Enterprise.specialist_id == user.id
        case Role.INSTITUTION:
            # An institution sees the firms that applied to it, that it made an offer to, that
            # a specialist referred to it, and (a credit community) its members.
            applied = sa.select(Application.enterprise_id).where(
                Application.institution_id == user.institution_id
            )
            offered = (
                sa.select(FinancingRequest.enterprise_id)
                .join(Offer, Offer.request_id == FinancingRequest.id)
                .where(Offer.institution_id == user.institution_id)
            )
            referred = sa.select(Referral.enterprise_id).where(
                Referral.institution_id == user.institution_id,
                Referral.kind == ReferralKind.REFER_TO_INSTITUTION,
            )
            members = sa.select(CommunityMembership.enterprise_id).where(
                CommunityMembership.community_id == user.institution_id
            )
            return sa.or_(
                Enterprise.id.in_(applied),
                Enterprise.id.in_(offered),
                Enterprise.id.in_(referred),
                Enterprise.id.in_(members),
            )
    return sa.false()


def _institution_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.INSTITUTION:
            return Institution.id == user.institution_id
        case Role.ENTERPRISE | Role.SPECIALIST:
            return Institution.status == InstitutionStatus.APPROVED
    return sa.false()


def _product_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.INSTITUTION:
            return Product.institution_id == user.institution_id
        case Role.ENTERPRISE | Role.SPECIALIST:
            approved = sa.select(Institution.id).where(
                Institution.status == InstitutionStatus.APPROVED
            )
            return sa.and_(
                Product.status == ProductStatus.ACTIVE, Product.institution_id.in_(approved)
            )
    return sa.false()


def _request_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.ENTERPRISE:
            return FinancingRequest.enterprise_id == user.enterprise_id
        case Role.SPECIALIST:
            mine = sa.select(Enterprise.id).where(Enterprise.specialist_id == user.id)
            return FinancingRequest.enterprise_id.in_(mine)
        case Role.INSTITUTION:
            # Requests it was applied with or offered on, and those a feature adds (the open
            # ones of its demand pool). Each test is made for the request in hand, so that
            # fetching one request looks at that request instead of collecting all the
            # institution's applications or its whole pool.
            applied = sa.exists().where(
                Application.request_id == FinancingRequest.id,
                Application.institution_id == user.institution_id,
            )
            offered = sa.exists().where(
                Offer.request_id == FinancingRequest.id,
                Offer.institution_id == user.institution_id,
            )
            added = [
                sa.exists()
                .where(
                    Enterprise.id == FinancingRequest.enterprise_id,
                    scope(user.institution_id),
                )
                .correlate_except(Enterprise)
                for scope in current_app.extensions.get(_REQUEST_SCOPES, ())
            ]
            return sa.or_(applied, offered, *added)
    return sa.false()


def _application_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.ENTERPRISE:
            return Application.enterprise_id == user.enterprise_id
        case Role.INSTITUTION:
            return Application.institution_id == user.institution_id
        case Role.SPECIALIST:
            mine = sa.select(Enterprise.id).where(Enterprise.specialist_id == user.id)
            return Application.enterprise_id.in_(mine)
    return sa.false()


def _offer_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.INSTITUTION:
            return Offer.institution_id == user.institution_id
        case Role.ENTERPRISE | Role.SPECIALIST:
            requests = sa.select(FinancingRequest.id).where(_request_condition(user))
            return Offer.request_id.in_(requests)
    return sa.false()


def _disbursement_condition(user: User) -> sa.ColumnElement[bool]:
    if user.role == Role.COMMISSION:
        return sa.false()
    applications = sa.select(Application.id).where(_application_condition(user))
    return Disbursement.application_id.in_(applications)


def _notification_condition(user: User) -> sa.ColumnElement[bool]:
    # Notifications are personal: not even an admin reads another user's.
    return Notification.user_id == user.id


def _referral_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.ENTERPRISE:
            return Referral.enterprise_id == user.enterprise_id
        case Role.SPECIALIST:
            mine = sa.select(Enterprise.id).where(Enterprise.specialist_id == user.id)
            return sa.or_(Referral.specialist_id == user.id, Referral.enterprise_id.in_(mine))
        case Role.INSTITUTION:
            return sa.and_(
                Referral.institution_id == user.institution_id,
                Referral.kind == ReferralKind.REFER_TO_INSTITUTION,
            )
    return sa.false()


def _contact_log_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.SPECIALIST:
            mine = sa.select(Enterprise.id).where(Enterprise.specialist_id == user.id)
            return sa.or_(ContactLog.specialist_id == user.id, ContactLog.enterprise_id.in_(mine))
    return sa.false()


def consent_in_force(enterprise_id, institution_id: int) -> sa.ColumnElement[bool]:
    """A CreditConsent row by which the firm (`enterprise_id`, a column or value) authorises the
    institution now: not revoked, and standing until today or later, or for an application
    still undecided or decided less than CONSENT_DAYS_AFTER_DECISION days ago."""
    days = current_app.config["CONSENT_DAYS_AFTER_DECISION"]
    decided_since = utcnow() - timedelta(days=days)
    application_open = sa.exists().where(
        Application.id == CreditConsent.application_id,
        sa.or_(Application.decided_at.is_(None), Application.decided_at >= decided_since),
    )
    return sa.and_(
        CreditConsent.enterprise_id == enterprise_id,
        CreditConsent.institution_id == institution_id,
        CreditConsent.revoked_at.is_(None),
        sa.or_(
            CreditConsent.valid_until >= clock.today(),
            sa.and_(CreditConsent.application_id.is_not(None), application_open),
        ),
    )


def _document_condition(user: User) -> sa.ColumnElement[bool]:
    # The firm's own files; its specialist; an institution only those attached to an
    # application made to it. Commission staff do not open firms' files.
    match user.role:
        case Role.ENTERPRISE:
            return Document.enterprise_id == user.enterprise_id
        case Role.SPECIALIST:
            mine = sa.select(Enterprise.id).where(Enterprise.specialist_id == user.id)
            return Document.enterprise_id.in_(mine)
        case Role.INSTITUTION:
            # Attached to an application made to it, and only while the firm authorises it.
            applications = sa.select(Application.id).where(
                Application.institution_id == user.institution_id
            )
            consented = sa.exists().where(
                consent_in_force(Document.enterprise_id, user.institution_id)
            )
            return sa.and_(Document.application_id.in_(applications), consented)
    return sa.false()


def _document_request_condition(user: User) -> sa.ColumnElement[bool]:
    match user.role:
        case Role.ADMIN:
            return sa.true()
        case Role.ENTERPRISE:
            return DocumentRequest.enterprise_id == user.enterprise_id
        case Role.SPECIALIST:
            mine = sa.select(Enterprise.id).where(Enterprise.specialist_id == user.id)
            return DocumentRequest.enterprise_id.in_(mine)
        case Role.INSTITUTION:
            return DocumentRequest.institution_id == user.institution_id
    return sa.false()


_CONDITIONS: dict[type, Callable[[User], sa.ColumnElement[bool]]] = {
    Enterprise: _enterprise_condition,
    Institution: _institution_condition,
    Product: _product_condition,
    FinancingRequest: _request_condition,
    Application: _application_condition,
    Offer: _offer_condition,
    Disbursement: _disbursement_condition,
    Notification: _notification_condition,
    Referral: _referral_condition,
    ContactLog: _contact_log_condition,
    Document: _document_condition,
    DocumentRequest: _document_request_condition,
}


# What an institution not in good standing still sees: itself, its own (draft) products and
# its personal notifications.
_SEEN_WHILE_UNAPPROVED = {Institution, Product, Notification}


def visible(model: type, user: User) -> sa.ColumnElement[bool]:
    """The SQL condition selecting the rows of `model` that `user` may see."""
    try:
        condition = _CONDITIONS[model]
    except KeyError as exc:
        raise LookupError(f"no access rule for {model.__name__}") from exc
    if model not in _SEEN_WHILE_UNAPPROVED and not in_good_standing(user):
        return sa.false()
    return condition(user)


def get_visible_or_404(model: type, object_id: int, user: User | None = None, *, options=()):
    """Fetch one record by id if `user` (default: the signed-in user) may see it, else 404.

    `options` are loader options for what the page shows of the record's relations.
    """
    user = user if user is not None else current_user
    if not user.is_authenticated:
        abort(404)
    found = db.session.scalar(
        sa.select(model).where(model.id == object_id, visible(model, user)).options(*options)
    )
    if found is None:
        abort(404)
    return found
