"""The public home page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from finplatform.access import ROLE_HOME
from finplatform.extensions import db
from finplatform.models import Enterprise, Institution, InstitutionStatus, Product, ProductStatus

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """What the platform is, with the figures a visitor cares about."""
    counts = {
        "enterprises": db.session.scalar(sa.select(sa.func.count(Enterprise.id))),
        "institutions": db.session.scalar(
            sa.select(sa.func.count(Institution.id)).where(
                Institution.status == InstitutionStatus.APPROVED
            )
        ),
        "products": db.session.scalar(
            sa.select(sa.func.count(Product.id)).where(Product.status == ProductStatus.ACTIVE)
        ),
    }
    return render_template("main/index.html", counts=counts)


@bp.get("/home")
def home():
    """Send a signed-in user to their role's home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(ROLE_HOME[current_user.role]))


@bp.get("/favicon.ico")
def favicon():
    """Browsers that ask for /favicon.ico before reading the page's icon link get the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
