"""Writing imported historical applications, with their requests, events and disbursement."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _

from finplatform.extensions import db
from finplatform.imports import columns as cols
from finplatform.imports.natural_keys import (
    drop_duplicates,
    fetch_by,
    problem,
    resolve_institutions,
)
from finplatform.labels import label
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Disbursement,
    Enterprise,
    FinancingRequest,
    Product,
    ProductKind,
    RequestEvent,
    RequestStatus,
    User,
)

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

    def check(self, good, uploader=None):
        good, problems = resolve_institutions(good)
        kept, dups = drop_duplicates(good, lambda r: r["external_id"])
        problems += [problem(n, r, "external_id", reason) for n, r, reason in dups]
        firms = fetch_by(Enterprise, Enterprise.credit_code, [r["credit_code"] for _, r in kept])
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
            problems += [problem(number, record, column, reason) for column, reason in row]
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
        words = label("application_status", status)
        for name in needs:
            if record.get(name) is None:
                found.append((name, _("Needed when the status is %(status)s.", status=words)))
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
        existing = fetch_by(
            Application, Application.external_id, [r["external_id"] for _, r in good]
        )
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
