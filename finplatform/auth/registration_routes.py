"""The registration pages: file a registration, then confirm it through the mailed link."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from finplatform.access import ROLE_HOME
from finplatform.auth import registration, sessions
from finplatform.auth.forms import EnterpriseRegistrationForm, InstitutionRegistrationForm
from finplatform.auth.routes import bp
from finplatform.choices import district_choices, industry_choices, institution_kind_choices
from finplatform.enterprise.services import district_warning
from finplatform.forms_support import ConfirmForm, refusal_shown

SENT = "auth.login"


def _file(form, kind: str, details, template: str):
    """Run a registration form: the same answer for every registration the form accepts
    (registration.py says why); a refusal the form alone decides is shown on its field."""
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            try:
                registration.file(kind, details(form), form.email.data, form.password.data)
            except registration.TooManyRequests:
                flash(_("Too many requests from your network. Please wait an hour."), "danger")
                return render_template(template, form=form), 429
        if attempt.ok:
            flash(
                _(
                    "Thank you. We have sent a message to the address you gave: follow its link "
                    "to finish the registration. Nothing is registered until then."
                ),
                "info",
            )
            return redirect(url_for(SENT))
    return render_template(template, form=form)


@bp.route("/register/enterprise", methods=["GET", "POST"])
def register_enterprise():
    """A tech SME registers itself and its first user."""
    form = EnterpriseRegistrationForm()
    form.district.choices = district_choices()
    form.industry.choices = industry_choices()
    return _file(
        form,
        registration.ENTERPRISE,
        lambda f: registration.enterprise_details(
            credit_code=f.credit_code.data,
            company_name=f.company_name.data,
            district_code=f.district.data,
            industry_code=f.industry.data,
            contact_name=f.contact_name.data,
            phone=f.phone.data,
        ),
        "auth/register_enterprise.html",
    )


@bp.route("/register/institution", methods=["GET", "POST"])
def register_institution():
    """An institution registers; it stays pending until the commission approves it."""
    form = InstitutionRegistrationForm()
    form.kind.choices = institution_kind_choices()
    form.district.choices = district_choices()
    return _file(
        form,
        registration.INSTITUTION,
        lambda f: registration.institution_details(
            name=f.name.data,
            kind_code=f.kind.data,
            district_code=f.district.data,
            credit_code=f.credit_code.data,
            contact_name=f.contact_name.data,
            phone=f.phone.data,
        ),
        "auth/register_institution.html",
    )


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    """Open the account through the mailed link (a button, so a mail scanner following the
    link opens nothing)."""
    pending = registration.pending_for(token)
    if pending is None:
        flash(_("This link has expired or was already used. Register again."), "danger")
        return redirect(url_for("auth.login"))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("auth/register_confirm.html", form=form, pending=pending)
    kind = pending.kind
    with refusal_shown() as attempt:
        user = registration.confirm(pending)
    if not attempt.ok:
        # The address or the code was taken meanwhile: this registration's link is spent.
        registration.spend(pending)
        return redirect(url_for("auth.login"))
    sessions.start(user)
    if kind == registration.ENTERPRISE:
        flash(_("Welcome! Your company is registered."), "success")
        firm = user.enterprise
        warning = district_warning(firm.credit_code, firm.district_code)
        if warning:
            flash(warning, "warning")
    else:
        flash(
            _(
                "Registered. The commission will review your institution before it can post "
                "products."
            ),
            "success",
        )
    return redirect(url_for(ROLE_HOME[user.role]))
