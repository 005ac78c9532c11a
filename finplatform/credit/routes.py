"""The firm's consent pages: authorise an institution (for an application or for a period),
revoke, and read who looked at what."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform import clock
from finplatform.access import get_visible_or_404, role_required
from finplatform.credit import consent as consent_services
from finplatform.credit.views import consent_page, viewable_profile
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.models import Application, CreditConsent, Institution, Role

bp = Blueprint("credit", __name__)


@bp.get("/enterprise/consents")
@role_required(Role.ENTERPRISE)
def consents():
    """The firm's own credit profile, its authorisations, the form for a standing one, and
    the log of views."""
    return render_template(
        "credit/consents.html",
        form=ConfirmForm(),
        own_profile=viewable_profile(current_user.enterprise, current_user, clock.today()),
        **consent_page(current_user.enterprise_id),
    )


@bp.post("/enterprise/consents")
@role_required(Role.ENTERPRISE)
def grant_standing():
    """Authorise an institution the firm applied to, for a number of days."""
    back = url_for("credit.consents")
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    institution = db.session.get(Institution, request.form.get("institution_id", type=int) or 0)
    if institution is None:
        flash(_("Please choose an institution you applied to."), "danger")
        return redirect(back)
    with refusal_shown() as attempt:
        consent_services.grant_standing(
            current_user.enterprise,
            institution,
            current_user,
            days=request.form.get("days", type=int) or 0,
        )
    if not attempt.ok:
        return redirect(back)
    flash(_("Authorisation given."), "success")
    return redirect(back)


@bp.post("/enterprise/consents/<int:consent_id>/revoke")
@role_required(Role.ENTERPRISE)
def revoke(consent_id: int):
    """Revoke one of the firm's authorisations."""
    back = request.form.get("back") == "application"
    consent = db.session.get(CreditConsent, consent_id)
    if consent is None or consent.enterprise_id != current_user.enterprise_id:
        return redirect(url_for("credit.consents"))
    target = (
        url_for("deals.application_detail", application_id=consent.application_id)
        if back and consent.application_id
        else url_for("credit.consents")
    )
    if not ConfirmForm().validate_on_submit():
        return redirect(target)
    with refusal_shown() as attempt:
        consent_services.revoke(consent, current_user)
    if not attempt.ok:
        return redirect(target)
    flash(_("Authorisation revoked."), "success")
    return redirect(target)


@bp.post("/applications/<int:application_id>/consent")
@role_required(Role.ENTERPRISE)
def grant_for_application(application_id: int):
    """Authorise the application's institution to see the firm's credit information."""
    application = get_visible_or_404(Application, application_id)
    target = url_for("deals.application_detail", application_id=application_id)
    if ConfirmForm().validate_on_submit():
        with refusal_shown() as attempt:
            consent_services.grant_for_application(application, current_user)
        if not attempt.ok:
            return redirect(target)
        flash(_("Authorisation given."), "success")
    return redirect(target)
