"""Sending e-mail (Flask-Mail): one module for every message the platform sends.

The SMTP server comes from MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS / MAIL_USE_SSL, MAIL_USERNAME
and MAIL_PASSWORD; the sender from MAIL_DEFAULT_SENDER. When no MAIL_SERVER is configured
(`make run`), each message is written as a file to MAIL_FILE_DIR (instance/mail/) instead.

`deliver` is what pages and jobs call: it queues the message as a background job (finplatform/
jobs.py), which RQ retries when the SMTP server refuses it; without Redis it is sent at once.
Either way a message that cannot be sent is logged, never raised into the page: whoever asked
is told the same.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from flask import Flask, current_app
from flask_mail import Mail, Message
from rq import get_current_job

from finplatform import clock, jobs

log = logging.getLogger(__name__)

mail = Mail()


def register(app: Flask) -> None:
    """Bind the mail sender to the app."""
    mail.init_app(app)


def _write_file(message: Message, directory: str) -> None:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(message.as_bytes())


def transmit(to: str, subject: str, body: str) -> None:
    """Send one plain-text message, raising what the SMTP server answered if it refused."""
    message = Message(subject=subject, recipients=[to], body=body)
    directory = current_app.config.get("MAIL_FILE_DIR")
    if directory:
        _write_file(message, directory)
    else:
        mail.send(message)


def send(to: str, subject: str, body: str) -> bool:
    """Send one message now; whether the SMTP server took it (failures are logged)."""
    try:
        transmit(to, subject, body)
    except Exception as error:
        log.warning("could not send mail to the SMTP server: %s", error)
        return False
    return True


def send_queued(to: str, subject: str, body: str) -> bool:
    """The job `deliver` queues: on a worker a refusal is raised, so RQ retries the job."""
    if get_current_job() is None:
        return send(to, subject, body)
    transmit(to, subject, body)
    return True


def deliver(to: str, subject: str, body: str) -> None:
    """Send a message in the background (retried when the SMTP server is down), or at once
    without Redis; never raises."""
    try:
        jobs.enqueue(send_queued, to, str(subject), body, description="mail", timeout=120)
    except Exception as error:  # the page goes on whatever the mail does
        log.warning("could not send or queue mail: %s", error)
