"""An institution's home and profile."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from finplatform.access import get_visible_or_404, role_required
from finplatform.extensions import db
from finplatform.models import Institution, Product, Role

bp = Blueprint("institution", __name__)


@bp.get("/institution/")
@role_required(Role.INSTITUTION)
def home():
    """The institution's home: its approval status and products."""
    institution = current_user.institution
    products = db.session.scalars(
        sa.select(Product).where(Product.institution_id == institution.id).order_by(Product.id)
    ).all()
    return render_template("institution/home.html", institution=institution, products=products)


@bp.get("/institutions/<int:institution_id>")
@role_required(Role.INSTITUTION, Role.ENTERPRISE, Role.SPECIALIST, Role.ADMIN)
def detail(institution_id: int):
    """One institution's profile, to those allowed to see it."""
    institution = get_visible_or_404(Institution, institution_id)
    return render_template("institution/detail.html", institution=institution)
