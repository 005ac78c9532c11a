"""Financing requests, their matches, applications and disbursements."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort

from finplatform import idempotency
from finplatform.access import get_visible_or_404, visible
from finplatform.api.core import (
    PageArgs,
    api_blueprint,
    list_page,
    page_schema,
    refusals,
    require_role,
)
from finplatform.api.schemas import (
    ApplicationInputSchema,
    ApplicationSchema,
    ApprovalSchema,
    DisbursementInputSchema,
    DisbursementSchema,
    MatchSchema,
    NoteSchema,
    RejectionSchema,
    RequestInputSchema,
    RequestSchema,
)
from finplatform.deals import acceptance, services
from finplatform.deals.disbursements import record_disbursement
from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationStatus,
    Disbursement,
    FinancingRequest,
    Product,
    RequestStatus,
    Role,
)
from finplatform.ranking.match_api import match_body, read_stamp

requests_bp = api_blueprint("api_requests", "/requests", "Financing requests and their matches.")
applications_bp = api_blueprint(
    "api_applications", "/applications", "Applications, decisions and disbursements."
)

RequestPage = page_schema(RequestSchema, "RequestPage")
ApplicationPage = page_schema(ApplicationSchema, "ApplicationPage")
IDEMPOTENCY_HEADER = "Idempotency-Key"
UNKNOWN_PRODUCT = _l("There is no such product.")
KEY_REUSED = _l("This Idempotency-Key was already used for another application.")


class RequestFilter(PageArgs):
    """Filters of the request list."""

    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in RequestStatus]))


class ApplicationFilter(PageArgs):
    """Filters of the application list."""

    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ApplicationStatus]))
    request_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))


class MatchArgs(ma.Schema):
    """How many matches to return."""

    top = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=50))


class IdempotencyHeader(ma.Schema):
    """A retry-safe key: the same key again returns the first result and records nothing."""

    key = ma.fields.String(
        required=True,
        data_key=IDEMPOTENCY_HEADER,
        validate=ma.validate.Length(min=8, max=64),
    )


@requests_bp.get("")
@requests_bp.arguments(RequestFilter, location="query")
@requests_bp.response(200, RequestPage)
def list_requests(args):
    """Requests the token's user may see, newest first."""
    return list_page(
        sa.select(FinancingRequest).where(visible(FinancingRequest, current_user)),
        args,
        {"status": FinancingRequest.status},
        FinancingRequest.created_at.desc(),
        FinancingRequest.id.desc(),
    )


@requests_bp.get("/<int:request_id>")
@requests_bp.response(200, RequestSchema)
def get_request(request_id: int):
    """One financing request."""
    return get_visible_or_404(FinancingRequest, request_id)


@requests_bp.post("")
@requests_bp.arguments(RequestInputSchema)
@requests_bp.response(201, RequestSchema)
def create_request(values):
    """Post a financing request for the token's enterprise."""
    require_role(Role.ENTERPRISE)
    with refusals():
        return services.create_request(current_user.enterprise, current_user, **values)


@requests_bp.put("/<int:request_id>")
@requests_bp.arguments(RequestInputSchema)
@requests_bp.response(200, RequestSchema)
def replace_request(values, request_id: int):
    """Edit an open request."""
    require_role(Role.ENTERPRISE)
    found = get_visible_or_404(FinancingRequest, request_id)
    with refusals():
        return services.update_request(found, current_user, **values)


@requests_bp.post("/<int:request_id>/withdraw")
@requests_bp.arguments(NoteSchema)
@requests_bp.response(200, RequestSchema)
def withdraw_request(values, request_id: int):
    """Withdraw an open request (its pending applications are withdrawn too)."""
    require_role(Role.ENTERPRISE)
    found = get_visible_or_404(FinancingRequest, request_id)
    with refusals():
        return services.withdraw_request(found, current_user, values["note"])


@requests_bp.get("/<int:request_id>/matches")
@requests_bp.arguments(MatchArgs, location="query")
@requests_bp.response(200, MatchSchema(many=True))
def request_matches(args, request_id: int):
    """The products ranked for the request, best first, each with its reasons."""
    require_role(Role.ENTERPRISE, Role.SPECIALIST, Role.ADMIN)
    # Only the request's id and change times are read unless the ranking is not in the cache.
    stamp = read_stamp(request_id, visible(FinancingRequest, current_user))
    if stamp is None:
        abort(404)

    # Serialised here rather than by MatchSchema, which documents the same fields: the rows
    # are plain values already, and this is the API's busiest call (its body is cached whole).
    body, noted = match_body(stamp, args["top"])
    if noted:
        db.session.commit()  # its first ranking time, when this was it
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


@applications_bp.get("")
@applications_bp.arguments(ApplicationFilter, location="query")
@applications_bp.response(200, ApplicationPage)
def list_applications(args):
    """Applications the token's user may see (an institution: those to its products)."""
    return list_page(
        sa.select(Application).where(visible(Application, current_user)),
        args,
        {"status": Application.status, "request_id": Application.request_id},
        Application.submitted_at.desc(),
        Application.id.desc(),
    )


