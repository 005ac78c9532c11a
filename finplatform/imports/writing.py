"""Checks across fields and rows, and writing each kind of import keyed on its natural key."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _

from finplatform.extensions import db
from finplatform.imports import columns as cols
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Disbursement,
    District,
    Enterprise,
    FinancingRequest,
    Industry,
    Institution,
    InstitutionStatus,
    Product,
    ProductKind,
    RequestEvent,
    RequestStatus,
    User,
    utcnow,
)

CHUNK = 900  # keys per IN (...) query, below SQLite's variable limit


def _problem(number: int, record: dict, column: str, reason: str) -> cols.Problem:
    return cols.Problem(number, record["_headers"].get(column, column), reason)


def _fetch(model, key_column, keys) -> dict:
    found = {}
    keys = sorted(set(keys))
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        for row in db.session.scalars(sa.select(model).where(key_column.in_(part))):
            found[getattr(row, key_column.key)] = row
    return found


def _duplicates(good: list, key) -> tuple[list, list]:
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


def _update(instance, record: dict) -> bool:
    changed = False
    for name, value in record.items():
        if name.startswith("_") or name in {"industries", "districts"}:
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _fields(record: dict) -> dict:
    return {k: v for k, v in record.items() if not k.startswith("_")}


class EnterpriseRows:
    """Enterprises keyed on the unified social credit code."""

    key_column = "credit_code"

    def check(self, good):
        kept, dups = _duplicates(good, lambda r: r["credit_code"])
        return kept, [_problem(n, r, "credit_code", reason) for n, r, reason in dups]

    def write(self, good, actor) -> dict:
        existing = _fetch(Enterprise, Enterprise.credit_code, [r["credit_code"] for _, r in good])
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for _number, record in good:
            current = existing.get(record["credit_code"])
            if current is None:
                db.session.add(Enterprise(**_fields(record)))
                counts["created"] += 1
            elif _update(current, _fields(record)):
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        db.session.flush()
        return counts


class InstitutionRows:
    """Institutions keyed on their name (unique on the platform)."""

    def check(self, good):
        kept, dups = _duplicates(good, lambda r: r["name"])
        problems = [_problem(n, r, "name", reason) for n, r, reason in dups]
        codes = _fetch(
            Institution,
            Institution.credit_code,
            [r["credit_code"] for _, r in kept if r.get("credit_code")],
        )
        checked = []
        for number, record in kept:
            other = codes.get(record.get("credit_code"))
            if other is not None and other.name != record["name"]:
                problems.append(
                    _problem(
                        number,
                        record,
                        "credit_code",
                        _("This credit code belongs to %(name)s.", name=other.name),
                    )
                )
                continue
            checked.append((number, record))
        return checked, problems

    def write(self, good, actor) -> dict:
        existing = _fetch(Institution, Institution.name, [r["name"] for _, r in good])
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for _number, record in good:
            fields = _fields(record)
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
            changed = _update(current, fields)
            if status and current.status != InstitutionStatus(status):
                current.status = InstitutionStatus(status)
                changed = True
            counts["updated" if changed else "unchanged"] += 1
        db.session.flush()
        return counts


def _resolve_institutions(good) -> tuple[list, list]:
    """Attach `institution_id` from the institution's credit code or name."""
    by_code = _fetch(
        Institution,
        Institution.credit_code,
        [r["institution_code"] for _, r in good if r.get("institution_code")],
    )
    by_name = _fetch(
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
                _problem(
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


class ProductRows:
    """Products keyed on their code within the institution that posts them."""

    def check(self, good):
        good, problems = _resolve_institutions(good)
        kept, dups = _duplicates(good, lambda r: (r["_institution"].id, r["external_id"]))
        problems += [_problem(n, r, "external_id", reason) for n, r, reason in dups]
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
                        _problem(number, record, high, _("The maximum is below the minimum."))
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
                for k, v in _fields(record).items()
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
            changed = not created and _update(current, fields)
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


_DECIDED = {"approved", "rejected", "disbursed"}
_REQUEST_STATUS = {
    "submitted": RequestStatus.OPEN,
    "in_review": RequestStatus.OPEN,
    "approved": RequestStatus.OPEN,
    "disbursed": RequestStatus.FULFILLED,
    "rejected": RequestStatus.EXPIRED,
    "expired": RequestStatus.EXPIRED,
    "withdrawn": RequestStatus.WITHDRAWN,
}


class ApplicationRows:
    """Historical applications (and their disbursement) keyed on the application number."""

    def check(self, good):
        good, problems = _resolve_institutions(good)
        kept, dups = _duplicates(good, lambda r: r["external_id"])
        problems += [_problem(n, r, "external_id", reason) for n, r, reason in dups]
        firms = _fetch(Enterprise, Enterprise.credit_code, [r["credit_code"] for _, r in kept])
        checked = []
        for number, record in kept:
            row = []
            record["_enterprise"] = firms.get(record["credit_code"])
            if record["_enterprise"] is None:
                row.append(
                    (
                        "credit_code",
                        _("No enterprise has this credit code; import enterprises first."),
                    )
                )
            product = db.session.scalar(
                sa.select(Product).where(
                    Product.institution_id == record["_institution"].id,
                    Product.external_id == record["product_id"],
                )
            )
            record["_product"] = product
            if product is None:
                row.append(("product_id", _("This institution has no product with this code.")))
            row += self._status_rules(record)
            problems += [_problem(number, record, column, reason) for column, reason in row]
            if not row:
                checked.append((number, record))
        return checked, problems

    @staticmethod
    def _status_rules(record) -> list[tuple[str, str]]:
        status = record["status"]
        found = []
        needs = []
        if status in _DECIDED:
            needs.append("decided_at")
        if status in {"approved", "disbursed"}:
            needs.append("approved_amount_yuan")
        if status == "disbursed":
            needs += ["disbursed_amount_yuan", "disbursed_on"]
        for name in needs:
            if record.get(name) is None:
                found.append((name, _("Needed when the status is %(status)s.", status=status)))
        if record.get("decided_at") and record["decided_at"] < record["submitted_at"]:
            found.append(("decided_at", _("The decision cannot come before the application.")))
        paid, approved = record.get("disbursed_amount_yuan"), record.get("approved_amount_yuan")
        if paid is not None and status != "disbursed":
            found.append(
                ("disbursed_amount_yuan", _("Only a disbursed application has a disbursement."))
            )
        if paid is not None and approved is not None and paid > approved:
            found.append(("disbursed_amount_yuan", _("More than the approved amount.")))
        decided = record.get("decided_at")
        paid_on = record.get("disbursed_on")
        if paid_on and decided and paid_on < decided.astimezone(cols.BEIJING).date():
            found.append(("disbursed_on", _("The money cannot be paid before the decision.")))
        return found

    def write(self, good, actor) -> dict:
        existing = _fetch(Application, Application.external_id, [r["external_id"] for _, r in good])
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        kinds = {k.code: k for k in db.session.scalars(sa.select(ProductKind))}
        for _number, record in good:
            if record["external_id"] in existing:
                counts["unchanged"] += 1
                continue
            self._create(record, kinds, actor)
            counts["created"] += 1
        db.session.flush()
        return counts

    @staticmethod
    def _create(record, kinds, actor: User | None) -> None:
        firm, product = record["_enterprise"], record["_product"]
        institution = record["_institution"]
        status = record["status"]
        submitted, decided = record["submitted_at"], record.get("decided_at")
        paid_at = (
            datetime.combine(record["disbursed_on"], time(10, 0), cols.BEIJING)
            if record.get("disbursed_on")
            else None
        )
        closed = paid_at or decided or submitted
        request_status = _REQUEST_STATUS[status]
        request = FinancingRequest(
            enterprise_id=firm.id,
            amount_yuan=record["amount_yuan"],
            term_months=record["term_months"],
            status=request_status,
            external_id=record["external_id"],
            created_at=submitted,
            closed_at=None if request_status == RequestStatus.OPEN else closed,
            accepted_kinds=[kinds[product.kind_code]],
        )
        db.session.add(request)
        db.session.flush()
        db.session.add(
            RequestEvent(request_id=request.id, at=submitted, to_status="open", note="import")
        )
        if request_status != RequestStatus.OPEN:
            db.session.add(
                RequestEvent(
                    request_id=request.id,
                    at=closed,
                    from_status="open",
                    to_status=request_status.value,
                    note="import",
                )
            )
        application = Application(
            request_id=request.id,
            product_id=product.id,
            enterprise_id=firm.id,
            institution_id=institution.id,
            product_kind_code=product.kind_code,
            amount_yuan=request.amount_yuan,
            status=ApplicationStatus(status),
            submitted_at=submitted,
            created_at=submitted,
            first_response_at=decided,
            decided_at=decided if status in _DECIDED else None,
            approved_amount_yuan=record.get("approved_amount_yuan"),
            approved_rate=record.get("approved_rate"),
            approved_term_months=record.get("approved_term_months"),
            reject_note=record.get("reject_note", ""),
            external_id=record["external_id"],
        )
        db.session.add(application)
        db.session.flush()
        steps = [(None, "submitted", submitted)]
        if status in {"approved", "rejected", "disbursed"}:
            steps.append(("submitted", "rejected" if status == "rejected" else "approved", decided))
        elif status != "submitted":
            steps.append(("submitted", status, decided or submitted))
        if status == "disbursed":
            steps.append(("approved", "disbursed", paid_at))
        for before, after, at in steps:
            db.session.add(
                ApplicationEvent(
                    application_id=application.id,
                    at=at,
                    actor_id=actor.id if actor else None,
                    from_status=before,
                    to_status=after,
                    note="import",
                )
            )
        if status == "disbursed":
            db.session.add(
                Disbursement(
                    application_id=application.id,
                    amount_yuan=record["disbursed_amount_yuan"],
                    rate=record.get("approved_rate") or product.rate_min,
                    term_months=record.get("approved_term_months") or record["term_months"],
                    disbursed_on=record["disbursed_on"],
                    external_id=record["external_id"],
                    recorded_by_id=actor.id if actor else None,
                    enterprise_id=firm.id,
                    institution_id=institution.id,
                    institution_kind_code=institution.kind_code,
                    product_kind_code=product.kind_code,
                    pool_covered=product.pool_covered,
                    district_code=firm.district_code,
                    industry_code=firm.industry_code,
                    created_at=paid_at,
                )
            )


WRITERS = {
    "enterprises": EnterpriseRows(),
    "institutions": InstitutionRows(),
    "products": ProductRows(),
    "applications": ApplicationRows(),
}
