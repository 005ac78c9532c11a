"""Select-field choices from the reference tables, in the current language."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from finplatform.extensions import db
from finplatform.i18n import localized_name
from finplatform.models import District, Industry, InstitutionKind, ProductKind

PLEASE_CHOOSE = SelectChoice("", _l("— please choose —"))


def district_choices() -> list[SelectChoice]:
    """The city's districts."""
    rows = db.session.scalars(sa.select(District).order_by(District.code))
    return [PLEASE_CHOOSE] + [SelectChoice(row.code, localized_name(row)) for row in rows]


def industry_choices() -> list[SelectChoice]:
    """Industry divisions, labelled with their GB/T 4754 code."""
    rows = db.session.scalars(
        sa.select(Industry).where(Industry.level == "division").order_by(Industry.code)
    )
    return [PLEASE_CHOOSE] + [
        SelectChoice(row.code, f"{row.code} {localized_name(row)}") for row in rows
    ]


def institution_kind_choices() -> list[SelectChoice]:
    """Institution kinds in the plan's order."""
    rows = db.session.scalars(sa.select(InstitutionKind).order_by(InstitutionKind.sort_order))
    return [PLEASE_CHOOSE] + [SelectChoice(row.code, localized_name(row)) for row in rows]


def product_kind_choices() -> list[SelectChoice]:
    """Product kinds in the plan's order."""
    rows = db.session.scalars(sa.select(ProductKind).order_by(ProductKind.sort_order))
    return [SelectChoice(row.code, localized_name(row)) for row in rows]
