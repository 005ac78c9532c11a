"""Forms of the report pages: choosing a month to close or to generate."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp

from finplatform.forms_support import PlatformForm


class MonthForm(PlatformForm):
    """A month given as YYYY-MM (the close and generate buttons post one)."""

    month = HiddenField(
        _l("Month"),
        validators=[
            DataRequired(_l("Choose a month.")),
            Regexp(r"^\d{4}-\d{2}$", message=_l("Give the month as YYYY-MM, for example 2014-06.")),
        ],
    )
