"""An enterprise's home and profile."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from finplatform.access import get_visible_or_404, role_required
from finplatform.models import Enterprise, Role

bp = Blueprint("enterprise", __name__)


@bp.get("/enterprise/")
@role_required(Role.ENTERPRISE)
def home():
    """The enterprise's own home: its profile at a glance."""
    return render_template("enterprise/home.html", enterprise=current_user.enterprise)


@bp.get("/enterprises/<int:enterprise_id>")
@role_required(Role.ENTERPRISE, Role.SPECIALIST, Role.INSTITUTION, Role.ADMIN)
def detail(enterprise_id: int):
    """One enterprise's profile, to those allowed to see it."""
    enterprise = get_visible_or_404(Enterprise, enterprise_id)
    return render_template("enterprise/detail.html", enterprise=enterprise)
