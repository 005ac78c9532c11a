"""One translation of every enumeration value: statuses, kinds, reasons, roles, measures, job
states, audit actions… in the reader's language.

Each enumeration maps the stored value (its code) to a label written in English and translated
in the catalog (`finplatform/translations/…/messages.po`). Pages, exports, e-mails and API
problem titles take their words from here, through `label()` or the `label` template filter,
so that a code never reaches a reader. The modules of this package hold the labels by area; a
new enumeration adds its dict to one of them (or a new module) and lists it in its `LABELS`.
`tests/test_labels.py` checks that every value of the models' enumerations has a label.

The reference lists (product and institution kinds, districts, industries) are data, with their
Chinese and English names in their tables; `label()` reads those names for them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask_babel import LazyString

from finplatform.extensions import db
from finplatform.i18n import is_english
from finplatform.labels import accounts, audit, credit, deals, organisations, platform, reports
from finplatform.models import District, Industry, InstitutionKind, ProductKind

log = logging.getLogger(__name__)

__all__ = ["ENUMERATIONS", "REFERENCE_LISTS", "label", "labels_of", "options", "register"]


def _merge(*areas: Mapping[str, Mapping[str, LazyString]]) -> dict[str, dict[str, LazyString]]:
    merged: dict[str, dict[str, LazyString]] = {}
    for area in areas:
        for name, values in area.items():
            if name in merged:
                raise ValueError(f"enumeration {name!r} is labelled twice")
            merged[name] = dict(values)
    return merged


ENUMERATIONS: dict[str, dict[str, LazyString]] = _merge(
    accounts.LABELS,
    credit.LABELS,
    organisations.LABELS,
    deals.LABELS,
    platform.LABELS,
    reports.LABELS,
    audit.LABELS,
)
"""Enumeration name → {value: label}."""

# Reference lists whose names live in their own tables (code → Chinese and English name).
REFERENCE_LISTS = {
    "product_kind": ProductKind,
    "institution_kind": InstitutionKind,
    "district": District,
    "industry": Industry,
}


def _value_key(value) -> str:
    # StrEnum members are their own codes; other enumerations (numbers) compare as text.
    return value.value if hasattr(value, "value") else str(value)


def _reference_names(name: str) -> dict[str, tuple[str, str]]:
    """A reference list's names, read once per request (or app context)."""
    cache = g.setdefault("reference_names", {}) if has_app_context() else {}
    if name not in cache:
        table = REFERENCE_LISTS[name]
        rows = db.session.execute(sa.select(table.code, table.name_zh, table.name_en))
        cache[name] = {row.code: (row.name_zh, row.name_en) for row in rows}
    return cache[name]


def label(enumeration: str, value) -> str:
    """The label of `value` in the current language; empty for None, and the value itself (with
    a warning in the log) when the enumeration has no label for it."""
    if value is None or value == "":
        return ""
    key = _value_key(value)
    if enumeration in REFERENCE_LISTS:
        names = _reference_names(enumeration).get(key)
        if names is not None:
            return names[1] if is_english() else names[0]
    else:
        text = ENUMERATIONS[enumeration].get(key)
        if text is not None:
            return str(text)
    log.warning("no label for %s value %r", enumeration, key)
    return key


def labels_of(enumeration: str) -> dict[str, LazyString]:
    """Every value of a (code-defined) enumeration with its label, in their order."""
    return ENUMERATIONS[enumeration]


def options(enumeration: str, values: Iterable | None = None) -> list[tuple[str, str]]:
    """(value, label) pairs for a drop-down: every value in order, or only those given."""
    if values is None:
        values = ENUMERATIONS[enumeration]
    return [(_value_key(value), label(enumeration, value)) for value in values]


def register(app: Flask) -> None:
    """The `label` filter and the `label` and `label_options` template globals."""
    app.add_template_filter(lambda value, enumeration: label(enumeration, value), "label")
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["label_options"] = options
