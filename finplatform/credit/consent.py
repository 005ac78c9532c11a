"""Consent (授权): an institution sees a firm's public-credit records, credit profile and
documents only while the firm authorises it, and every look is logged for the firm.

A consent is either for one application (valid until `CONSENT_DAYS_AFTER_DECISION` days
after the institution's decision; open while undecided) or standing until a date. The firm
revokes either at any time. The rule itself, as SQL, is `access.consent_in_force`.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform import clock
from finplatform.access import consent_in_force
from finplatform.audit import record_audit
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.models import (
    Application,
    CreditConsent,
    CreditView,
    Enterprise,
    Institution,
    User,
    utcnow,
)

MAX_STANDING_DAYS = 366


def grant_for_application(application: Application, actor: User) -> CreditConsent:
    """The firm authorises the institution of its application, for that application (an
    authorisation already in force for it is kept, not doubled)."""
    if application.enterprise_id != actor.enterprise_id:
        raise DomainError(_l("Please choose one of your own applications."), "application_id")
    existing = db.session.scalar(
        sa.select(CreditConsent)
        .where(
            consent_in_force(application.enterprise_id, application.institution_id),
            CreditConsent.application_id == application.id,
        )
        .limit(1)
    )
    if existing is not None:
        return existing
    consent = CreditConsent(
        enterprise_id=application.enterprise_id,
        institution_id=application.institution_id,
        application_id=application.id,
        granted_by_id=actor.id,
    )
    return _granted(consent, actor)


def grant_standing(
    enterprise: Enterprise, institution: Institution, actor: User, *, days: int
) -> CreditConsent:
    """The firm authorises an institution it applied to for `days` days (at most a year)."""
    if institution.id not in set(applied_to(enterprise.id)):
        raise DomainError(_l("Please choose an institution you applied to."), "institution_id")
    if not 1 <= int(days) <= MAX_STANDING_DAYS:
        raise DomainError(
            _l("A standing authorisation lasts 1 to %(n)d days.", n=MAX_STANDING_DAYS), "days"
        )
    consent = CreditConsent(
        enterprise_id=enterprise.id,
        institution_id=institution.id,
        valid_until=clock.today() + timedelta(days=int(days)),
        granted_by_id=actor.id,
    )
    return _granted(consent, actor)


def applied_to(enterprise_id: int) -> list[int]:
    """The institutions the firm has applied to: those it may give a standing authorisation."""
    return list(
        db.session.scalars(
            sa.select(Application.institution_id)
            .where(Application.enterprise_id == enterprise_id)
            .distinct()
        )
    )


def _granted(consent: CreditConsent, actor: User) -> CreditConsent:
    db.session.add(consent)
    db.session.flush()
    record_audit("consent.granted", consent, actor=actor)
    return consent


def revoke(consent: CreditConsent, actor: User) -> CreditConsent:
    """The firm withdraws an authorisation; the institution loses sight at once."""
    if consent.revoked_at is not None:
        raise Conflict(_l("This authorisation was already revoked."))
    consent.revoked_at = utcnow()
    record_audit("consent.revoked", consent, actor=actor)
    db.session.flush()
    return consent


def has_consent(enterprise_id: int, institution_id: int) -> bool:
    """Whether the firm authorises the institution now."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(consent_in_force(sa.literal(enterprise_id), institution_id))
            )
        )
    )


def log_view(enterprise_id: int, viewer: User, what: str) -> None:
    """Record that an institution's user looked at the firm's `what` (profile, document)."""
    db.session.add(
        CreditView(
            enterprise_id=enterprise_id,
            institution_id=viewer.institution_id,
            viewer_id=viewer.id,
            what=what,
        )
    )
    db.session.flush()