@applications_bp.get("/<int:application_id>")
@applications_bp.response(200, ApplicationSchema)
def get_application(application_id: int):
    """One application."""
    return get_visible_or_404(Application, application_id)


@applications_bp.post("")
@applications_bp.arguments(ApplicationInputSchema)
@applications_bp.response(201, ApplicationSchema)
def create_application(values):
    """Apply one of the enterprise's open requests to a product."""
    require_role(Role.ENTERPRISE)
    found = get_visible_or_404(FinancingRequest, values["request_id"])
    product = db.session.get(Product, values["product_id"])
    if product is None:
        message = str(UNKNOWN_PRODUCT)
        abort(422, message=message, errors={"json": {"product_id": [message]}})
    with refusals():
        return services.submit_application(
            found, product, current_user, share_credit=values["share_credit"]
        )


def _own_application(application_id: int, *roles: Role) -> Application:
    require_role(*roles)
    return get_visible_or_404(Application, application_id)


@applications_bp.post("/<int:application_id>/review")
@applications_bp.response(200, ApplicationSchema)
def review_application(application_id: int):
    """The institution takes the application into review."""
    application = _own_application(application_id, Role.INSTITUTION)
    with refusals():
        return services.take_into_review(application, current_user)


@applications_bp.post("/<int:application_id>/approve")
@applications_bp.arguments(ApprovalSchema)
@applications_bp.response(200, ApplicationSchema)
def approve_application(values, application_id: int):
    """The institution approves with the amount, rate and term granted; terms outside the
    product's ranges or the firm's highest rate need a `reason` and wait for the firm."""
    application = _own_application(application_id, Role.INSTITUTION)
    with refusals():
        return services.approve_application(application, current_user, **values)


@applications_bp.post("/<int:application_id>/reject")
@applications_bp.arguments(RejectionSchema)
@applications_bp.response(200, ApplicationSchema)
def reject_application(values, application_id: int):
    """The institution declines, with a reason from the list."""
    application = _own_application(application_id, Role.INSTITUTION)
    with refusals():
        return services.reject_application(
            application, current_user, reason=values["reason"], note=values["note"]
        )


@applications_bp.post("/<int:application_id>/withdraw")
@applications_bp.arguments(NoteSchema)
@applications_bp.response(200, ApplicationSchema)
def withdraw_application(values, application_id: int):
    """The enterprise withdraws an undecided application."""
    application = _own_application(application_id, Role.ENTERPRISE)
    with refusals():
        return services.withdraw_application(application, current_user, values["note"])


@applications_bp.post("/<int:application_id>/accept-terms")
@applications_bp.arguments(NoteSchema)
@applications_bp.response(200, ApplicationSchema)
def accept_terms(values, application_id: int):
    """The enterprise accepts terms granted outside the limits: the application is approved."""
    application = _own_application(application_id, Role.ENTERPRISE)
    with refusals():
        return acceptance.accept_terms(application, current_user, values["note"])


@applications_bp.post("/<int:application_id>/refuse-terms")
@applications_bp.arguments(NoteSchema)
@applications_bp.response(200, ApplicationSchema)
def refuse_terms(values, application_id: int):
    """The enterprise refuses terms granted outside the limits: the application is withdrawn."""
    application = _own_application(application_id, Role.ENTERPRISE)
    with refusals():
        return acceptance.refuse_terms(application, current_user, values["note"])


@applications_bp.get("/<int:application_id>/disbursements")
@applications_bp.response(200, DisbursementSchema(many=True))
def list_disbursements(application_id: int):
    """Every disbursement and reversal recorded on the application."""
    application = get_visible_or_404(Application, application_id)
    return db.session.scalars(
        sa.select(Disbursement)
        .where(Disbursement.application_id == application.id)
        .order_by(Disbursement.id)
    ).all()


@applications_bp.post("/<int:application_id>/disbursements")
@applications_bp.arguments(IdempotencyHeader, location="headers")
@applications_bp.arguments(DisbursementInputSchema)
@applications_bp.response(201, DisbursementSchema)
def create_disbursement(header, values, application_id: int):
    """Record money paid out. Send an Idempotency-Key: a retry with the same key returns the
    first disbursement and records nothing new."""
    application = _own_application(application_id, Role.INSTITUTION)
    # Scoped to the token's user and this application: no other caller or record shares it.
    key = idempotency.stored_key(
        "api", current_user.id, f"application/{application.id}", header["key"]
    )
    with refusals():
        disbursement, created = record_disbursement(
            application,
            amount_yuan=values["amount_yuan"],
            rate=values["rate"],
            term_months=values["term_months"],
            disbursed_on=values["disbursed_on"],
            actor=current_user,
            idempotency_key=key,
            note=values["note"],
            repayment_kind=values["repayment_kind"],
        )
    if disbursement.application_id != application.id:
        message = str(KEY_REUSED)
        abort(422, message=message, errors={"headers": {IDEMPOTENCY_HEADER: [message]}})
    if not created:
        return disbursement, 201, {"Idempotent-Replayed": "true"}
    return disbursement
