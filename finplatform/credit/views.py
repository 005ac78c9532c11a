"""What pages show of a firm's credit information, and to whom."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from finplatform import clock
from finplatform.access import consent_in_force
from finplatform.credit.consent import log_view
from finplatform.credit.profile import credit_profile
from finplatform.extensions import db
from finplatform.models import (
    Application,
    CreditConsent,
    CreditView,
    Enterprise,
    Institution,
    Role,
    User,
)


def application_credit_context(application: Application, user: User) -> dict:
    """For the institution: the firm's profile while the firm authorises it (the look is
    logged); for the firm: whether its authorisation for this application is in force."""
    if user.role == Role.INSTITUTION:
        if not _in_force(application.enterprise_id, user.institution_id):
            return {"credit_consented": False}
        log_view(application.enterprise_id, user, "profile")
        db.session.commit()
        return {
            "credit_consented": True,
            "credit_profile": credit_profile(application.enterprise, clock.today()),
        }
    if user.role == Role.ENTERPRISE:
        return {"credit_consent": application_consent(application)}
    return {}


def viewable_profile(enterprise: Enterprise, user: User, on: date) -> dict | None:
    """The firm's profile as of `on` for `user`: the firm itself, or an institution the firm
    authorises now (the look goes into the firm's log); None for everyone else, commission
    staff included (they see profiles only as statistics)."""
    if user.role == Role.ENTERPRISE and user.enterprise_id == enterprise.id:
        return credit_profile(enterprise, on)
    if user.role == Role.INSTITUTION and _in_force(enterprise.id, user.institution_id):
        log_view(enterprise.id, user, "profile")
        return credit_profile(enterprise, on)
    return None


def _in_force(enterprise_id: int, institution_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.exists().where(consent_in_force(enterprise_id, institution_id)))
        )
    )


def application_consent(application: Application) -> CreditConsent | None:
    """The firm's authorisation in force for this application's institution, if any."""
    return db.session.scalar(
        sa.select(CreditConsent)
        .where(consent_in_force(application.enterprise_id, application.institution_id))
        .order_by(CreditConsent.id.desc())
        .limit(1)
    )


def consent_page(enterprise_id: int) -> dict:
    """The firm's authorisations (newest first), their institutions, and the log of views."""
    consents = db.session.scalars(
        sa.select(CreditConsent)
        .where(CreditConsent.enterprise_id == enterprise_id)
        .order_by(CreditConsent.id.desc())
    ).all()
    in_force = set(
        db.session.scalars(
            sa.select(CreditConsent.id).where(
                consent_in_force(enterprise_id, CreditConsent.institution_id)
            )
        )
    )
    views = db.session.execute(
        sa.select(CreditView, Institution.name)
        .join(Institution, Institution.id == CreditView.institution_id)
        .where(CreditView.enterprise_id == enterprise_id)
        .order_by(CreditView.id.desc())
        .limit(200)
    ).all()
    applied_to = db.session.scalars(
        sa.select(Institution)
        .where(
            Institution.id.in_(
                sa.select(Application.institution_id).where(
                    Application.enterprise_id == enterprise_id
                )
            )
        )
        .order_by(Institution.name)
    ).all()
    return {"consents": consents, "in_force": in_force, "views": views, "institutions": applied_to}
