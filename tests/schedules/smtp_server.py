"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Inbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content,
                                                policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Accounts:
    """An authenticator that accepts one user and password, and keeps every try."""

    def __init__(self, user: str, password: str):
        self.user, self.password = user, password
        self.tries: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd answers the refusal (535) itself
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        self.tries.append(given)
        return AuthResult(success=given == (self.user, self.password), handled=False)


class SmtpServer:
    """``with SmtpServer(port) as inbox:`` a server on 127.0.0.1:port for the block;
    with ``accounts``, one that requires signing in (over plain SMTP: a test)."""

    def __init__(self, port: int, accounts: Accounts | None = None):
        self.port = port
        self.inbox = Inbox()
        extra = {"authenticator": accounts, "auth_required": True,
                 "auth_require_tls": False} if accounts else {}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port, **extra)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self.inbox

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def wait_for(predicate, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
