"""Consent and credit profiles over the API: a firm authorises an institution (for one
application, or standing for a number of days), lists and revokes its authorisations and reads
who looked; the firm reads its own credit profile, an institution a firm's profile only while
the firm authorises it (each look logged). Commission staff get no profiles here: they see them
only as statistics in the reports."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort

from finplatform import clock
from finplatform.access import consent_in_force, visible
from finplatform.api.core import (
    PageArgs,
    api_blueprint,
    list_page,
    page_schema,
    refusals,
    require_role,
)
from finplatform.credit import consent as consent_services
from finplatform.credit.views import viewable_profile
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import (
    Application,
    CreditConsent,
    CreditView,
    Enterprise,
    Institution,
    Role,
)

consents_bp = api_blueprint(
    "api_consents",
    "/consents",
    "A firm's authorisations (授权) for institutions to see its credit information, and the "
    "log of who looked.",
)
profiles_bp = api_blueprint(
    "api_credit_profiles",
    "/credit-profiles",
    "Firms' credit profiles (企业信用画像): to the firm itself, and to an institution the firm "
    "authorises.",
)

ID = ma.validate.Range(min=1, max=2**31 - 1)
EARLIEST_DAY = "2000-01-01"
ONE_OF = _l("Give either application_id, or institution_id with days.")
UNKNOWN = _l("There is no such application.")
NOT_APPLIED = _l("Please choose an institution you applied to.")


class ConsentSchema(ma.Schema):
    """An authorisation: whose, for which institution, for one application or until a date,
    and whether it is in force now."""

    id = ma.fields.Integer(required=True)
    enterprise_id = ma.fields.Integer(required=True)
    institution_id = ma.fields.Integer(required=True)
    institution_name = ma.fields.String(required=True)
    application_id = ma.fields.Integer(allow_none=True)
    valid_until = ma.fields.Date(allow_none=True)
    granted_at = ma.fields.DateTime(required=True)
    revoked_at = ma.fields.DateTime(allow_none=True)
    in_force = ma.fields.Boolean(required=True)


class ConsentInput(ma.Schema):
    """For one application (`application_id`; it lasts until some days after the decision),
    or standing (`institution_id` and `days`, 1 to 366)."""

    application_id = ma.fields.Integer(strict=True, validate=ID)
    institution_id = ma.fields.Integer(strict=True, validate=ID)
    days = ma.fields.Integer(
        strict=True, validate=ma.validate.Range(min=1, max=consent_services.MAX_STANDING_DAYS)
    )


class ConsentFilter(PageArgs):
    """Filters of the authorisation list."""

    institution_id = ma.fields.Integer(validate=ID)
    application_id = ma.fields.Integer(validate=ID)


class CreditViewSchema(ma.Schema):
    """One look by an institution's user at the firm's profile or a document."""

    id = ma.fields.Integer(required=True)
    institution_id = ma.fields.Integer(required=True)
    institution_name = ma.fields.String(required=True)
    what = ma.fields.String(required=True, metadata={"description": "profile or document"})
    at = ma.fields.DateTime(required=True)


class FactorSchema(ma.Schema):
    """One part of the score: its points, the value read, its source and as-of date."""

    name = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    value = ma.fields.String(required=True)
    contribution = ma.fields.Float(required=True)
    source = ma.fields.String(required=True)
    as_of = ma.fields.String(required=True)


class CreditProfileSchema(ma.Schema):
    """A firm's credit profile as of a day: score 0–100, grade A+ … E, and every factor."""

    credit_code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    as_of = ma.fields.String(required=True, metadata={"description": "The day, YYYY-MM-DD."})
    scorecard = ma.fields.String(required=True)
    score = ma.fields.Integer(required=True)
    grade = ma.fields.String(required=True)
    factors = ma.fields.List(ma.fields.Nested(FactorSchema), required=True)


class ProfileArgs(ma.Schema):
    """The day of the profile (today unless given)."""

    as_of = ma.fields.Date(metadata={"description": "A past day: the profile as known then."})


ConsentPage = page_schema(ConsentSchema, "ConsentPage")
CreditViewPage = page_schema(CreditViewSchema, "CreditViewPage")


def _consent_scope():
    """The authorisations the token's user may list: a firm its own, an institution those
    given to it; 403 for every other role."""
    require_role(Role.ENTERPRISE, Role.INSTITUTION)
    if current_user.role == Role.ENTERPRISE:
        return CreditConsent.enterprise_id == current_user.enterprise_id
    return CreditConsent.institution_id == current_user.institution_id


