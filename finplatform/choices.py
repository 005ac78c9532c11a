"""Select-field choices from the reference tables, in the current language."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from finplatform.extensions import db
from finplatform.i18n import is_english
from finplatform.models import District, Industry, InstitutionKind, ProductKind

PLEASE_CHOOSE = SelectChoice("", _l("— please choose —"))


def _named(table, *conditions, order) -> tuple[tuple[str, str], ...]:
    """(code, name in the current language) of a reference table's rows: plain rows, and the
    language asked once (the demand pool's filters list about 90 of them on every page).

    The reference lists are loaded with the schema and never edited by the application, so
    each worker reads each list once per language."""
    english = is_english()
    key = (table.__tablename__, english)  # one list per table
    kept = current_app.extensions.setdefault("finplatform_reference_names", {})
    rows = kept.get(key)
    if rows is None:
        name = table.name_en if english else table.name_zh
        statement = sa.select(table.code, name).where(*conditions).order_by(order)
        rows = kept[key] = tuple((code, text) for code, text in db.session.execute(statement))
    return rows


def district_choices() -> list[SelectChoice]:
    """The city's districts."""
    return [PLEASE_CHOOSE] + [
        SelectChoice(code, name) for code, name in _named(District, order=District.code)
    ]


def industry_choices() -> list[SelectChoice]:
    """Industry divisions, labelled with their GB/T 4754 code."""
    divisions = _named(Industry, Industry.level == "division", order=Industry.code)
    return [PLEASE_CHOOSE] + [SelectChoice(code, f"{code} {name}") for code, name in divisions]


def institution_kind_choices() -> list[SelectChoice]:
    """Institution kinds in the plan's order."""
    kinds = _named(InstitutionKind, order=InstitutionKind.sort_order)
    return [PLEASE_CHOOSE] + [SelectChoice(code, name) for code, name in kinds]


def product_kind_choices() -> list[SelectChoice]:
    """Product kinds in the plan's order."""
    return [
        SelectChoice(code, name) for code, name in _named(ProductKind, order=ProductKind.sort_order)
    ]
