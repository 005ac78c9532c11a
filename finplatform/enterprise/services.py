"""An enterprise's profile: editing it, and how complete it is."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform import clock
from finplatform.audit import record_audit
from finplatform.credit import confirmation
from finplatform.credit_code import (
    InvalidCreditCode,
    registered_in,
    registration_area,
    validate_credit_code,
)
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.i18n import credit_code_message, localized_name
from finplatform.models import District, Enterprise, Industry, User
from finplatform.phone_numbers import checked_phone

# The profile fields that matching and institutions use, with their labels.
PROFILE_FIELDS = {
    "founded_on": _l("Founded on"),
    "employees": _l("Employees"),
    "revenue_yuan": _l("Annual revenue"),
    "rd_spend_yuan": _l("R&D spend"),
    "patents": _l("Patents"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Phone"),
}


def completeness(enterprise: Enterprise) -> tuple[int, list[str]]:
    """Percent of the profile filled in, and the labels of what is missing."""
    missing = [
        str(label)
        for name, label in PROFILE_FIELDS.items()
        if getattr(enterprise, name) in (None, "") or (name == "patents" and not enterprise.patents)
    ]
    # Credit code, name, district and industry are always there (registration requires them).
    total = len(PROFILE_FIELDS) + 4
    return round(100 * (total - len(missing)) / total), missing


def update_profile(enterprise: Enterprise, actor: User, **values) -> Enterprise:
    """Save the profile after checking the credit code, reference values and figures."""
    try:
        code = validate_credit_code(values["credit_code"])
    except InvalidCreditCode as exc:
        raise DomainError(credit_code_message(exc), "credit_code") from exc
    taken = db.session.scalar(
        sa.select(Enterprise.id).where(
            Enterprise.credit_code == code, Enterprise.id != enterprise.id
        )
    )
    if taken is not None:
        raise DomainError(_l("Another company is registered with this credit code."), "credit_code")
    if db.session.get(District, values["district_code"] or "") is None:
        raise DomainError(_l("Please choose a value from the list."), "district_code")
    industry = db.session.get(Industry, values["industry_code"] or "")
    if industry is None or industry.level != "division":
        raise DomainError(_l("Please choose a value from the list."), "industry_code")
    founded_on = values.get("founded_on")
    if founded_on is not None and founded_on > clock.today():
        raise DomainError(_l("The founding date cannot be in the future."), "founded_on")
    for name in ("employees", "patents", "revenue_yuan", "rd_spend_yuan"):
        if values.get(name) is not None and values[name] < 0:
            raise DomainError(_l("The value cannot be negative."), name)
    contact_phone = checked_phone(values.get("contact_phone"), "contact_phone")
    enterprise.credit_code = code
    enterprise.name = values["name"].strip()
    enterprise.district_code = values["district_code"]
    enterprise.industry_code = values["industry_code"]
    enterprise.founded_on = founded_on
    enterprise.employees = values.get("employees")
    enterprise.revenue_yuan = values.get("revenue_yuan")
    enterprise.rd_spend_yuan = values.get("rd_spend_yuan")
    enterprise.patents = values.get("patents") or 0
    enterprise.is_little_giant = bool(values.get("is_little_giant"))
    enterprise.is_high_tech = bool(values.get("is_high_tech"))
    # A claim counts only as far as the firm's public-credit records confirm it.
    confirmation.confirm([enterprise], clock.today())
    enterprise.contact_name = (values.get("contact_name") or "").strip() or None
    enterprise.contact_phone = contact_phone
    record_audit("enterprise.profile_updated", enterprise, actor=actor)
    db.session.flush()
    return enterprise


def district_warning(credit_code: str | None, district_code: str | None) -> str | None:
    """A warning when the credit code was registered outside the chosen district, else None.

    Firms move and districts merge (塘沽 into 滨海新区), so this is a warning, never a refusal.
    """
    area = registration_area(credit_code)
    district = db.session.get(District, district_code or "")
    if area is None or district is None or registered_in(credit_code, district.code):
        return None
    if district.code_2014 == area:  # registered when the district was still a county
        return None
    registered = db.session.scalar(
        sa.select(District).where(sa.or_(District.code == area, District.code_2014 == area))
    )
    return _l(
        "The credit code was registered in %(area)s, but the district chosen is %(district)s. "
        "Please check the district (the details were saved).",
        area=localized_name(registered)
        if registered is not None
        else _l("the area with division code %(code)s", code=area),
        district=localized_name(district),
    )
