"""The admin's working-calendar page: the holidays and make-up days of years to come."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform import clock
from finplatform.access import role_required
from finplatform.admin import holidays
from finplatform.admin.forms import CalendarDayForm
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.models import CalendarDay, CalendarYear, Role
from finplatform.workcalendar import LIBRARY_YEARS, uncovered_years

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def _year_argument() -> int:
    year = request.args.get("year", type=int) or clock.today().year
    if not holidays.FIRST_YEAR <= year <= holidays.LAST_YEAR:
        abort(404)
    return year


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index():
    """A year's entered days, a form to enter one, and whether the year is covered."""
    year = _year_argument()
    form = CalendarDayForm()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            holidays.enter_day(
                form.day.data, form.kind.data == "working", form.note.data or "", current_user
            )
        if attempt.ok:
            flash(_("%(day)s saved.", day=form.day.data.isoformat()), "success")
            return redirect(url_for("admin.calendar.index", year=form.day.data.year))
    entered = db.session.scalars(
        sa.select(CalendarDay)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    confirmed = db.session.get(CalendarYear, year)
    return render_template(
        "admin/calendar.html",
        year=year,
        form=form,
        entered=entered,
        confirmed=confirmed,
        in_library=year in LIBRARY_YEARS,
        library_last_year=LIBRARY_YEARS[-1],
        uncovered=uncovered_years(),
        confirm_form=ConfirmForm(),
    )


@bp.post("/<day>/remove")
@role_required(Role.ADMIN)
def remove(day: str):
    """Forget an entered day."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal_shown() as attempt:
        holidays.remove_day(when, current_user)
    if attempt.ok:
        flash(_("%(day)s removed.", day=when.isoformat()), "success")
    return redirect(url_for("admin.calendar.index", year=when.year))


@bp.post("/<int:year>/confirm")
@role_required(Role.ADMIN)
def confirm(year: int):
    """Confirm that a year's holidays and make-up days are all entered."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal_shown() as attempt:
        holidays.confirm_year(year, current_user)
    if attempt.ok:
        flash(_("The working calendar of %(year)d is confirmed.", year=year), "success")
    return redirect(url_for("admin.calendar.index", year=year))
