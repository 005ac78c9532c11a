"""A specialist's home: the portfolio of assigned firms."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from finplatform.access import role_required, visible
from finplatform.extensions import db
from finplatform.models import Enterprise, Role

bp = Blueprint("specialist", __name__, url_prefix="/specialist")


@bp.get("/")
@role_required(Role.SPECIALIST)
def home():
    """The firms assigned to this specialist, a page at a time."""
    page = db.paginate(
        sa.select(Enterprise).where(visible(Enterprise, current_user)).order_by(Enterprise.name),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("specialist/home.html", page=page)
