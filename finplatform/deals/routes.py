"""The pages of one request and one application, shared by every role that may see them."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from finplatform.access import get_visible_or_404, role_required, visible
from finplatform.credit.views import application_credit_context
from finplatform.deals import queries
from finplatform.deals.costs import product_cost
from finplatform.deals.deadlines import is_overdue
from finplatform.deals.decision import decision_context
from finplatform.deals.forms import (
    ApproveForm,
    DisbursementForm,
    RejectForm,
    ReverseForm,
)
from finplatform.deals.limits import breach_text
from finplatform.deals.reject_reasons import reject_reason_choices, reject_reason_label
from finplatform.deals.request_tables import (
    application_rows,
    excluded_groups,
    ranked_rows,
    recommendation_rows,
)
from finplatform.deals.services import eligibility_failures, next_best_products
from finplatform.deals.states import (
    APPLICATION_STATUS_LABELS,
    REQUEST_STATUS_LABELS,
)
from finplatform.documents.views import application_documents_context
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm
from finplatform.i18n import is_english
from finplatform.models import (
    Application,
    ApplicationStatus,
    FinancingRequest,
    Offer,
    Product,
    RequestStatus,
    Role,
)
from finplatform.ranking.service import ineligible_in_catalogue, ranking_items

bp = Blueprint("deals", __name__)

MAX_COMPARED = 5
DEAL_ROLES = (Role.ENTERPRISE, Role.INSTITUTION, Role.SPECIALIST, Role.ADMIN)


# Status labels and helpers every template (and the macros, imported without context) uses.
bp.add_app_template_global(APPLICATION_STATUS_LABELS, "APPLICATION_STATUS_LABELS")
bp.add_app_template_global(REQUEST_STATUS_LABELS, "REQUEST_STATUS_LABELS")
bp.add_app_template_global(reject_reason_label, "reject_reason_label")
bp.add_app_template_global(breach_text, "breach_text")


def status_options(labels: dict) -> list[tuple[str, str]]:
    """(value, label) pairs of a status label table, for filter drop-downs."""
    return [(getattr(status, "value", status), str(label)) for status, label in labels.items()]


bp.add_app_template_global(status_options, "status_options")


@bp.get("/requests/<int:request_id>")
@role_required(*DEAL_ROLES)
def request_detail(request_id: int):
    """One financing request: its ranked products, offers side by side, and applications."""
    found = queries.request_with_kinds(
        request_id, visible(FinancingRequest, current_user), is_english()
    )
    if found is None:
        abort(404)
    financing_request, accepted_kinds = found
    applications = queries.request_applications(
        financing_request, visible(Application, current_user)
    )
    ranked, excluded = [], []
    if (
        current_user.role in (Role.ENTERPRISE, Role.SPECIALIST)
        and financing_request.status == RequestStatus.OPEN
    ):
        items = ranking_items(financing_request, top_k=10)
        if db.session.is_modified(financing_request):
            db.session.commit()  # its first ranking time, when this was it
        reasons = dict(ineligible_in_catalogue(financing_request))
        # The ranked products' cells and the ineligible products' names: one query.
        cards = (
            queries.product_cards(
                [item["product_id"] for item in items] + list(reasons),
                visible(Product, current_user),
            )
            if items or reasons
            else {}
        )
        applied = {application.product_id for application in applications}
        ranked = ranked_rows(items, cards, applied)
        excluded = [
            (card, reasons[product_id])
            for product_id, card in cards.items()
            if product_id in reasons
        ]
    return render_template(
        "deals/request.html",
        financing_request=financing_request,
        accepted_kinds=accepted_kinds,
        ranked_rows=ranked,
        excluded=excluded,
        excluded_groups=excluded_groups(excluded),
        offers=queries.request_offers(financing_request, visible(Offer, current_user)),
        applications=application_rows(applications),
        recommendations=recommendation_rows(
            queries.recommendations_for(financing_request.enterprise_id)
        )
        if current_user.role in (Role.ENTERPRISE, Role.SPECIALIST)
        else [],
        form=ConfirmForm(),
    )


@bp.get("/requests/<int:request_id>/compare")
@role_required(Role.ENTERPRISE, Role.SPECIALIST)
def compare(request_id: int):
    """Chosen products side by side, with the total cost of borrowing over the request's term."""
    financing_request = get_visible_or_404(FinancingRequest, request_id)
    ids = request.args.getlist("product_id", type=int)[:MAX_COMPARED]
    products = queries.products_by_rate(ids, visible(Product, current_user))
    costs = {
        product.id: product_cost(
            product, financing_request.amount_yuan, financing_request.term_months
        )
        for product in products
    }
    return render_template(
        "deals/compare.html",
        financing_request=financing_request,
        products=products,
        costs=costs,
        form=ConfirmForm(),
    )


