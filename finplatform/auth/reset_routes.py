"""The password reset pages: ask for a link, then choose a new password through it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from finplatform.auth import reset
from finplatform.auth.forms import ResetPasswordForm, ResetRequestForm
from finplatform.auth.routes import bp
from finplatform.forms_support import refusal_shown


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            reset.request_reset(form.email.data)
        except reset.TooManyRequests:
            flash(_("Too many requests from your network. Please wait an hour."), "danger")
            return render_template("auth/reset_request.html", form=form), 429
        flash(
            _(
                "If an account has this address, a link to choose a new password is on its way. "
                "It works once, within an hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a valid, unused link."""
    user = reset.user_for(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "danger")
        return redirect(url_for("auth.request_reset"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            reset.reset_password(user, form.new_password.data)
        if attempt.ok:
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
