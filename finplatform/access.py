"""Who may reach what: the one access rule of the platform.

Two questions, answered here and nowhere else:
1. Which pages a role reaches: `role_required(...)` on each view.
2. Which records a user sees: `visible(model, user)` gives the SQL condition, and
   `get_visible_or_404` fetches one record by id under it. Another organisation's record
   answers 404, so an id changed in the URL reveals nothing, not even that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from finplatform.extensions import db
from finplatform.models import (
    Application,
    Enterprise,
    FinancingRequest,
    Institution,
    InstitutionStatus,
    Product,
    ProductStatus,
    Role,
    User,
)

ROLE_HOME = {
    Role.ENTERPRISE: "enterprise.home",
    Role.INSTITUTION: "institution.home",
    Role.SPECIALIST: "specialist.home",
    Role.COMMISSION: "targets.index",
    Role.ADMIN: "admin.home",
}


def configure_login(login_manager: LoginManager) -> None:
    """Tell Flask-Login how to load users and where to send anonymous visitors."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        return db.session.get(User, int(user_id))


def role_required(*roles: Role) -> Callable:
    """Let only signed-in users with one of `roles` reach the view; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
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
            # An institution sees the firms that applied to it.
            applied = sa.select(Application.enterprise_id).where(
                Application.institution_id == user.institution_id
            )
            return Enterprise.id.in_(applied)
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
            applied = sa.select(Application.request_id).where(
                Application.institution_id == user.institution_id
            )
            return FinancingRequest.id.in_(applied)
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


_CONDITIONS: dict[type, Callable[[User], sa.ColumnElement[bool]]] = {
    Enterprise: _enterprise_condition,
    Institution: _institution_condition,
    Product: _product_condition,
    FinancingRequest: _request_condition,
    Application: _application_condition,
}


def visible(model: type, user: User) -> sa.ColumnElement[bool]:
    """The SQL condition selecting the rows of `model` that `user` may see."""
    try:
        condition = _CONDITIONS[model]
    except KeyError as exc:
        raise LookupError(f"no access rule for {model.__name__}") from exc
    return condition(user)


def get_visible_or_404(model: type, object_id: int, user: User | None = None):
    """Fetch one record by id if `user` (default: the signed-in user) may see it, else 404."""
    user = user if user is not None else current_user
    if not user.is_authenticated:
        abort(404)
    found = db.session.scalar(sa.select(model).where(model.id == object_id, visible(model, user)))
    if found is None:
        abort(404)
    return found