def render_application(application: Application, status: int = 200, **forms):
    """The application page, with the forms the viewer may use (bound ones passed in)."""
    role = current_user.role
    context = {"application": application, "form": ConfirmForm(), "alternatives": []}
    if role == Role.INSTITUTION:
        disburse = forms.get("disburse_form") or DisbursementForm()
        if "disburse_form" not in forms:
            disburse.fill_defaults(application)
        reject = forms.get("reject_form") or RejectForm()
        reject.reason.choices = reject_reason_choices()
        approve = forms.get("approve_form") or ApproveForm()
        if "approve_form" not in forms:
            approve.term_months.data = application.request.term_months
            approve.amount_yuan.data = min(
                application.request.amount_yuan, application.product.amount_max_yuan
            )
            approve.rate.data = application.product.rate_min
        context.update(
            approve_form=approve,
            reject_form=reject,
            disburse_form=disburse,
            reverse_form=forms.get("reverse_form") or ReverseForm(),
        )
    overdue = is_overdue(application)
    if (
        role in (Role.ENTERPRISE, Role.SPECIALIST)
        and (overdue or application.status == ApplicationStatus.REJECTED)
        and application.request.status == RequestStatus.OPEN
    ):
        context["alternatives"] = next_best_products(application)
    context.update(application_documents_context(application, current_user))
    context.update(application_credit_context(application, current_user))
    context.update(decision_context(application, current_user))
    disbursements = queries.application_disbursements(application)
    return (
        render_template(
            "deals/application.html",
            timeline=queries.application_timeline(application),
            disbursements=disbursements,
            reversed_ids=queries.reversed_ids(disbursements),
            overdue=overdue,
            **context,
        ),
        status,
    )


@bp.get("/applications/<int:application_id>")
@role_required(*DEAL_ROLES)
def application_detail(application_id: int):
    """One application: its timeline, terms, disbursements and the viewer's next actions."""
    return render_application(get_visible_or_404(Application, application_id))


@bp.get("/products/<int:product_id>")
@role_required(Role.ENTERPRISE, Role.SPECIALIST, Role.INSTITUTION)
def product_detail(product_id: int):
    """One product: its terms, who may apply, its institution and similar products; for a firm,
    whether it applied already and whether its open request is eligible."""
    product = get_visible_or_404(
        Product,
        product_id,
        options=(
            joinedload(Product.institution),
            selectinload(Product.industries),
            selectinload(Product.districts),
        ),
    )
    applied = open_request = failure = None
    if current_user.role == Role.ENTERPRISE:
        applied = queries.firm_applications_by_product(current_user.enterprise_id).get(product.id)
        open_request = queries.newest_open_request(current_user.enterprise_id)
        if open_request is not None:
            failure = eligibility_failures(open_request, [product]).get(product.id)
    return render_template(
        "deals/product.html",
        product=product,
        applied=applied,
        open_request=open_request,
        failure=failure,
        similar=queries.similar_products(product, visible(Product, current_user)),
    )
