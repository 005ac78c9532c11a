"""The plan's targets, read-only here (admins edit them in the journeys' admin pages)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from finplatform.access import role_required
from finplatform.extensions import db
from finplatform.models import Role, Target

bp = Blueprint("targets", __name__, url_prefix="/targets")


@bp.get("/")
@role_required(Role.COMMISSION, Role.ADMIN)
def index():
    """Every target of a year in the plan's own wording and unit."""
    years = db.session.scalars(sa.select(Target.year).distinct().order_by(Target.year)).all()
    year = request.args.get("year", type=int) or (years[-1] if years else None)
    targets = db.session.scalars(
        sa.select(Target).where(Target.year == year).order_by(Target.sort_order)
    ).all()
    return render_template("targets/index.html", targets=targets, years=years, year=year)
