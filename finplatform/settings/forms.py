"""Settings forms."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

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
