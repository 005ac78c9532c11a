"""Showing a service's refusal on the form field it concerns."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from finplatform.exceptions import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Attach the error to its field when the form has it, else flash it above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "danger")