def _described(consents) -> list[dict]:
    """Each authorisation with its institution's name and whether it is in force now."""
    ids = [consent.id for consent in consents]
    in_force = set(
        db.session.scalars(
            sa.select(CreditConsent.id).where(
                CreditConsent.id.in_(ids),
                consent_in_force(CreditConsent.enterprise_id, CreditConsent.institution_id),
            )
        )
    )
    return [
        {
            "id": consent.id,
            "enterprise_id": consent.enterprise_id,
            "institution_id": consent.institution_id,
            "institution_name": consent.institution.name,
            "application_id": consent.application_id,
            "valid_until": consent.valid_until,
            "granted_at": consent.granted_at,
            "revoked_at": consent.revoked_at,
            "in_force": consent.id in in_force,
        }
        for consent in consents
    ]


@consents_bp.get("")
@consents_bp.arguments(ConsentFilter, location="query")
@consents_bp.response(200, ConsentPage)
def list_consents(args):
    """The firm's authorisations, or (for an institution) those given to it; newest first."""
    page = list_page(
        sa.select(CreditConsent).where(_consent_scope()),
        args,
        {
            "institution_id": CreditConsent.institution_id,
            "application_id": CreditConsent.application_id,
        },
        CreditConsent.id.desc(),
    )
    return {**page, "items": _described(page["items"])}


@consents_bp.post("")
@consents_bp.arguments(ConsentInput)
@consents_bp.response(201, ConsentSchema)
def grant_consent(values):
    """The firm authorises the institution of one of its applications for that application,
    or an institution it applied to for a number of days."""
    require_role(Role.ENTERPRISE)
    by_application = "application_id" in values
    with refusals():
        if by_application == ("institution_id" in values) or by_application == ("days" in values):
            raise DomainError(ONE_OF, "application_id")
        if by_application:
            application = db.session.scalar(
                sa.select(Application).where(
                    Application.id == values["application_id"],
                    visible(Application, current_user),
                )
            )
            if application is None:
                raise DomainError(UNKNOWN, "application_id")
            consent = consent_services.grant_for_application(application, current_user)
        else:
            institution = db.session.get(Institution, values["institution_id"])
            if institution is None:
                raise DomainError(NOT_APPLIED, "institution_id")
            consent = consent_services.grant_standing(
                current_user.enterprise, institution, current_user, days=values["days"]
            )
    return _described([consent])[0]


@consents_bp.post("/<int:consent_id>/revoke")
@consents_bp.response(200, ConsentSchema)
def revoke_consent(consent_id: int):
    """The firm revokes one of its authorisations: the institution loses sight at once."""
    require_role(Role.ENTERPRISE)
    consent = db.session.get(CreditConsent, consent_id)
    if consent is None or consent.enterprise_id != current_user.enterprise_id:
        abort(404)
    with refusals():
        consent_services.revoke(consent, current_user)
    return _described([consent])[0]


@consents_bp.get("/views")
@consents_bp.arguments(PageArgs, location="query")
@consents_bp.response(200, CreditViewPage)
def list_views(args):
    """The firm's log of looks at its profile and documents: which institution, what, when."""
    require_role(Role.ENTERPRISE)
    page = list_page(
        sa.select(CreditView).where(CreditView.enterprise_id == current_user.enterprise_id),
        args,
        {},
        CreditView.id.desc(),
    )
    names = dict(
        db.session.execute(
            sa.select(Institution.id, Institution.name).where(
                Institution.id.in_({view.institution_id for view in page["items"]})
            )
        ).all()
    )
    items = [
        {
            "id": view.id,
            "institution_id": view.institution_id,
            "institution_name": names.get(view.institution_id, ""),
            "what": view.what,
            "at": view.at,
        }
        for view in page["items"]
    ]
    return {**page, "items": items}


@profiles_bp.get("/<string:credit_code>")
@profiles_bp.arguments(ProfileArgs, location="query")
@profiles_bp.response(200, CreditProfileSchema)
def get_credit_profile(args, credit_code: str):
    """A firm's credit profile (as of `as_of`, today by default): the firm's own, or, for an
    institution, a firm that authorises it now (the look goes into the firm's log); 404 when
    the token's user may not see it."""
    require_role(Role.ENTERPRISE, Role.INSTITUTION)
    today = clock.today()
    on = args.get("as_of") or today
    if not (EARLIEST_DAY <= on.isoformat() <= today.isoformat()):
        with refusals("query"):
            raise DomainError(
                _l(
                    "The day must be between %(first)s and %(today)s.",
                    first=EARLIEST_DAY,
                    today=today,
                ),
                "as_of",
            )
    firm = db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == credit_code))
    profile = viewable_profile(firm, current_user, on) if firm is not None else None
    if profile is None:
        abort(404)
    return profile
