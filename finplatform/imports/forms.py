"""The upload form of the admin import page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from finplatform.forms_support import PlatformForm
from finplatform.labels import labels_of

KIND_CHOICES = [SelectChoice(code, text) for code, text in labels_of("import_kind").items()]


class ImportForm(PlatformForm):
    """What the file holds, the file, and whether to import only the good rows."""

    kind = SelectField(
        _l("The file contains"),
        choices=KIND_CHOICES,
        validators=[DataRequired(_l("Please choose what the file contains."))],
    )
    file = FileField(
        _l("CSV or XLSX file"),
        description=_l(
            "First row: column headers, in Chinese or English. UTF-8 or GBK CSV, or XLSX; "
            "at most 10 MB."
        ),
        validators=[
            FileRequired(_l("Please choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported.")),
        ],
    )
    good_rows_only = BooleanField(
        _l("Import the good rows even if some rows have errors"),
        description=_l("By default nothing is imported when any row has an error."),
    )
    submit = SubmitField(_l("Check and import"))


class RepaymentImportForm(ImportForm):
    """An institution's upload: always repayments of its own loans, so no kind to choose."""

    kind = None
