"""The firm's answer to terms granted outside the limits: accepting makes the application
approved (only then does it count as an approval in the funnel, reports and training);
refusing withdraws it, recorded as withdrawn by the firm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from finplatform.deals.services import MAX_NOTE, application_link, deal_params
from finplatform.deals.states import lock_application, transition_application
from finplatform.exceptions import Conflict
from finplatform.models import Application, ApplicationStatus, User
from finplatform.notifications.services import notify_institution


def _awaiting(application: Application) -> Application:
    application = lock_application(application)
    if application.status != ApplicationStatus.AWAITING_FIRM:
        raise Conflict(_l("These terms are not waiting for the firm's answer."))
    return application


def accept_terms(application: Application, actor: User, note: str = "") -> Application:
    """The firm accepts terms outside the limits: the application is approved."""
    application = _awaiting(application)
    application = transition_application(
        application, ApplicationStatus.APPROVED, actor, note.strip()[:MAX_NOTE]
    )
    notify_institution(
        application.institution_id,
        "application.firm_accepted",
        deal_params(application),
        application_link(application),
    )
    return application


def refuse_terms(application: Application, actor: User, note: str = "") -> Application:
    """The firm refuses terms outside the limits: the application is withdrawn by the firm."""
    application = _awaiting(application)
    application = transition_application(
        application, ApplicationStatus.WITHDRAWN, actor, note.strip()[:MAX_NOTE]
    )
    notify_institution(
        application.institution_id,
        "application.firm_refused",
        deal_params(application),
        application_link(application),
    )
    return application
