"""The audit log viewer, for admins: newest first, filtered, one entry in detail."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import abort, render_template, request, url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, User
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required
from portal.web.security import is_safe_redirect

PER_PAGE = 50
#: The ``user`` filter value for entries made by nobody signed in (the system, failed sign-ins).
NOBODY = "0"


@dataclass
class Filters:
    """The viewer's filters, read from the query string."""

    user: str = ""
    action: str = ""
    subject: str = ""

    @classmethod
    def from_request(cls) -> Filters:
        return cls(
            user=request.args.get("user", "").strip(),
            action=request.args.get("action", "").strip()[:100],
            subject=request.args.get("subject", "").strip()[:60],
        )

    @property
    def active(self) -> bool:
        return bool(self.user or self.action or self.subject)

    def apply(self, query):
        if self.user == NOBODY:
            query = query.where(AuditEntry.user_id.is_(None))
        elif self.user.isdigit():
            query = query.where(AuditEntry.user_id == int(self.user))
        if self.action:
            query = query.where(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.subject:
            subject_type, _, subject_id = self.subject.partition(":")
            query = query.where(AuditEntry.subject_type == subject_type.strip())
            if subject_id.strip().isdigit():
                query = query.where(AuditEntry.subject_id == int(subject_id))
        return query

    def query_string(self, **extra) -> str:
        values = {"user": self.user, "action": self.action, "subject": self.subject, **extra}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


@bp.get("/audit")
@roles_required(*SITE_ADMINS)
def audit_log():
    filters = Filters.from_request()
    total = db.session.scalar(filters.apply(select(func.count()).select_from(AuditEntry)))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    entries = list(
        db.session.scalars(
            filters.apply(select(AuditEntry))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    users = list(db.session.scalars(select(User).order_by(User.name)))
    areas = sorted(
        {
            action.split(".", 1)[0]
            for action in db.session.scalars(select(AuditEntry.action).distinct())
        }
    )
    base = url_for("admin.audit_log")

    def page_url(number: int) -> str:
        query = filters.query_string(page=number if number > 1 else None)
        return f"{base}?{query}" if query else base

    return render_template(
        "admin/audit/list.html",
        entries=entries,
        filters=filters,
        users=users,
        areas=areas,
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
        nobody=NOBODY,
    )


#: Names for the keys the portal itself writes into before/after summaries.
KEY_LABELS = {
    "name": "Họ và tên",
    "email": "Thư điện tử",
    "role": "Vai trò",
    "active": "Đang hoạt động",
    "initial_credential": "Mật khẩu ban đầu",
    "new_credential": "Mật khẩu mới",
    "title": "Tiêu đề",
    "kind": "Loại trang",
    "path": "Đường dẫn",
    "parent_id": "Trang cha (số)",
    "category_id": "Chuyên mục (số)",
    "layout": "Bố cục",
    "blocked_regions": "Vùng chặn kế thừa",
    "blocks": "Các khối (vùng:khối)",
    "block": "Khối",
    "region": "Vùng",
    "position": "Vị trí",
    "hidden": "Đang ẩn",
    "settings": "Cấu hình",
    "revision": "Phiên bản",
    "changes": "Thay đổi",
    "document": "Bố trí trang",
}


@dataclass
class Change:
    """One key of an entry's before/after summary, as text for the detail view."""

    key: str
    before: str | None
    after: str | None

    @property
    def label(self) -> str:
        return KEY_LABELS.get(self.key, "")

    @property
    def changed(self) -> bool:
        return self.before != self.after

    #: True when a side holds nested data, shown as indented JSON.
    structured: bool = False


def readable(value: Any) -> str:
    """A stored value as an editor would read it."""
    if value is None:
        return "—"
    if value is True:
        return "có"
    if value is False:
        return "không"
    if isinstance(value, list) and not _nested(value):
        if not value:
            return "(trống)"
        # Short names side by side; sentences one per line.
        separator = "\n" if any(" " in str(item) for item in value) else ", "
        return separator.join(str(item) for item in value)
    if _nested(value):
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return str(value)


def _nested(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(item, dict | list) for item in value)
    )


def changes_of(entry: AuditEntry) -> list[Change]:
    """Every key of the before/after summaries, in a stable order; missing sides are None."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(before) + [key for key in after if key not in before]
    return [
        Change(
            key=str(key),
            before=readable(before[key]) if key in before else None,
            after=readable(after[key]) if key in after else None,
            structured=_nested(before.get(key)) or _nested(after.get(key)),
        )
        for key in keys
    ]


@bp.get("/audit/<int:entry_id>")
@roles_required(*SITE_ADMINS)
def audit_entry(entry_id: int):
    entry = db.session.get(AuditEntry, entry_id) or abort(404)
    return render_template(
        "admin/audit/detail.html",
        entry=entry,
        changes=changes_of(entry),
        has_before=entry.before is not None,
        has_after=entry.after is not None,
        back=request.referrer if _is_audit_list(request.referrer) else url_for("admin.audit_log"),
    )


def _is_audit_list(referrer: str | None) -> bool:
    """Go back to the filtered list the admin came from, but only to our own list."""
    if not referrer or not is_safe_redirect(referrer):
        return False
    return urlsplit(referrer).path == url_for("admin.audit_log")
