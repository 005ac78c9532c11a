"""Sign-in, sign-out and password change (registration: registration_routes.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from finplatform import clock
from finplatform.access import ROLE_HOME, role_required
from finplatform.auth import devices, services, sessions
from finplatform.auth.forms import ChangePasswordForm, LoginForm
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.models import Role, User
from finplatform.redirects import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _home_url(user) -> str:
    return url_for(ROLE_HOME[user.role])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_home_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data,
                form.password.data,
                request.remote_addr or "unknown",
                known_device_of=devices.known_user_id(),
            )
        except services.LoginRefused as refusal:
            flash(str(refusal.message), "danger")
            # The failure counts and the audit entries are kept even when answering 429.
            db.session.commit()
            status = 429 if refusal.throttled else 200
        else:
            sessions.start(user, remember=form.remember.data)
            target = safe_next(request.args.get("next"), _home_url(user))
            return devices.remember(redirect(target), user.id)
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out: this device's sign-in ends on the server too."""
    sessions.end()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        if attempt.ok:
            # Every other device signs in again with the new password.
            sessions.end_all(current_user, except_current=True)
            flash(_("Your password has been changed."), "success")
            return redirect(_home_url(current_user))
    return render_template("auth/change_password.html", form=form, confirm=ConfirmForm())


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every sign-in of this account, on every device, this one included."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.end_all(current_user)
    sessions.end()
    flash(_("You have signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/locked")
@role_required(Role.ADMIN)
def locked_accounts():
    """Accounts locked by repeated failed sign-ins."""
    users = db.session.scalars(
        sa.select(User).where(User.locked_until > clock.now()).order_by(User.locked_at.desc())
    ).all()
    return render_template("auth/locked.html", users=users, form=ConfirmForm())


@bp.post("/locked/<int:user_id>/unlock")
@role_required(Role.ADMIN)
def unlock(user_id: int):
    """Unlock one account."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    services.unlock_user(user, current_user)
    flash(_("%(email)s is unlocked.", email=user.email), "success")
    return redirect(url_for("auth.locked_accounts"))
