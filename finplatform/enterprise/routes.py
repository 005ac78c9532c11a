"""An enterprise's pages: profile, financing requests, matched products, applications, offers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform import clock
from finplatform.access import get_visible_or_404, role_required
from finplatform.choices import district_choices, industry_choices, product_kind_choices
from finplatform.credit.eligibility_help import eligibility_page
from finplatform.deals import acceptance
from finplatform.deals import offers as offer_services
from finplatform.deals import services as deal_services
from finplatform.deals.forms import RequestForm
from finplatform.deals.queries import newest_open_requests, recommendations_for
from finplatform.documents.queries import firm_todo
from finplatform.enterprise import queries, services
from finplatform.enterprise.forms import ProfileForm
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.models import (
    Application,
    ApplicationStatus,
    Enterprise,
    FinancingRequest,
    Offer,
    RequestStatus,
    Role,
)
from finplatform.paging import counted_page

bp = Blueprint("enterprise", __name__)


@bp.get("/enterprise/")
@role_required(Role.ENTERPRISE)
def home():
    """The enterprise's own home: profile completeness, open requests, offers, advice."""
    enterprise = current_user.enterprise
    percent, missing = services.completeness(enterprise)
    open_requests = newest_open_requests(enterprise.id, 10)
    open_offers = queries.open_offer_count(enterprise.id)
    return render_template(
        "enterprise/home.html",
        enterprise=enterprise,
        completeness=percent,
        missing=missing,
        open_requests=open_requests,
        open_offers=open_offers,
        recommendations=recommendations_for(enterprise.id, limit=5),
        todo=firm_todo(enterprise.id),
        today=clock.today(),
    )


@bp.get("/enterprises/<int:enterprise_id>")
@role_required(Role.ENTERPRISE, Role.SPECIALIST, Role.INSTITUTION, Role.ADMIN)
def detail(enterprise_id: int):
    """One enterprise's profile, to those allowed to see it."""
    enterprise = get_visible_or_404(Enterprise, enterprise_id)
    return render_template("enterprise/detail.html", enterprise=enterprise)


@bp.route("/enterprise/profile", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def profile():
    """Edit the company profile."""
    enterprise = current_user.enterprise
    form = ProfileForm(obj=enterprise)
    form.district_code.choices = district_choices()
    form.industry_code.choices = industry_choices()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            services.update_profile(enterprise, current_user, **_profile_values(form))
        if attempt.ok:
            flash(_("Profile saved."), "success")
            warning = services.district_warning(enterprise.credit_code, enterprise.district_code)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("enterprise.home"))
    percent, missing = services.completeness(enterprise)
    return render_template(
        "enterprise/profile.html", form=form, completeness=percent, missing=missing
    )


def _profile_values(form: ProfileForm) -> dict:
    return {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("submit", "csrf_token")
    }


@bp.get("/enterprise/requests")
@role_required(Role.ENTERPRISE)
def requests():
    """The firm's financing requests, newest first, filtered by status."""
    status = request.args.get("status", "")
    page = counted_page(queries.requests_of(current_user, status))
    return render_template(
        "enterprise/requests.html", page=page, status=status, statuses=RequestStatus
    )


@bp.get("/enterprise/requests/<int:request_id>/eligibility")
@role_required(Role.ENTERPRISE)
def eligibility(request_id: int):
    """The products this request is excluded from, and what would make it eligible."""
    return eligibility_page(request_id)


def _request_form(financing_request: FinancingRequest | None = None) -> RequestForm:
    form = RequestForm(obj=financing_request)
    form.kind_codes.choices = product_kind_choices()
    if financing_request is not None and request.method == "GET":
        form.kind_codes.data = [kind.code for kind in financing_request.accepted_kinds]
    return form


def _request_values(form: RequestForm) -> dict:
    return {
        "amount_yuan": form.amount_yuan.data,
        "term_months": form.term_months.data,
        "purpose": form.purpose.data,
        "kind_codes": form.kind_codes.data or [],
        "max_rate": form.max_rate.data,
        "collateral_offered": form.collateral_offered.data,
    }


