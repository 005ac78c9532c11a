"""An institution's pages: home, profile and credit-community members; with `inbox_routes` and
`pool_routes`, whose views this module's import registers, the whole institution blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import get_visible_or_404, role_required
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.institution import (
    inbox_routes,
    membership_routes,
    pool_routes,
    queries,
    services,
)
from finplatform.institution.blueprint import bp
from finplatform.institution.forms import MemberForm
from finplatform.models import (
    Institution,
    Role,
)
from finplatform.paging import counted_page

__all__ = ["bp"]

# The inbox's and the pool's views, registered on `bp` when their modules are imported.
VIEW_MODULES = (inbox_routes, pool_routes, membership_routes)


@bp.get("/institution/")
@role_required(Role.INSTITUTION, while_unapproved=True)
def home():
    """The institution's home: approval status, work waiting, referrals, products."""
    institution = current_user.institution
    return render_template(
        "institution/home.html",
        institution=institution,
        products=queries.active_products(institution.id),
        counts=queries.work_counts(institution.id),
        referrals=queries.recent_referrals(current_user),
    )


@bp.get("/institutions/<int:institution_id>")
@role_required(
    Role.INSTITUTION, Role.ENTERPRISE, Role.SPECIALIST, Role.ADMIN, while_unapproved=True
)
def detail(institution_id: int):
    """One institution's profile, to those allowed to see it."""
    institution = get_visible_or_404(Institution, institution_id)
    return render_template("institution/detail.html", institution=institution)


@bp.route("/institution/members", methods=["GET", "POST"])
@role_required(Role.INSTITUTION)
def members():
    """A credit community's member firms: list; ask a firm to join by its credit code."""
    institution = current_user.institution
    form = MemberForm()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            services.request_member(institution, form.credit_code.data, current_user)
        if attempt.ok:
            # The same words whether or not a firm has this code.
            flash(
                _("If a firm with this code is registered, it is asked to confirm joining."),
                "success",
            )
            return redirect(url_for("institution.members"))
    page = counted_page(queries.community_members(institution.id))
    return render_template(
        "institution/members.html",
        page=page,
        form=form,
        confirm=ConfirmForm(),
        is_community=institution.kind_code == services.COMMUNITY_KIND,
    )


@bp.post("/institution/members/<int:enterprise_id>/remove")
@role_required(Role.INSTITUTION)
def remove_member(enterprise_id: int):
    """Remove a member firm."""
    back = url_for("institution.members")
    if ConfirmForm().validate_on_submit():
        with refusal_shown() as attempt:
            services.remove_member(current_user.institution, enterprise_id, current_user)
        if not attempt.ok:
            return redirect(back)
        flash(_("Member removed."), "success")
    return redirect(back)
