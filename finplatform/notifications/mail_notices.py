"""Notices by e-mail for what a user must not miss: a decision on an application, a deadline
passed, a document asked for. Every in-app notification goes through `notify`; those of the
kinds below are also mailed to users who keep that topic in their settings (all of them by
default), in the user's language, through finplatform/mail.py (queued, retried)."""

from __future__ import annotations

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from finplatform import mail
from finplatform.models import User
from finplatform.models.accounts import MAIL_NOTICE_TOPICS
from finplatform.notifications.messages import notification_text

TOPIC_LABELS = {
    "decision": _l("A decision on an application"),
    "overdue": _l("An application past its answer deadline"),
    "document": _l("A document asked for"),
}
KIND_TOPIC = {
    "application.approved": "decision",
    "application.awaiting_firm": "decision",
    "application.rejected": "decision",
    "application.rejected_specialist": "decision",
    "application.overdue": "overdue",
    "application.overdue_firm": "overdue",
    "document.requested": "document",
}
assert set(KIND_TOPIC.values()) == set(MAIL_NOTICE_TOPICS) == set(TOPIC_LABELS)


def chosen(user: User) -> list[str]:
    """The topics this user receives by e-mail, in the settings page's order."""
    kept = user.mail_notices if user.mail_notices is not None else MAIL_NOTICE_TOPICS
    return [topic for topic in MAIL_NOTICE_TOPICS if topic in kept]


def _absolute(link: str | None) -> str:
    base = request.host_url if has_request_context() else current_app.config["PUBLIC_URL"]
    return base.rstrip("/") + (link or "/notifications/")


def mail_notice(user: User, kind: str, params: dict, link: str | None) -> bool:
    """Mail the notice when its kind is one a user must not miss and they chose it."""
    topic = KIND_TOPIC.get(kind)
    if topic is None or topic not in chosen(user):
        return False
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(
            "notifications/notice_mail.txt",
            user=user,
            text=notification_text(kind, params),
            link=_absolute(link),
            settings=_absolute("/settings/notices"),
        )
        subject = _("Platform notice: %(topic)s", topic=TOPIC_LABELS[topic])
    mail.deliver(user.email, subject, body)
    return True
