"""What every page's forms share: the confirm button, and a service's refusal shown on the
form field it concerns."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from finplatform.exceptions import DomainError


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Attach the error to its field when the form has it, else flash it above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "danger")
