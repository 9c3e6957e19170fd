"""Sending a message through the company's mail server with the standard library.

The settings name the server (smtp_host, smtp_port, smtp_security, smtp_user,
smtp_from); the password is read from the environment variable
MAILREPORT_SMTP_PASSWORD when a message is sent, and is never stored, logged or
put in an error (smtplib's errors carry the server's reply, not what was sent)."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

from mailreport.settings import Settings

PASSWORD_VARIABLE = "MAILREPORT_SMTP_PASSWORD"
TIMEOUT_S = 60


class SmtpError(RuntimeError):
    """Sending failed. ``lasting``: trying again will not help (a wrong password, an
    address the server refuses for good), so no retry is made."""

    def __init__(self, message: str, lasting: bool = False):
        super().__init__(message)
        self.lasting = lasting


def check_config(settings: Settings) -> None:
    if not settings.smtp_host:
        raise SmtpError("smtp_host is not set: name the mail server to send through "
                        "(docs/schedules.md)", lasting=True)
    if not settings.smtp_from:
        raise SmtpError("smtp_from is not set: name the sender address (docs/schedules.md)",
                        lasting=True)


def send(message: EmailMessage, settings: Settings) -> dict[str, tuple[int, bytes]]:
    """Send ``message`` to its To addresses; the addresses the server refused (some
    were accepted). SmtpError when it was not sent at all."""
    check_config(settings)
    context = ssl.create_default_context()
    try:
        if settings.smtp_security == "tls":
            client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                      timeout=TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=context)
            if settings.smtp_user:
                client.login(settings.smtp_user, os.environ.get(PASSWORD_VARIABLE, ""))
            return client.send_message(message)
    except smtplib.SMTPNotSupportedError as exc:  # no STARTTLS, or no AUTH, offered
        raise SmtpError(f"{settings.smtp_host}: {exc}; see smtp_security and smtp_user",
                        lasting=True) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpError(f"{settings.smtp_host} refused the sign-in of {settings.smtp_user!r} "
                        f"({exc.smtp_code}); the password is read from {PASSWORD_VARIABLE}",
                        lasting=True) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        refused = ", ".join(f"{a} ({c} {m.decode(errors='replace')})"
                            for a, (c, m) in exc.recipients.items())
        raise SmtpError(f"{settings.smtp_host} refused every recipient: {refused}",
                        lasting=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        raise SmtpError(f"{settings.smtp_host} answered {exc.smtp_code}: {reply}",
                        lasting=exc.smtp_code >= 500) from None
    except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, cut off, TLS
        raise SmtpError(f"could not send through {settings.smtp_host}:{settings.smtp_port}: "
                        f"{exc or type(exc).__name__}") from None
