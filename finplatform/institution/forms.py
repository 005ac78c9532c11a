"""Forms of the institution's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from finplatform.auth.forms import REQUIRED
from finplatform.forms_support import PlatformForm


class MemberForm(PlatformForm):
    """Ask a firm to join, by its unified social credit code."""

    credit_code = StringField(
        _l("Unified social credit code"), validators=[DataRequired(REQUIRED), Length(max=40)]
    )
    submit = SubmitField(_l("Ask to join"))
