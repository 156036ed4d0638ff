"""An account's sign-in sessions on admin screens: the list, and ending one or all.

Shared by an account's page (admins, any account) and "Tài khoản của tôi"
(everyone, their own). The browser you are using is marked and never ended
from here (signing out does that); every ending is audit-logged, and the
browser ended is signed out on its next request.
"""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user

from portal.content import audit
from portal.extensions import db
from portal.models import User, UserSession
from portal.web.auth import clock, sessions

ALREADY_ENDED = "Phiên đăng nhập này đã kết thúc từ trước; không có gì thay đổi."
IS_CURRENT = "Đây là phiên bạn đang dùng. Muốn kết thúc nó, hãy bấm “Đăng xuất”."
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


def describe(record: UserSession) -> dict:
    """What the audit log keeps of an ended session (never its token or hash)."""
    return {
        "browser": record.user_agent,
        "ip": record.ip,
        "started": record.created_at.isoformat(timespec="seconds"),
    }


def end_sessions(user: User) -> None:
    """End the session named in the form (``session_id``), or all others when none is."""
    current = _current_session(user)
    chosen = request.form.get("session_id", "").strip()
    if chosen:
        valid_id = chosen.isdigit() and len(chosen) <= 9
        record = db.session.get(UserSession, int(chosen)) if valid_id else None
        if (
            record is None
            or record.user_id != user.id
            or sessions.expires_at(record) <= clock.now()
        ):
            flash(ALREADY_ENDED, "error")
            return
        if current is not None and record.id == current.id:
            flash(IS_CURRENT, "error")
            return
        audit.record(
            "user.session_end",
            subject_type="user",
            subject_id=user.id,
            summary=f"Kết thúc một phiên đăng nhập của {user.email} "
            f"({record.user_agent}, {record.ip or 'không rõ địa chỉ'})",
            before=describe(record),
        )
        sessions.end(record)
        db.session.commit()
        flash(
            "Đã kết thúc phiên đăng nhập đó: trình duyệt ấy bị đăng xuất "
            "từ lần tải trang tiếp theo."
        )
        return
    ending = [
        record
        for record in sessions.active_sessions(user.id)
        if current is None or record.id != current.id
    ]
    if not ending:
        flash(NOTHING_TO_END)
        return
    audit.record(
        "user.sessions_end",
        subject_type="user",
        subject_id=user.id,
        summary=f"Kết thúc {len(ending)} phiên đăng nhập của {user.email}"
        + (" (trừ phiên đang dùng)" if current is not None else ""),
        before={"sessions": [describe(record) for record in ending]},
    )
    sessions.end_all(user.id, keep=current)
    db.session.commit()
    flash(
        f"Đã kết thúc {len(ending)} phiên đăng nhập: các trình duyệt ấy bị đăng xuất "
        "từ lần tải trang tiếp theo."
    )
