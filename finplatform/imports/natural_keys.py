"""Finding imported rows' records by their natural keys, and the checks shared by every kind.

Every import is keyed on a natural key (a credit code, a name, an external id), so importing
the same file twice changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from finplatform.extensions import db
from finplatform.imports import columns as cols
from finplatform.models import Institution

CHUNK = 900  # keys per IN (...) query, below SQLite's variable limit


def problem(number: int, record: dict, column: str, reason: str) -> cols.Problem:
    """A problem with one row's field, named by the file's own header for it."""
    return cols.Problem(number, record["_headers"].get(column, column), reason)


def fetch_by(model, key_column, keys) -> dict:
    """The records of `model` whose `key_column` is one of `keys`, by that key."""
    found = {}
    keys = sorted(set(keys))
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        for row in db.session.scalars(sa.select(model).where(key_column.in_(part))):
            found[getattr(row, key_column.key)] = row
    return found


def drop_duplicates(good: list, key) -> tuple[list, list]:
    """The rows whose `key` no earlier row has, and a problem for each repeat."""
    seen: dict = {}
    kept, problems = [], []
    for number, record in good:
        value = key(record)
        if value in seen:
            problems.append(
                (number, record, _("The same record is already on row %(row)d.", row=seen[value]))
            )
            continue
        seen[value] = number
        kept.append((number, record))
    return kept, problems


def update_changed(instance, record: dict) -> bool:
    """Set the record's changed fields on `instance`; whether any changed."""
    changed = False
    for name, value in record.items():
        if name.startswith("_") or name in {"industries", "districts"}:
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def fields_of(record: dict) -> dict:
    """The record's model fields (without the `_`-prefixed bookkeeping)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def resolve_institutions(good) -> tuple[list, list]:
    """Attach `institution_id` from the institution's credit code or name."""
    by_code = fetch_by(
        Institution,
        Institution.credit_code,
        [r["institution_code"] for _, r in good if r.get("institution_code")],
    )
    by_name = fetch_by(
        Institution, Institution.name, [r["institution"] for _, r in good if r.get("institution")]
    )
    kept, problems = [], []
    for number, record in good:
        if record.get("institution_code"):
            found, column = by_code.get(record["institution_code"]), "institution_code"
        elif record.get("institution"):
            found, column = by_name.get(record["institution"]), "institution"
        else:
            found, column = None, "institution"
        if found is None:
            problems.append(
                problem(
                    number,
                    record,
                    column,
                    _("No institution has this name or code; import institutions first."),
                )
            )
            continue
        record["_institution"] = found
        kept.append((number, record))
    return kept, problems
