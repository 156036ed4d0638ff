"""An account's sign-in sessions on admin screens: the list, and ending one or all.

Shared by an account's page (admins, any account) and "Tài khoản của tôi"
(everyone, their own). The browser you are using is marked and never ended
from here (signing out does that); every ending is audit-logged
(:mod:`portal.content.users`), and the browser ended is signed out on its
next request.
"""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user

from portal.content import users as accounts
from portal.models import User, UserSession
from portal.web.actor import change
from portal.web.auth import sessions

NOTHING_TO_END = "Không còn phiên đăng nhập nào khác để kết thúc."


def _current_session(user: User) -> UserSession | None:
    """The session of this browser, when ``user`` is the one signed in here."""
    return current_user.session_record if current_user.id == user.id else None


def session_list_context(user: User, end_url: str) -> dict:
    """What ``admin/users/_sessions.html`` needs to list ``user``'s sessions."""
    current = _current_session(user)
    return {
        "user_sessions": sessions.active_sessions(user.id),
        "current_session_id": current.id if current is not None else None,
        "end_sessions_url": end_url,
    }


def end_sessions(user: User) -> None:
    """End the session named in the form (``session_id``), or all others when none is."""
    current = _current_session(user)
    chosen = request.form.get("session_id", "").strip()
    if chosen:
        try:
            with change():
                accounts.end_session(user, sessions.find_active(user, chosen), current=current)
        except accounts.AccountError as refusal:
            flash(str(refusal), "error")
            return
        flash(
            "Đã kết thúc phiên đăng nhập đó: trình duyệt ấy bị đăng xuất "
            "từ lần tải trang tiếp theo."
        )
        return
    with change():
        ended = accounts.end_other_sessions(
            user, sessions.active_sessions(user.id), current=current
        )
    if not ended:
        flash(NOTHING_TO_END)
        return
    flash(
        f"Đã kết thúc {ended} phiên đăng nhập: các trình duyệt ấy bị đăng xuất "
        "từ lần tải trang tiếp theo."
    )
