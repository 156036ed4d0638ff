"""A real SMTP server of the test's own (aiosmtpd), keeping every message it receives.

Tests that send e-mail (password resets, invitations, notifications) use the
``smtp_server`` fixture and point ``PORTAL_MAIL_SERVER``/``PORTAL_MAIL_PORT`` at it:
``from smtp_server import smtp_server`` in a conftest or test module.
"""

from __future__ import annotations

import email
import email.policy
import socket
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Keeper:
    """The server's handler: parses and keeps each message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(parsed)
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on 127.0.0.1:<port>, in a thread; ``messages`` holds what it received."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._keeper = _Keeper()
        self._controller = Controller(self._keeper, hostname=self.host, port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self._keeper.messages

    def config(self) -> dict:
        """The settings that send the portal's mail here."""
        return {"PORTAL_MAIL_SERVER": self.host, "PORTAL_MAIL_PORT": self.port}

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until ``count`` messages arrived (sending may happen in another thread)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
