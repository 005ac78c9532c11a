"""A real local SMTP server (aiosmtpd) that keeps what it is sent, for tests of mail."""

from __future__ import annotations

import email
import re
import time
from email.policy import default as default_policy

from rq import Queue, SimpleWorker

from finplatform import jobs


class _Handler:
    def __init__(self, received: list) -> None:
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


class Inbox:
    """Every message a local SMTP server was sent. With Redis, mail is queued:
    reading `messages` first runs what is queued (an RQ worker in this process), and the
    queue starts empty."""

    def __init__(self, app) -> None:
        self.app = app
        self.received: list[email.message.EmailMessage] = []
        connection = jobs.redis_connection()
        if connection is not None:
            Queue(jobs.QUEUE_NAME, connection=connection).empty()

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self.app.app_context():
            connection = jobs.redis_connection()
            if connection is not None:
                queue = Queue(jobs.QUEUE_NAME, connection=connection)
                SimpleWorker([queue], connection=connection).work(burst=True)
        return self.received

    def handler(self) -> _Handler:
        """What the aiosmtpd controller calls (a plain object: it inspects its members)."""
        return _Handler(self.received)

    def body(self, index: int = -1) -> str:
        return self.messages[index].get_body(("plain",)).get_content()

    def link(self, index: int = -1, path: str = "/auth/reset/") -> str:
        """The first link under `path` in a message, without the host."""
        return re.search(rf"http://[^/\s]+({re.escape(path)}\S+)", self.body(index)).group(1)

    def wait_for(self, count: int, seconds: float = 10) -> None:
        """Wait until `count` messages arrived (mail sent from another thread)."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"
