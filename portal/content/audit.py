"""Recording admin actions in the audit log (who, what, when, before/after).

Actions are dotted names whose first part is the area (``page.publish``,
``user.create``, ``auth.login``); the viewer filters on that prefix.
Secrets never reach the log: keys that look like passwords are dropped from
the before/after summaries, whoever passes them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from portal.content.unit_of_work import Actor, current_unit
from portal.extensions import db
from portal.models import AuditEntry, utcnow

#: Parts of key names that must never be written to the log.
SECRET_KEY_PARTS = ("password", "secret", "token")


def scrub(value: Any) -> Any:
    """``value`` without any dictionary key that looks like a secret (at any depth)."""
    if isinstance(value, dict):
        return {
            key: scrub(item) if isinstance(item, dict | list | tuple) else item
            for key, item in value.items()
            if not _is_secret_key(key)
        }
    if isinstance(value, list | tuple):
        return [scrub(item) if isinstance(item, dict | list | tuple) else item for item in value]
    return value


def _is_secret_key(key: Any) -> bool:
    if isinstance(key, str):
        return _is_secret_name(key)
    return any(part in str(key).lower() for part in SECRET_KEY_PARTS)


@lru_cache(maxsize=4096)
def _is_secret_name(key: str) -> bool:
    """Whether a key names a secret (the same few keys come back in every entry)."""
    lowered = key.lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


#: What an admin is told when a form was saved without changing anything.
NOTHING_CHANGED = "Không có gì thay đổi."


def record_change(
    action: str, *, before: dict[str, Any], after: dict[str, Any], **details: Any
) -> AuditEntry | None:
    """Record an edit only if it changed something; None (and no entry) when it did not."""
    if before == after:
        return None
    return record(action, before=before, after=after, **details)


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
    """Add an audit entry to the session; it is committed with the change it describes.

    Who made the change is ``user`` when given, else the actor of the current
    unit of work (an account, or an import with its file name), else the
    signed-in account of the request, else the system.
    """
    actor = _actor_for(user)
    entry = AuditEntry(
        user_id=actor.user_id,
        user_name=actor.name,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=summary,
        before=scrub(before) if before is not None else None,
        after=scrub(after) if after is not None else None,
        ip=actor.ip or ((request.remote_addr or "") if has_request_context() else ""),
    )
    db.session.add(entry)
    return entry


def record_many(entries: list[dict[str, Any]]) -> None:
    """Add many audit entries at once (an import's chunk of records), named after the unit's actor.

    Each entry holds the keyword arguments of :func:`record` but ``user``;
    the rows are inserted in one statement and committed with the change.
    """
    if not entries:
        return
    actor = _actor_for(None)
    ip = actor.ip or ((request.remote_addr or "") if has_request_context() else "")
    at = utcnow()
    rows = [
        {
            "at": at,
            "user_id": actor.user_id,
            "user_name": actor.name,
            "action": entry["action"],
            "subject_type": entry.get("subject_type", ""),
            "subject_id": entry.get("subject_id"),
            "summary": entry.get("summary", ""),
            "before": scrub(entry["before"]) if entry.get("before") is not None else None,
            "after": scrub(entry["after"]) if entry.get("after") is not None else None,
            "ip": ip,
        }
        for entry in entries
    ]
    db.session.execute(insert(AuditEntry), rows)


def _actor_for(user) -> Actor:
    """The actor an entry names: the given account, the unit's actor, the request's account."""
    if user is None:
        unit = current_unit()
        if unit is not None:
            return unit.actor
        user = current_user if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        return Actor.of_user(user)
    return Actor.system()
