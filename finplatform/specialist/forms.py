"""Forms of the specialist's brokering page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeLocalField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from finplatform.auth.forms import REQUIRED
from finplatform.forms_support import PlatformForm
from finplatform.labels import labels_of


class RecommendForm(PlatformForm):
    """Recommend a product to the firm, with a note it will read."""

    product_id = SelectField(_l("Product"), coerce=int, validators=[InputRequired(REQUIRED)])
    request_id = SelectField(_l("For request"), coerce=int, validators=[Optional()])
    note = TextAreaField(
        _l("Note to the firm"), validators=[DataRequired(REQUIRED), Length(max=2000)]
    )
    submit = SubmitField(_l("Recommend"))


class ReferForm(PlatformForm):
    """Refer the firm to an institution."""

    institution_id = SelectField(
        _l("Institution"), coerce=int, validators=[InputRequired(REQUIRED)]
    )
    note = TextAreaField(
        _l("Note to the institution"), validators=[DataRequired(REQUIRED), Length(max=2000)]
    )
    submit = SubmitField(_l("Refer"))


class ContactForm(PlatformForm):
    """A visit, call or meeting, with an optional follow-up date."""

    channel = SelectField(
        _l("Channel"),
        choices=[SelectChoice(code, text) for code, text in labels_of("contact_channel").items()],
        validators=[DataRequired(REQUIRED)],
    )
    happened_at = DateTimeLocalField(_l("When"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])
    submit = SubmitField(_l("Log contact"))
