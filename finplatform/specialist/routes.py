"""A specialist's pages: portfolio, work queue, and the brokering page of one firm."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from finplatform import clock
from finplatform.access import get_visible_or_404, role_required
from finplatform.choices import district_choices, industry_choices
from finplatform.credit.eligibility_help import eligibility_page
from finplatform.deals.queries import newest_open_requests
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.forms_support import refusal_shown
from finplatform.models import (
    Enterprise,
    FinancingRequest,
    Institution,
    Role,
)
from finplatform.paging import counted_page, counted_rows_page
from finplatform.search import search_term
from finplatform.specialist import queries, services
from finplatform.specialist.forms import ContactForm, RecommendForm, ReferForm
from finplatform.specialist.tables import queue_rows

bp = Blueprint("specialist", __name__, url_prefix="/specialist")


@bp.get("/")
@role_required(Role.SPECIALIST)
def home():
    """The firms assigned to this specialist, a page at a time, filtered by district/industry."""
    district = request.args.get("district", "")
    industry = request.args.get("industry", "")
    page = counted_page(queries.portfolio(current_user, district, industry, search_term()))
    return render_template(
        "specialist/home.html",
        page=page,
        statuses=queries.portfolio_status([firm.id for firm in page.items]),
        counts=services.queue_counts(current_user),
        district=district,
        industry=industry,
        districts=[(c.value, c.label) for c in district_choices()[1:]],
        industries=[(c.value, c.label) for c in industry_choices()[1:]],
    )


@bp.get("/queue")
@role_required(Role.SPECIALIST)
def queue():
    """The work queue: open requests nobody applied to, overdue applications, rejections to
    re-route, and follow-ups."""
    tab = request.args.get("tab", "overdue")
    if tab not in services.QUEUES:
        tab = "overdue"
    page = counted_rows_page(*services.queue_query(current_user, tab))
    return render_template(
        "specialist/queue.html",
        tab=tab,
        page=page,
        rows=queue_rows(tab, page.items),
        counts=services.queue_counts(current_user),
    )


def _recommend_choices(recommend: RecommendForm, enterprise: Enterprise) -> None:
    """The firm's ranked matches, the best one chosen; the catalogue only when nothing matched."""
    matches = queries.ranked_matches(enterprise.id)
    if matches:
        recommend.product_id.choices = [
            SelectChoice(
                m.product_id,
                _(
                    "No. %(rank)d: %(product)s · %(institution)s (request #%(id)d)",
                    rank=m.rank,
                    product=m.product_name,
                    institution=m.institution_name,
                    id=m.request_id,
                ),
            )
            for m in matches
        ]
        recommend.product_id.description = _("The firm's ranked matches, best first.")
        if request.method == "GET":
            recommend.product_id.data = matches[0].product_id
            recommend.request_id.data = matches[0].request_id
        return
    products = queries.active_product_names(current_user)
    recommend.product_id.choices = [
        SelectChoice(product_id, f"{name} · {institution}")
        for product_id, name, institution in products
    ]
    recommend.product_id.description = _(
        "The firm has no ranked matches yet (no open request): all active products."
    )


def _forms(enterprise: Enterprise):
    recommend = RecommendForm(prefix="recommend")
    _recommend_choices(recommend, enterprise)
    open_requests = newest_open_requests(enterprise.id)
    recommend.request_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(r.id, _("Financing request #%(id)d", id=r.id)) for r in open_requests
    ]
    refer = ReferForm(prefix="refer")
    refer.institution_id.choices = [
        SelectChoice(i.id, i.name) for i in queries.approved_institutions()
    ]
    return recommend, refer, ContactForm(prefix="contact"), open_requests


def _render_firm(enterprise: Enterprise, recommend, refer, contact, open_requests):
    contacts = queries.recent_contacts(enterprise.id)
    referrals = queries.recent_referrals(enterprise.id)
    return render_template(
        "specialist/firm.html",
        enterprise=enterprise,
        recommend_form=recommend,
        refer_form=refer,
        contact_form=contact,
        open_requests=open_requests,
        contacts=contacts,
        referrals=referrals,
    )


@bp.get("/firms/<int:enterprise_id>")
@role_required(Role.SPECIALIST)
def firm(enterprise_id: int):
    """Broker one firm: its open requests, recommendations, referrals and contact log."""
    enterprise = get_visible_or_404(Enterprise, enterprise_id)
    return _render_firm(enterprise, *_forms(enterprise))


def _action(enterprise_id: int, form_name: str, do):
    enterprise = get_visible_or_404(Enterprise, enterprise_id)
    recommend, refer, contact, open_requests = _forms(enterprise)
    form = {"recommend": recommend, "refer": refer, "contact": contact}[form_name]
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            message = do(enterprise, form)
        if attempt.ok:
            flash(message, "success")
            return redirect(url_for("specialist.firm", enterprise_id=enterprise_id))
    return _render_firm(enterprise, recommend, refer, contact, open_requests)


@bp.post("/firms/<int:enterprise_id>/recommend")
@role_required(Role.SPECIALIST)
def recommend(enterprise_id: int):
    """Recommend a product to the firm."""

    def do(enterprise, form):
        product = queries.visible_product(form.product_id.data, current_user)
        if product is None:
            raise DomainError(_("Please choose a value from the list."), "product_id")
        chosen = form.request_id.data or None
        financing_request = db.session.get(FinancingRequest, chosen) if chosen else None
        services.recommend_product(
            enterprise, product, current_user, form.note.data, financing_request
        )
        return _("%(product)s recommended to %(firm)s.", product=product.name, firm=enterprise.name)

    return _action(enterprise_id, "recommend", do)


@bp.post("/firms/<int:enterprise_id>/refer")
@role_required(Role.SPECIALIST)
def refer(enterprise_id: int):
    """Refer the firm to an institution."""

    def do(enterprise, form):
        institution = db.session.get(Institution, form.institution_id.data)
        if institution is None:
            raise DomainError(_("Please choose a value from the list."), "institution_id")
        services.refer_to_institution(enterprise, institution, current_user, form.note.data)
        return _(
            "%(firm)s referred to %(institution)s.",
            firm=enterprise.name,
            institution=institution.name,
        )

    return _action(enterprise_id, "refer", do)


@bp.post("/firms/<int:enterprise_id>/contacts")
@role_required(Role.SPECIALIST)
def log_contact(enterprise_id: int):
    """Log a visit or call, with an optional follow-up date."""

    def do(enterprise, form):
        happened_at = form.happened_at.data
        if happened_at is not None:
            happened_at = happened_at.replace(tzinfo=clock.BEIJING)
        services.log_contact(
            enterprise,
            current_user,
            channel=form.channel.data,
            happened_at=happened_at,
            note=form.note.data,
            follow_up_on=form.follow_up_on.data,
        )
        return _("Contact logged.")

    return _action(enterprise_id, "contact", do)


@bp.get("/requests/<int:request_id>/eligibility")
@role_required(Role.SPECIALIST)
def eligibility(request_id: int):
    """A firm's request: the products it is excluded from, and what would make it eligible."""
    return eligibility_page(request_id)
