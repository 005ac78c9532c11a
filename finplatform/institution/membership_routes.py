"""Membership requests of credit communities, answered by the firm asked (or the commission)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import role_required
from finplatform.forms_support import ConfirmForm
from finplatform.institution import queries, services
from finplatform.institution.blueprint import bp
from finplatform.models import Role

ANSWERING = (Role.ENTERPRISE, Role.COMMISSION, Role.ADMIN)


@bp.get("/memberships")
@role_required(*ANSWERING)
def membership_requests():
    """Credit communities' requests waiting for an answer."""
    found = queries.membership_requests_for(current_user)
    return render_template(
        "institution/membership_requests.html", requests=found, form=ConfirmForm()
    )


@bp.post("/memberships/<int:institution_id>/<int:enterprise_id>/<action>")
@role_required(*ANSWERING)
def answer_membership(institution_id: int, enterprise_id: int, action: str):
    """Confirm or decline one community's request."""
    if action not in {"approve", "decline"} or not ConfirmForm().validate_on_submit():
        abort(400 if action in {"approve", "decline"} else 404)
    accept = action == "approve"
    services.answer_request(current_user, institution_id, enterprise_id, accept=accept)
    done = _("The firm joined the credit community.") if accept else _("Request declined.")
    flash(done, "success")
    return redirect(url_for("institution.membership_requests"))
