"""Public-credit records: the rules a record must meet and the one way they are loaded.

The commission's file import, a data provider's API call and the demo world all end in
`load_records`, keyed on (firm, kind, date, reference): loading the same records again
changes nothing; a record loaded again with other values is updated and moves to the new
batch. Checks run before anything is written, so a load is all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform import clock
from finplatform.audit import record_audit
from finplatform.credit import confirmation
from finplatform.credit.versions import refresh_profiles
from finplatform.extensions import db
from finplatform.models import (
    CreditBatchChannel,
    CreditRecord,
    CreditRecordBatch,
    CreditRecordKind,
    Enterprise,
    User,
)

K = CreditRecordKind
TAX_GRADES = ("A", "B", "M", "C", "D")
NEEDED = {
    K.TAX_GRADE: "grade",
    K.SOCIAL_SECURITY: "quantity",
    K.UTILITY_ARREARS: "amount_yuan",
    K.COURT_JUDGEMENT: "reference",
    K.DISHONEST_DEBTOR: "reference",
    K.PENALTY: "reference",
    K.TECH_SME: "reference",
    K.HIGH_TECH: "reference",
    K.PATENT: "reference",
    K.LITTLE_GIANT: "reference",
}
"""Kind → the value a record of that kind cannot do without."""

NEEDED_MESSAGES = {
    "grade": _l("A tax credit record needs its grade (A, B, M, C or D)."),
    "quantity": _l("A social-security record needs the number of people insured."),
    "amount_yuan": _l("A utility arrears record needs the amount owed."),
    "reference": _l("This kind of record needs its number (case, decision, registration…)."),
}
VALUES = ("grade", "quantity", "amount_yuan", "valid_until", "source")
CHUNK = 500


def firms_by_credit_code(codes: Iterable[str]) -> dict[str, int]:
    """Credit code → firm id, for the codes that name a firm on the platform."""
    codes = sorted(set(codes))
    found: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        rows = db.session.execute(
            sa.select(Enterprise.credit_code, Enterprise.id).where(
                Enterprise.credit_code.in_(codes[start : start + CHUNK])
            )
        )
        found.update((code, firm_id) for code, firm_id in rows)
    return found


def record_problems(record: dict) -> list[tuple[str, str]]:
    """(field, message) for each rule the record breaks; empty when it may be loaded."""
    problems: list[tuple[str, str]] = []
    kind = record.get("kind")
    if kind not in set(K):
        return [("kind", str(_l("Please choose a value from the list.")))]
    kind = K(kind)
    as_of: date | None = record.get("as_of")
    if as_of is None:
        problems.append(("as_of", str(_l("Please give the date the record refers to."))))
    elif as_of > clock.today():
        problems.append(("as_of", str(_l("The record's date cannot be in the future."))))
    if not (record.get("source") or "").strip():
        problems.append(("source", str(_l("Please name the source of the record."))))
    needed = NEEDED[kind]
    if record.get(needed) in (None, ""):
        problems.append((needed, str(NEEDED_MESSAGES[needed])))
    grade = record.get("grade")
    if grade not in (None, "") and (kind != K.TAX_GRADE or grade not in TAX_GRADES):
        problems.append(("grade", str(_l("A grade is A, B, M, C or D, on tax records only."))))
    valid_until = record.get("valid_until")
    if valid_until is not None and as_of is not None and valid_until < as_of:
        problems.append(("valid_until", str(_l("A record cannot expire before its date."))))
    return problems


def record_key(record: dict) -> tuple:
    """What identifies a record across loads: firm, kind, date and reference."""
    reference = record.get("reference") or ""
    return (record["enterprise_id"], K(record["kind"]), record["as_of"], reference)


def _existing(records: Sequence[dict]) -> dict[tuple, CreditRecord]:
    firm_ids = sorted({record["enterprise_id"] for record in records})
    found: dict[tuple, CreditRecord] = {}
    for start in range(0, len(firm_ids), CHUNK):
        for row in db.session.scalars(
            sa.select(CreditRecord).where(
                CreditRecord.enterprise_id.in_(firm_ids[start : start + CHUNK])
            )
        ):
            found[(row.enterprise_id, row.kind, row.as_of, row.reference)] = row
    return found


def _values(record: dict) -> dict:
    values = {name: record.get(name) for name in VALUES}
    values["source"] = values["source"].strip()[:80]
    values["grade"] = values["grade"] or None
    return values


def load_records(
    records: Sequence[dict],
    *,
    source: str,
    channel: CreditBatchChannel,
    actor: User | None,
) -> CreditRecordBatch:
    """Write checked records (each with `enterprise_id`) as one batch; returns the batch with
    its created, updated and unchanged counts."""
    batch = CreditRecordBatch(
        source=source.strip()[:80], channel=channel, loaded_by_id=actor.id if actor else None
    )
    db.session.add(batch)
    db.session.flush()
    existing = _existing(records)
    for record in records:
        key = record_key(record)
        values = _values(record)
        current = existing.get(key)
        if current is None:
            current = CreditRecord(
                enterprise_id=key[0],
                kind=key[1],
                as_of=key[2],
                reference=key[3],
                batch_id=batch.id,
                **values,
            )
            db.session.add(current)
            existing[key] = current
            batch.created_rows += 1
        elif any(getattr(current, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(current, name, value)
            current.batch_id = batch.id
            batch.updated_rows += 1
        else:
            batch.unchanged_rows += 1
    record_audit(
        "credit_records.loaded",
        batch,
        actor=actor,
        detail={
            "channel": channel.value,
            "created": batch.created_rows,
            "updated": batch.updated_rows,
            "unchanged": batch.unchanged_rows,
        },
    )
    db.session.flush()
    firm_ids = {record["enterprise_id"] for record in records}
    confirmation.confirm_ids(firm_ids, clock.today())
    db.session.flush()
    if batch.created_rows or batch.updated_rows:
        refresh_profiles(firm_ids, clock.today())
    return batch
