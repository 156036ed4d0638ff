"""Browsers known for an account: the proof that lets the owner past strangers' failures.

Every successful sign-in gives the browser a long-lived, HttpOnly cookie (sent
only to the sign-in page) with one entry per account signed in from it: the
account id, a random client id, when it was issued, and an HMAC of those and
the account's current password hash, keyed with the site's secret key. An
entry cannot be forged without the secret key, so no server-side record is
needed; a password change or reset invalidates every entry of the account
(the hash changes), and entries older than ``PORTAL_KNOWN_CLIENT_DAYS`` are
ignored. The throttle (:mod:`portal.web.auth.throttle`) counts a known browser's
failures apart from everyone else's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import NamedTuple

from flask import current_app, request, url_for

from portal.models import User
from portal.web.auth import clock

COOKIE_NAME = "portal_known_client"
#: Accounts remembered per browser (the most recent sign-ins win).
MAX_ACCOUNTS = 5
_ENTRY_RE = re.compile(r"^(\d{1,12})\.([0-9a-f]{16})\.(\d{1,12})\.([0-9a-f]{32})$")


class Entry(NamedTuple):
    user_id: int
    client: str
    issued: int
    tag: str


def _max_age_seconds() -> int:
    return int(current_app.config["PORTAL_KNOWN_CLIENT_DAYS"]) * 86400


def _tag(user: User, client: str, issued: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = f"known-client|{user.id}|{client}|{issued}|{user.password_hash}"
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _entries() -> list[Entry]:
    """The well-formed, unexpired entries of this request's cookie."""
    raw = request.cookies.get(COOKIE_NAME, "")[:2000]
    now = int(clock.now().timestamp())
    entries = []
    for part in raw.split("~")[: MAX_ACCOUNTS * 2]:
        found = _ENTRY_RE.match(part)
        if found:
            entry = Entry(int(found[1]), found[2], int(found[3]), found[4])
            if 0 <= now - entry.issued <= _max_age_seconds():
                entries.append(entry)
    return entries


def client_for(user: User | None) -> str:
    """The id this browser is known by for ``user`` (for the throttle), "" if not known."""
    if user is None:
        return ""
    for entry in _entries():
        if entry.user_id == user.id and hmac.compare_digest(
            entry.tag, _tag(user, entry.client, entry.issued)
        ):
            return f"k{entry.client}"
    return ""


def remember(response, user: User) -> None:
    """Mark this browser as known for ``user`` (after a successful sign-in)."""
    client = secrets.token_hex(8)
    issued = int(clock.now().timestamp())
    fresh = Entry(user.id, client, issued, _tag(user, client, issued))
    others = [entry for entry in _entries() if entry.user_id != user.id]
    entries = [fresh, *others][:MAX_ACCOUNTS]
    response.set_cookie(
        COOKIE_NAME,
        "~".join(".".join(str(part) for part in entry) for entry in entries),
        max_age=_max_age_seconds(),
        path=url_for("auth.login"),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
