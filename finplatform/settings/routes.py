"""The user's settings: API tokens, and which notices also come by e-mail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import role_required
from finplatform.api import tokens
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.models import ApiToken, Role
from finplatform.notifications import mail_notices
from finplatform.settings.forms import MailNoticesForm, NewTokenForm

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/tokens", methods=["GET", "POST"])
@role_required(*Role)
def api_tokens():
    """List the user's tokens and create a new one (its text is shown this once)."""
    form = NewTokenForm()
    new_token_text = None
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            _token, new_token_text = tokens.create_token(current_user, form.name.data)
        if attempt.ok:
            form = NewTokenForm(formdata=None)
    return render_template(
        "settings/tokens.html",
        form=form,
        revoke_form=ConfirmForm(),
        tokens=tokens.tokens_of(current_user),
        new_token_text=new_token_text,
    )


@bp.post("/tokens/<int:token_id>/revoke")
@role_required(*Role)
def revoke_api_token(token_id: int):
    """Revoke one of the user's own tokens."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke_token(token, current_user)
    flash(_("Token “%(name)s” revoked.", name=token.name), "success")
    return redirect(url_for("settings.api_tokens"))


@bp.route("/notices", methods=["GET", "POST"])
@role_required(*Role)
def notices():
    """Choose which notices also come by e-mail."""
    form = MailNoticesForm()
    form.topics.choices = [(key, str(label)) for key, label in mail_notices.TOPIC_LABELS.items()]
    if form.validate_on_submit():
        current_user.mail_notices = [t for t in mail_notices.TOPIC_LABELS if t in form.topics.data]
        flash(_("Your notice settings are saved."), "success")
        return redirect(url_for("settings.notices"))
    if not form.is_submitted():
        form.topics.data = mail_notices.chosen(current_user)
    return render_template("settings/notices.html", form=form, address=current_user.email)
