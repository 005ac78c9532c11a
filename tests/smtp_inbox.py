"""A real local SMTP server (aiosmtpd) that keeps what it is sent, for tests of mail."""

from __future__ import annotations

import email
import re
import time
from email.policy import default as default_policy


class Inbox:
    """An aiosmtpd handler that keeps every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

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
