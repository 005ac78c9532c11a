"""Writing each kind of import keyed on its natural key: enterprises, institutions, products
(here), historical applications (`application_writing`), public-credit records
(`credit_writing`) and repayments (`repayment_writing`), after the checks across rows."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from finplatform import clock
from finplatform.credit import confirmation
from finplatform.extensions import db
from finplatform.imports.application_writing import ApplicationRows
from finplatform.imports.credit_writing import CreditRecordRows
from finplatform.imports.natural_keys import (
    drop_duplicates,
    fetch_by,
    fields_of,
    problem,
    resolve_institutions,
    update_changed,
)
from finplatform.imports.repayment_writing import RepaymentRows
from finplatform.labels import labels_of
from finplatform.models import (
    District,
    Enterprise,
    Industry,
    Institution,
    InstitutionStatus,
    Product,
    utcnow,
)
from finplatform.states import INSTITUTION


class EnterpriseRows:
    """Enterprises keyed on the unified social credit code."""

    key_column = "credit_code"

    def check(self, good, uploader=None):
        kept, dups = drop_duplicates(good, lambda r: r["credit_code"])
        return kept, [problem(n, r, "credit_code", reason) for n, r, reason in dups]

    def write(self, good, actor) -> dict:
        existing = fetch_by(Enterprise, Enterprise.credit_code, [r["credit_code"] for _, r in good])
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        written = []
        for _number, record in good:
            current = existing.get(record["credit_code"])
            if current is None:
                current = Enterprise(**fields_of(record))
                db.session.add(current)
                counts["created"] += 1
            elif update_changed(current, fields_of(record)):
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            written.append(current)
        db.session.flush()
        # A claim counts only as far as the firm's public-credit records confirm it.
        confirmation.confirm(written, clock.today())
        db.session.flush()
        return counts


def _standing_refusal(institution: Institution | None, status: str | None) -> str | None:
    """Why a row may not set this institution's standing (its machine forbids the move)."""
    if institution is None or not status or institution.status == status:
        return None
    if INSTITUTION.allows(institution.status, InstitutionStatus(status)):
        return None
    names = labels_of("institution_status")
    return _(
        "%(name)s is %(current)s and cannot become %(status)s.",
        name=institution.name,
        current=names[institution.status],
        status=names[InstitutionStatus(status)],
    )


class InstitutionRows:
    """Institutions keyed on their name (unique on the platform)."""

    def check(self, good, uploader=None):
        kept, dups = drop_duplicates(good, lambda r: r["name"])
        problems = [problem(n, r, "name", reason) for n, r, reason in dups]
        codes = fetch_by(
            Institution,
            Institution.credit_code,
            [r["credit_code"] for _, r in kept if r.get("credit_code")],
        )
        existing = fetch_by(Institution, Institution.name, [r["name"] for _, r in kept])
        checked = []
        for number, record in kept:
            other = codes.get(record.get("credit_code"))
            if other is not None and other.name != record["name"]:
                problems.append(
                    problem(
                        number,
                        record,
                        "credit_code",
                        _("This credit code belongs to %(name)s.", name=other.name),
                    )
                )
                continue
            refusal = _standing_refusal(existing.get(record["name"]), record.get("status"))
            if refusal:
                problems.append(problem(number, record, "status", refusal))
                continue
            checked.append((number, record))
        return checked, problems

    def write(self, good, actor) -> dict:
        existing = fetch_by(Institution, Institution.name, [r["name"] for _, r in good])
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for _number, record in good:
            fields = fields_of(record)
            status = fields.pop("status", None)
            current = existing.get(record["name"])
            if current is None:
                status = InstitutionStatus(status or "approved")
                approved = status != InstitutionStatus.PENDING
                db.session.add(
                    Institution(
                        **fields,
                        status=status,
                        approved_at=utcnow() if approved else None,
                        approved_by_id=actor.id if approved and actor else None,
                    )
                )
                counts["created"] += 1
                continue
            changed = update_changed(current, fields)
            if status and current.status != InstitutionStatus(status):
                INSTITUTION.move(current, InstitutionStatus(status))
                changed = True
            counts["updated" if changed else "unchanged"] += 1
        db.session.flush()
        return counts


class ProductRows:
    """Products keyed on their code within the institution that posts them."""

    def check(self, good, uploader=None):
        good, problems = resolve_institutions(good)
        kept, dups = drop_duplicates(good, lambda r: (r["_institution"].id, r["external_id"]))
        problems += [problem(n, r, "external_id", reason) for n, r, reason in dups]
        checked = []
        for number, record in kept:
            row_problems = []
            for low, high in (
                ("amount_min_yuan", "amount_max_yuan"),
                ("term_min_months", "term_max_months"),
                ("rate_min", "rate_max"),
            ):
                if record[low] > record[high]:
                    row_problems.append(
                        problem(number, record, high, _("The maximum is below the minimum."))
                    )
            problems += row_problems
            if not row_problems:
                checked.append((number, record))
        return checked, problems

    def write(self, good, actor) -> dict:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        industries = {i.code: i for i in db.session.scalars(sa.select(Industry))}
        districts = {d.code: d for d in db.session.scalars(sa.select(District))}
        for _number, record in good:
            institution = record["_institution"]
            fields = {
                k: v
                for k, v in fields_of(record).items()
                if k not in {"institution", "institution_code"}
            }
            current = db.session.scalar(
                sa.select(Product).where(
                    Product.institution_id == institution.id,
                    Product.external_id == record["external_id"],
                )
            )
            created = current is None
            if created:
                current = Product(
                    institution_id=institution.id,
                    **{k: v for k, v in fields.items() if k not in {"industries", "districts"}},
                )
                db.session.add(current)
            changed = not created and update_changed(current, fields)
            for name, table in (("industries", industries), ("districts", districts)):
                if name in fields:
                    wanted = [table[code] for code in fields[name]]
                    if sorted(x.code for x in getattr(current, name)) != fields[name]:
                        setattr(current, name, wanted)
                        changed = True
            if created:
                counts["created"] += 1
            else:
                if changed:
                    current.updated_at = utcnow()
                counts["updated" if changed else "unchanged"] += 1
        db.session.flush()
        return counts


WRITERS = {
    "enterprises": EnterpriseRows(),
    "institutions": InstitutionRows(),
    "products": ProductRows(),
    "applications": ApplicationRows(),
    "credit_records": CreditRecordRows(),
    "repayments": RepaymentRows(),
}
