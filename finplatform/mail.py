"""Sending e-mail (Flask-Mail): one function for every message the platform sends.

The SMTP server comes from MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS / MAIL_USE_SSL, MAIL_USERNAME
and MAIL_PASSWORD; the sender from MAIL_DEFAULT_SENDER. A message that cannot be sent is logged
and reported as False, never raised into the page: whoever asked is told the same either way.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask_mail import Mail, Message

log = logging.getLogger(__name__)

mail = Mail()


def register(app: Flask) -> None:
    """Bind the mail sender to the app."""
    mail.init_app(app)


def send(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; whether the SMTP server took it."""
    try:
        mail.send(Message(subject=subject, recipients=[to], body=body))
    except Exception as error:
        log.warning("could not send mail to the SMTP server: %s", error)
        return False
    return True
