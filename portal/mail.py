"""Outgoing e-mail: one plain-text message at a time, through the configured SMTP server.

Password resets, invitations and notifications all go through :func:`send`. The
settings are ``PORTAL_MAIL_*`` (portal/config.py). With no server configured (the
demo, development) each message is written to the ``portal.mail`` log instead, so a
developer still sees the link it carries (under ``PORTAL_ENV=production`` only its
recipient and subject: a body may hold a sign-in link); :func:`configured` tells
callers which.

Sending happens outside any database transaction: a slow or unreachable server must
never hold a row lock. A failure raises :class:`MailError` with a message an admin
can act on; the caller decides whether that is fatal.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from flask import current_app

from portal.i18n import translate

log = logging.getLogger("portal.mail")

SECURITY_MODES = ("", "starttls", "ssl")


class MailError(Exception):
    """A message could not be handed to the SMTP server; ``str()`` says why."""


@dataclass(frozen=True)
class Message:
    """What was sent (or logged): tests and callers read it back."""

    to: str
    subject: str
    body: str
    message_id: str


def _production() -> bool:
    """``PORTAL_ENV=production`` (as portal.production reads it; importing that module would
    tie the content layer to the web layer)."""
    return str(current_app.config.get("PORTAL_ENV") or "").strip().lower() == "production"


def configured() -> bool:
    """True when messages really leave the portal (an SMTP server is set)."""
    return bool(str(current_app.config.get("PORTAL_MAIL_SERVER") or "").strip())


def sender_address() -> str:
    """``PORTAL_MAIL_FROM``, or ``no-reply@<the base URL's host>``."""
    config = current_app.config
    chosen = str(config.get("PORTAL_MAIL_FROM") or "").strip()
    if chosen:
        return chosen
    host = urlsplit(str(config.get("PORTAL_BASE_URL") or "")).hostname or "localhost"
    return f"no-reply@{host}"


def settings_problems(config) -> list[str]:
    """Mistakes in the ``PORTAL_MAIL_*`` settings, one line each (deploy checks)."""
    from portal.i18n import translate

    problems = []
    security = str(config.get("PORTAL_MAIL_SECURITY") or "").strip().lower()
    if security not in SECURITY_MODES:
        problems.append(
            translate(
                "mail: PORTAL_MAIL_SECURITY là {value}; hãy dùng starttls, ssl hoặc để trống"
            ).format(value=repr(security))
        )
    if bool(config.get("PORTAL_MAIL_USERNAME")) != bool(config.get("PORTAL_MAIL_PASSWORD")):
        problems.append(
            translate(
                "mail: hãy đặt cả PORTAL_MAIL_USERNAME lẫn PORTAL_MAIL_PASSWORD, hoặc không đặt "
                "cái nào"
            )
        )
    return problems


def build(to: str, subject: str, body: str) -> MIMEText:
    """A UTF-8 plain-text message from the site (Vietnamese survives every hop).

    The subject is encoded by :class:`email.header.Header`: the newer
    ``EmailMessage`` folds a long non-ASCII subject between encoded words and
    readers then lose the space there ("duyệt: Lễ" arrives as "duyệt:Lễ").
    """
    config = current_app.config
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = formataddr((str(config.get("PORTAL_SITE_NAME") or ""), sender_address()))
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8")
    domain = sender_address().rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    return message


def send(to: str, subject: str, body: str) -> Message:
    """Send one message to ``to``; raises :class:`MailError` when the server refuses it."""
    message = build(to, subject, body)
    sent = Message(to=to, subject=subject, body=body, message_id=message["Message-ID"])
    if not configured():
        if _production():  # the body may hold a sign-in link: never in a log
            log.warning("e-mail not sent (no PORTAL_MAIL_SERVER) to %s: %s", to, subject)
        else:
            log.info("e-mail not sent (no PORTAL_MAIL_SERVER) to %s: %s\n%s", to, subject, body)
        return sent
    config = current_app.config
    host = str(config["PORTAL_MAIL_SERVER"]).strip()
    port = int(config.get("PORTAL_MAIL_PORT") or 25)
    security = str(config.get("PORTAL_MAIL_SECURITY") or "").strip().lower()
    timeout = float(config.get("PORTAL_MAIL_TIMEOUT") or 10)
    try:
        if security == "ssl":
            connection = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
        with connection:
            if security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            username = str(config.get("PORTAL_MAIL_USERNAME") or "")
            if username:
                connection.login(username, str(config.get("PORTAL_MAIL_PASSWORD") or ""))
            connection.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(
            translate("máy chủ thư {host}:{port} không nhận thư: {error}").format(
                host=host, port=port, error=error
            )
        ) from None
    log.info("e-mail sent to %s: %s", to, subject)
    return sent
