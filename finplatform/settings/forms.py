"""Settings forms."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from finplatform.auth.forms import REQUIRED
from finplatform.forms_support import PlatformForm


class NewTokenForm(PlatformForm):
    """Name a new API token."""

    name = StringField(
        _l("Token name"),
        description=_l("What the token is for, e.g. the name of your bank's system."),
        validators=[DataRequired(REQUIRED), Length(max=80)],
    )
    submit = SubmitField(_l("Create token"))


class MailNoticesForm(PlatformForm):
    """Which notices also come by e-mail (a checkbox for each)."""

    topics = SelectMultipleField(
        _l("Send me an e-mail for"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    submit = SubmitField(_l("Save"))
