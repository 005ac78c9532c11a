"""An institution's pages: home, profile and credit-community members; with `inbox_routes` and
`pool_routes`, whose views this module's import registers, the whole institution blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import get_visible_or_404, role_required, visible
from finplatform.deals.deadlines import overdue_condition
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, show_domain_error
from finplatform.institution import inbox_routes, membership_routes, pool_routes, services
from finplatform.institution.blueprint import bp, refused
from finplatform.institution.forms import MemberForm
from finplatform.models import (
    Application,
    ApplicationStatus,
    CommunityMembership,
    Enterprise,
    Institution,
    Product,
    ProductStatus,
    Referral,
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
    products = db.session.scalars(
        sa.select(Product)
        .where(Product.institution_id == institution.id, Product.status == ProductStatus.ACTIVE)
        .order_by(Product.name)
        .limit(50)
    ).all()
    mine = Application.institution_id == institution.id
    counts = {
        "submitted": db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                mine, Application.status == ApplicationStatus.SUBMITTED
            )
        ),
        "overdue": db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(mine, overdue_condition())
        ),
        "in_review": db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                mine, Application.status == ApplicationStatus.IN_REVIEW
            )
        ),
    }
    referrals = db.session.execute(
        sa.select(Referral, Enterprise)
        .join(Enterprise, Enterprise.id == Referral.enterprise_id)
        .where(visible(Referral, current_user))
        .order_by(Referral.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "institution/home.html",
        institution=institution,
        products=products,
        counts=counts,
        referrals=referrals,
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
        try:
            services.request_member(institution, form.credit_code.data, current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            # The same words whether or not a firm has this code.
            flash(
                _("If a firm with this code is registered, it is asked to confirm joining."),
                "success",
            )
            return redirect(url_for("institution.members"))
    page = counted_page(
        sa.select(Enterprise)
        .join(CommunityMembership, CommunityMembership.enterprise_id == Enterprise.id)
        .where(CommunityMembership.community_id == institution.id)
        .order_by(Enterprise.name)
    )
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
        try:
            services.remove_member(current_user.institution, enterprise_id, current_user)
        except DomainError as error:
            return refused(error, back)
        flash(_("Member removed."), "success")
    return redirect(back)