@bp.route("/enterprise/requests/new", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def new_request():
    """Post a financing request; the matched products are shown next."""
    form = _request_form()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            financing_request = deal_services.create_request(
                current_user.enterprise, current_user, **_request_values(form)
            )
        if attempt.ok:
            flash(_("Request posted. These products fit it."), "success")
            return redirect(url_for("deals.request_detail", request_id=financing_request.id))
    return render_template("enterprise/request_form.html", form=form, financing_request=None)


@bp.route("/enterprise/requests/<int:request_id>/edit", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def edit_request(request_id: int):
    """Edit a request while it is open."""
    financing_request = get_visible_or_404(FinancingRequest, request_id)
    if financing_request.status != RequestStatus.OPEN:
        flash(_("Only an open request can be edited."), "warning")
        return redirect(url_for("deals.request_detail", request_id=request_id))
    form = _request_form(financing_request)
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            deal_services.update_request(financing_request, current_user, **_request_values(form))
        if attempt.ok:
            flash(_("Request saved."), "success")
            return redirect(url_for("deals.request_detail", request_id=request_id))
    return render_template(
        "enterprise/request_form.html", form=form, financing_request=financing_request
    )


@bp.post("/enterprise/requests/<int:request_id>/withdraw")
@role_required(Role.ENTERPRISE)
def withdraw_request(request_id: int):
    """Withdraw an open request (its pending applications are withdrawn too)."""
    financing_request = get_visible_or_404(FinancingRequest, request_id)
    back = url_for("deals.request_detail", request_id=request_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    with refusal_shown() as attempt:
        deal_services.withdraw_request(financing_request, current_user)
    if not attempt.ok:
        return redirect(back)
    flash(_("Request withdrawn."), "success")
    return redirect(back)


@bp.post("/enterprise/requests/<int:request_id>/apply")
@role_required(Role.ENTERPRISE)
def apply(request_id: int):
    """Apply the request to one or several chosen products."""
    financing_request = get_visible_or_404(FinancingRequest, request_id)
    back = url_for("deals.request_detail", request_id=request_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    ids = request.form.getlist("product_id", type=int)
    products = queries.visible_products(ids, current_user)
    with refusal_shown() as attempt:
        applications = deal_services.apply_to_products(
            financing_request,
            products,
            current_user,
            share_credit=request.form.get("share_credit") == "y",
        )
    if not attempt.ok:
        return redirect(back)
    flash(_("%(n)d applications sent.", n=len(applications)), "success")
    if len(applications) == 1:
        return redirect(url_for("deals.application_detail", application_id=applications[0].id))
    return redirect(url_for("enterprise.applications"))


@bp.get("/enterprise/applications")
@role_required(Role.ENTERPRISE)
def applications():
    """Every application of the firm, newest first, filtered by status."""
    status = request.args.get("status", "")
    page = counted_page(queries.applications_of(current_user, status))
    return render_template(
        "enterprise/applications.html", page=page, status=status, statuses=ApplicationStatus
    )


@bp.post("/enterprise/applications/<int:application_id>/withdraw")
@role_required(Role.ENTERPRISE)
def withdraw_application(application_id: int):
    """Withdraw an application that is not yet decided."""
    application = get_visible_or_404(Application, application_id)
    back = url_for("deals.application_detail", application_id=application_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    with refusal_shown() as attempt:
        deal_services.withdraw_application(application, current_user)
    if not attempt.ok:
        return redirect(back)
    flash(_("Application withdrawn."), "success")
    return redirect(back)


def _answer_terms(application_id: int, answer, done: str):
    application = get_visible_or_404(Application, application_id)
    back = url_for("deals.application_detail", application_id=application_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    with refusal_shown() as attempt:
        answer(application, current_user, request.form.get("note", ""))
    if not attempt.ok:
        return redirect(back)
    flash(done, "success")
    return redirect(back)


@bp.post("/enterprise/applications/<int:application_id>/terms/accept")
@role_required(Role.ENTERPRISE)
def accept_terms(application_id: int):
    """Accept terms granted outside the limits: the application is approved."""
    return _answer_terms(
        application_id,
        acceptance.accept_terms,
        _("You accepted the terms: the application is approved."),
    )


@bp.post("/enterprise/applications/<int:application_id>/terms/refuse")
@role_required(Role.ENTERPRISE)
def refuse_terms(application_id: int):
    """Refuse terms granted outside the limits: the application is withdrawn by the firm."""
    return _answer_terms(
        application_id,
        acceptance.refuse_terms,
        _("You refused the terms: the application is withdrawn."),
    )


@bp.post("/enterprise/applications/<int:application_id>/reroute")
@role_required(Role.ENTERPRISE)
def reroute_application(application_id: int):
    """Withdraw an unanswered application and apply to another product, in one action."""
    application = get_visible_or_404(Application, application_id)
    back = url_for("deals.application_detail", application_id=application_id)
    product_id = request.form.get("product_id", type=int)
    product = queries.visible_product(product_id, current_user)
    if product is None or not ConfirmForm().validate_on_submit():
        flash(_("Please choose another product."), "warning")
        return redirect(back)
    with refusal_shown() as attempt:
        new_application = deal_services.reroute_application(application, product, current_user)
    if not attempt.ok:
        return redirect(back)
    flash(_("Withdrawn and sent to %(product)s.", product=product.name), "success")
    return redirect(url_for("deals.application_detail", application_id=new_application.id))


@bp.post("/enterprise/offers/<int:offer_id>/accept")
@role_required(Role.ENTERPRISE)
def accept_offer(offer_id: int):
    """Accept an institution's offer: it becomes an application."""
    offer = get_visible_or_404(Offer, offer_id)
    back = url_for("deals.request_detail", request_id=offer.request_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    with refusal_shown() as attempt:
        application = offer_services.accept_offer(offer, current_user)
    if not attempt.ok:
        return redirect(back)
    flash(_("Offer accepted."), "success")
    return redirect(url_for("deals.application_detail", application_id=application.id))


@bp.post("/enterprise/offers/<int:offer_id>/decline")
@role_required(Role.ENTERPRISE)
def decline_offer(offer_id: int):
    """Decline an institution's offer."""
    offer = get_visible_or_404(Offer, offer_id)
    back = url_for("deals.request_detail", request_id=offer.request_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    with refusal_shown() as attempt:
        offer_services.decline_offer(offer, current_user)
    if not attempt.ok:
        return redirect(back)
    flash(_("Offer declined."), "info")
    return redirect(back)
