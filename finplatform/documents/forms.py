"""Forms of the document pages: upload a file, share a profile file, ask for a missing one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from finplatform.auth.forms import REQUIRED
from finplatform.forms_support import PlatformForm
from finplatform.labels import options


class UploadForm(PlatformForm):
    """A document to attach: its kind and the file (PDF, JPG, PNG or XLSX)."""

    kind = SelectField(_l("Kind of document"), validators=[DataRequired(REQUIRED)])
    file = FileField(
        _l("File"),
        description=_l("PDF, JPG, PNG or XLSX; checked by its content."),
        validators=[FileRequired(REQUIRED)],
    )
    submit = SubmitField(_l("Upload"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = options("document_kind")


class DocumentRequestForm(PlatformForm):
    """An institution asks the firm for a missing document by a date."""

    kind = SelectField(_l("Kind of document"), validators=[DataRequired(REQUIRED)])
    due_on = DateField(_l("Provide by"), validators=[InputRequired(REQUIRED)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Ask the firm"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = options("document_kind")
