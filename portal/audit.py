"""Recording admin actions in the audit log (who, what, when, before/after)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEntry


def record(
    action: str,
    *,
    subject_type: str = "",
    subject_id: int | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    user=None,
) -> AuditEntry:
    """Add an audit entry to the session; it is committed with the change it describes."""
    user = user if user is not None else (current_user if has_request_context() else None)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    entry = AuditEntry(
        user_id=user.id if signed_in else None,
        user_name=f"{user.name} <{user.email}>" if signed_in else "(hệ thống)",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=summary,
        before=before,
        after=after,
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry
