"""A specialist's brokering: recommend products, refer firms, log contacts; the work queue."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from finplatform import clock
from finplatform.audit import record_audit
from finplatform.deals.deadlines import overdue_condition
from finplatform.deals.states import LIVE_APPLICATION
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationStatus,
    ContactChannel,
    ContactLog,
    Enterprise,
    FinancingRequest,
    Institution,
    Product,
    Referral,
    ReferralKind,
    RequestStatus,
    User,
    utcnow,
)
from finplatform.notifications.services import notify_enterprise, notify_institution

QUEUES = ("open", "overdue", "rejected", "follow_ups")


def _check_portfolio(enterprise: Enterprise, specialist: User) -> None:
    if enterprise.specialist_id != specialist.id:
        raise DomainError(_l("This firm is not in your portfolio."))


def recommend_product(
    enterprise: Enterprise,
    product: Product,
    specialist: User,
    note: str,
    request: FinancingRequest | None = None,
) -> Referral:
    """Recommend a product to a firm; the firm sees it with the specialist's note."""
    _check_portfolio(enterprise, specialist)
    referral = Referral(
        kind=ReferralKind.RECOMMEND_PRODUCT,
        specialist_id=specialist.id,
        enterprise_id=enterprise.id,
        request_id=request.id if request is not None else None,
        product_id=product.id,
        institution_id=product.institution_id,
        note=note.strip()[:2000],
    )
    db.session.add(referral)
    db.session.flush()
    record_audit("referral.recommended", referral, actor=specialist, detail={"product": product.id})
    link = f"/requests/{request.id}" if request is not None else "/enterprise/"
    notify_enterprise(enterprise.id, "referral.recommended", {"product": product.name}, link)
    return referral


def refer_to_institution(
    enterprise: Enterprise, institution: Institution, specialist: User, note: str
) -> Referral:
    """Refer a firm to an institution, which is notified and may then see the firm."""
    _check_portfolio(enterprise, specialist)
    if not institution.is_approved:
        raise DomainError(_l("Please choose an approved institution."), "institution_id")
    referral = Referral(
        kind=ReferralKind.REFER_TO_INSTITUTION,
        specialist_id=specialist.id,
        enterprise_id=enterprise.id,
        institution_id=institution.id,
        note=note.strip()[:2000],
    )
    db.session.add(referral)
    db.session.flush()
    record_audit(
        "referral.referred", referral, actor=specialist, detail={"institution": institution.id}
    )
    notify_institution(
        institution.id,
        "referral.referred",
        {"firm": enterprise.name, "specialist": specialist.name},
        f"/enterprises/{enterprise.id}",
    )
    return referral


def log_contact(
    enterprise: Enterprise,
    specialist: User,
    *,
    channel: str,
    happened_at: datetime | None,
    note: str,
    follow_up_on: date | None,
) -> ContactLog:
    """Log a visit, call or meeting, with an optional follow-up date."""
    _check_portfolio(enterprise, specialist)
    try:
        kind = ContactChannel(channel)
    except ValueError as exc:
        raise DomainError(_l("Please choose a value from the list."), "channel") from exc
    happened_at = happened_at or utcnow()
    if happened_at > utcnow():
        raise DomainError(_l("A contact cannot be logged in the future."), "happened_at")
    if follow_up_on is not None and follow_up_on < clock.today():
        raise DomainError(_l("The follow-up date must not be in the past."), "follow_up_on")
    log = ContactLog(
        specialist_id=specialist.id,
        enterprise_id=enterprise.id,
        channel=kind,
        happened_at=happened_at,
        note=note.strip(),
        follow_up_on=follow_up_on,
    )
    db.session.add(log)
    db.session.flush()
    record_audit("contact.logged", log, actor=specialist)
    return log


def _portfolio(specialist_id):
    return sa.select(Enterprise.id).where(Enterprise.specialist_id == specialist_id)


# Another application of the same request, for "no live application" tests on applications.
_other_application = aliased(Application, name="other_applications")


def _no_live_application(request_id) -> sa.ColumnElement[bool]:
    """No application of the request is still live (submitted, in review, approved, paid)."""
    return ~sa.exists().where(
        _other_application.request_id == request_id,
        _other_application.status.in_(LIVE_APPLICATION),
    )


# The work queue's statements are built once per worker with these parameters in place of the
# specialist and the time (building them cost more than running them).
_SPECIALIST = sa.bindparam("queue_specialist_id", type_=sa.Integer())
_NOW = sa.bindparam("queue_now", type_=Application.respond_by.type)
_queue_statements: dict[str, sa.Select] = {}


def _queue_params(specialist: User) -> dict:
    return {"queue_specialist_id": specialist.id, "queue_now": utcnow()}


def _queue_rows(queue: str) -> tuple[type, list[sa.ColumnElement[bool]]]:
    """The kind of row one tab of the work queue lists, and the conditions it lists them by."""
    firms = _portfolio(_SPECIALIST)
    if queue == "open":
        return FinancingRequest, [
            FinancingRequest.enterprise_id.in_(firms),
            FinancingRequest.status == RequestStatus.OPEN,
            _no_live_application(FinancingRequest.id),
        ]
    if queue == "overdue":
        return Application, [Application.enterprise_id.in_(firms), overdue_condition(_NOW)]
    if queue == "rejected":
        # Found from the firms' open requests that nothing live carries (a few), rather than
        # from every rejection the firms ever had (hundreds).
        unserved = sa.select(FinancingRequest.id).where(
            FinancingRequest.enterprise_id.in_(firms),
            FinancingRequest.status == RequestStatus.OPEN,
            _no_live_application(FinancingRequest.id),
        )
        return Application, [
            Application.request_id.in_(unserved),
            Application.status == ApplicationStatus.REJECTED,
        ]
    if queue == "follow_ups":
        return ContactLog, [
            ContactLog.enterprise_id.in_(firms),
            ContactLog.follow_up_on.is_not(None),
        ]
    raise ValueError(queue)


_application_columns = (
    Application.id,
    Application.enterprise_id,
    Enterprise.name.label("firm"),
    Application.product_id,
    Product.name.label("product"),
    Institution.name.label("institution"),
    Application.respond_by,
    Application.reject_reason,
    Application.status,
)
_application_joins = (
    (Enterprise, Enterprise.id == Application.enterprise_id),
    (Product, Product.id == Application.product_id),
    (Institution, Institution.id == Application.institution_id),
)
# The columns each tab shows (with the tables they come from), and its order.
_QUEUE_DISPLAY = {
    "open": (
        (
            FinancingRequest.id,
            FinancingRequest.enterprise_id,
            Enterprise.name.label("firm"),
            FinancingRequest.amount_yuan,
            FinancingRequest.created_at,
        ),
        ((Enterprise, Enterprise.id == FinancingRequest.enterprise_id),),
        (FinancingRequest.created_at,),
    ),
    "overdue": (_application_columns, _application_joins, (Application.respond_by,)),
    "rejected": (_application_columns, _application_joins, (Application.decided_at.desc(),)),
    "follow_ups": (
        (
            ContactLog.id,
            ContactLog.enterprise_id,
            Enterprise.name.label("firm"),
            ContactLog.follow_up_on,
            ContactLog.note,
        ),
        ((Enterprise, Enterprise.id == ContactLog.enterprise_id),),
        (ContactLog.follow_up_on,),
    ),
}


def queue_query(specialist: User, queue: str) -> tuple[sa.Select, dict]:
    """The query behind one tab of the work queue (paginated by the page), with its parameters'
    values: the columns the tab shows of its rows, with the firm, product and institution
    names."""
    query = _queue_statements.get(queue)
    if query is None:
        model, conditions = _queue_rows(queue)
        columns, joins, order = _QUEUE_DISPLAY[queue]
        query = sa.select(*columns).select_from(model)
        for table, on in joins:
            query = query.join(table, on)
        query = _queue_statements[queue] = query.where(*conditions).order_by(*order)
    return query, _queue_params(specialist)


def queue_counts(specialist: User) -> dict[str, int]:
    """How many items wait in each tab of the work queue (one query for all tabs)."""
    counting = _queue_statements.get("counts")
    if counting is None:
        counts = []
        for queue in QUEUES:
            model, conditions = _queue_rows(queue)
            counted = sa.select(sa.func.count()).select_from(model).where(*conditions)
            counts.append(counted.scalar_subquery().label(queue))
        counting = _queue_statements["counts"] = sa.select(*counts)
    return dict(db.session.execute(counting, _queue_params(specialist)).one()._mapping)
