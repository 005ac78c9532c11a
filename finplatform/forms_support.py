"""What every page's forms share: their base class, which holds every number field to what its
database column can store; the confirm button; a service's refusal shown on its field.

Routes turn a service's refusal into words one way, `refusal_shown`::

    with refusal_shown(form) as attempt:
        services.do_something(...)
    if attempt.ok:
        flash(...)
        return redirect(...)

A refusal (`DomainError`) undoes what the request wrote and is shown beside the form's field it
names, else as a message above the page (a "danger" one unless the route asks for another
category); no route rolls back by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SubmitField
from wtforms.validators import StopValidation

from finplatform.bounds import out_of_range
from finplatform.exceptions import DomainError
from finplatform.extensions import db


def _within_column(form, field) -> None:
    typed = field.raw_data and str(field.raw_data[0]).strip()
    if field.process_errors and typed:  # not read as a number: that message alone is shown
        raise StopValidation()
    places = getattr(field, "places", None) if isinstance(field, DecimalField) else None
    message = out_of_range(field.data, places)
    if message is not None:
        field.errors[:] = []
        raise StopValidation(str(message))


class PlatformForm(FlaskForm):
    """The base of every form: each decimal and integer field is first held to its column's
    range (and to being a finite number), so no number reaches the database unstorable."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, DecimalField | IntegerField):
                field.validators = [_within_column, *field.validators]
            return field


class ConfirmForm(PlatformForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


def show_domain_error(form: FlaskForm, error: DomainError, category: str = "danger") -> None:
    """Attach the error to its field when the form has it, else flash it above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), category)


@dataclass
class Attempt:
    """What became of the service call inside `refusal_shown`."""

    refused: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None


@contextmanager
def refusal_shown(form: FlaskForm | None = None, category: str = "danger") -> Iterator[Attempt]:
    """Run a service call; on a refusal, roll the request's writes back and tell the user."""
    attempt = Attempt()
    try:
        yield attempt
    except DomainError as error:
        db.session.rollback()
        attempt.refused = error
        if form is None:
            flash(str(error.message), category)
        else:
            show_domain_error(form, error, category)
