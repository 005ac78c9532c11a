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
from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_babel import LazyString
from flask_babel import gettext as _

from finplatform.extensions import db
from finplatform.i18n import is_english
from finplatform.labels import (
    accounts,
    audit,
    credit,
    deals,
    loans,
    organisations,
    platform,
    reports,
)
from finplatform.models import District, Industry, InstitutionKind, ProductKind
from finplatform.money import format_number

log = logging.getLogger(__name__)

__all__ = [
    "ENUMERATIONS",
    "REFERENCE_LISTS",
    "label",
    "labels_of",
    "options",
    "promotion_note",
    "register",
]


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
    loans.LABELS,
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


def _translated(enumeration: str) -> dict[str, str]:
    """An enumeration's labels as text in the request's language, translated once per worker
    and language (a busy page labels dozens of cells; each lazy label asked Flask-Babel afresh)."""
    tables = current_app.extensions.setdefault("finplatform_labels", {})
    key = (enumeration, is_english())
    table = tables.get(key)
    if table is None:
        table = tables[key] = {code: str(text) for code, text in ENUMERATIONS[enumeration].items()}
    return table


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
        table = _translated(enumeration) if has_request_context() else ENUMERATIONS[enumeration]
        text = table.get(key)
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


# Versions put in service automatically before the note became a code carry this text.
_OLD_AUTOMATIC_NOTE = "automatic: beats the current version on held-out data"


def promotion_note(note: str) -> str:
    """A model version's promotion note: the reason's label when the job promoted it, else the
    note the person wrote."""
    if note == _OLD_AUTOMATIC_NOTE:
        note = "automatic"
    return label("promotion_reason", note) if note in ENUMERATIONS["promotion_reason"] else note


# The details of an audit entry as a reader sees them: each key's label with its value in words
# (statuses, roles, reasons and list entries labelled, yes/no, numbers without trailing zeros),
# never the stored JSON.
# The enumeration of the "from" and "to" of a status change, by the action's record kind.
STATUS_OF_ACTION = {
    "application": "application_status",
    "request": "request_status",
    "institution": "institution_status",
    "product": "product_status",
}
# Details whose value is a code of an enumeration or reference list.
CODED_DETAILS = {
    "role": "role",
    "kind": "import_kind",
    "district": "district",
    "industry": "industry",
}
# Details whose value is the id of a record (shown as "No. 12").
RECORD_DETAILS = {
    "application",
    "product",
    "institution",
    "community",
    "request",
    "reverses",
    "version",
    "previous",
}


def audit_details(action: str, detail: dict | None) -> list[tuple[str, str]]:
    """(label, value) of each detail of an entry of `action`, in the stored order."""
    shown = []
    for key, value in (detail or {}).items():
        if value is None or value == "" or key == "comparison":
            continue  # the comparison of a model promotion is on the model page
        name = label("audit_detail", key) if key in ENUMERATIONS["audit_detail"] else key
        shown.append((name, _detail_value(action, key, value)))
    return shown


def _detail_value(action: str, key: str, value) -> str:
    kind = action.split(".", 1)[0]
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in {"from", "to"} and kind in STATUS_OF_ACTION:
        return label(STATUS_OF_ACTION[kind], value)
    if key in {"from", "to"} and kind == "target":
        return format_number(value)
    if key in {"from", "to"} and kind == "enterprise":
        return _("Specialist No. %(id)s", id=value)
    if key in CODED_DETAILS:
        return label(CODED_DETAILS[key], value)
    if key == "reason" and str(value) in ENUMERATIONS["reject_reason"]:
        return label("reject_reason", value)
    if key == "amount":
        return format_number(value) + _(" yuan")
    if key in RECORD_DETAILS and isinstance(value, int):
        return _("No. %(id)s", id=value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def register(app: Flask) -> None:
    """The `label` filter and the `label`, `label_options` and `promotion_note` globals."""
    app.add_template_filter(lambda value, enumeration: label(enumeration, value), "label")
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["label_options"] = options
    app.jinja_env.globals["promotion_note"] = promotion_note
    app.jinja_env.globals["audit_details"] = audit_details
