"""Old addresses of the site: where they went (301) or that they are gone (410).

Readers following an old link (a category renamed, a page moved, an address an
admin retired) get a permanent redirect to where the content lives now, or a
clear "gone" page. The rows are kept here, by every writer:

* the content layer adds one when an address changes: a category's slug
  (:func:`portal.content.categories.edit`) or a page's path
  (:func:`portal.content.pages.update_properties`). An article needs none: its
  address carries its id (``/bai-viet/<id>-<slug>``) and an outdated slug or
  language already redirects to the current address;
* admins add, change and delete them in the admin (``/admin/redirects``).

Rules: an old path is a path of this site (``/...``), never the home page, and
has one row; the target is a path of this site or an ``http(s)://`` address,
never the old path itself. Chains are collapsed, so a reader is sent once to
the final address (``A→B`` then ``B→C`` keeps ``A→C`` and ``B→C``); a change
that would make a loop is refused with :class:`RedirectError`. An address that
is live again (a page moved back) loses its row.

The reader's 404 handler looks a path up (:func:`find`) only when nothing else
answered it: a normal page costs no query. Every change is audited and
announces a ``redirect`` content event tagged ``path:<old path>``
(:func:`portal.content.tags.path`), which purges the cached copies of that
address (kept pages, a caching proxy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import func, or_, select

from portal.content import audit
from portal.content import tags as tag_names
from portal.content.events import ContentEvent, content_changed
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import REDIRECT_STATUSES, Redirect
from portal.models.redirects import REDIRECT_PATH_LENGTH

MOVED = 301
GONE = 410
STATUS_LABELS = {MOVED: "301 – Đã chuyển", GONE: "410 – Đã gỡ bỏ"}
ORIGIN_LABELS = {
    "manual": "Quản trị viên",
    "category": "Đổi đường dẫn chuyên mục",
    "page": "Đổi đường dẫn trang",
}
#: Subject of a redirect's content event.
SUBJECT = "redirect"
_BAD_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")
#: Longest chain followed when checking a target (rows are kept collapsed: 1 step).
MAX_HOPS = 20


class RedirectError(ValueError):
    """A redirect that breaks a rule; ``field`` names the field. Nothing was changed."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RedirectFields:
    """What an admin types: old path, status (301/410), target (for 301), note."""

    old_path: str
    status: int = MOVED
    new_path: str = ""
    note: str = ""


# -- paths --------------------------------------------------------------------------------


def normalize_path(path: str) -> str:
    """``path`` as it is kept and looked up: percent escapes decoded, no trailing "/"."""
    path = unquote((path or "").strip())
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


def path_problem(path: str) -> str | None:
    """Why ``path`` (normalized) cannot be an old address, or None."""
    if not path:
        return "Hãy nhập đường dẫn cũ, ví dụ /gioi-thieu-cu."
    if not path.startswith("/") or path.startswith("//"):
        return "Đường dẫn cũ phải bắt đầu bằng một dấu “/”, ví dụ /gioi-thieu-cu."
    if path == "/":
        return "Không thể chuyển hướng trang chủ."
    if _BAD_CHARACTERS.search(path) or "?" in path or "#" in path:
        return "Đường dẫn không được chứa dấu cách, “?”, “#” hay ký tự điều khiển."
    if len(path) > REDIRECT_PATH_LENGTH:
        return f"Đường dẫn dài tối đa {REDIRECT_PATH_LENGTH} ký tự."
    return None


def route_path(endpoint: str, **values) -> str:
    """The path of a reader route (``reader.category``, slug=...) as readers ask for it:
    without the script root, unquoted (what ``request.path`` is)."""
    adapter = current_app.url_map.bind("localhost")
    return unquote(adapter.build(endpoint, values))


def category_path(slug: str, language: str) -> str:
    """``/chuyen-muc/<slug>``, or ``/en/category/<slug>`` for an English category."""
    endpoint = "reader.english_category" if language == "en" else "reader.category"
    return route_path(endpoint, slug=slug)


def is_local(target: str) -> bool:
    return target.startswith("/") and not target.startswith("//")


def normalize_target(target: str) -> str:
    target = (target or "").strip()
    return normalize_path(target) if is_local(target) else target


def target_problem(target: str) -> str | None:
    """Why ``target`` (normalized) cannot be where an old address goes, or None."""
    if not target:
        return "Hãy nhập địa chỉ mới, ví dụ /gioi-thieu."
    if len(target) > REDIRECT_PATH_LENGTH:
        return f"Địa chỉ mới dài tối đa {REDIRECT_PATH_LENGTH} ký tự."
    if is_local(target):
        if _BAD_CHARACTERS.search(target):
            return "Địa chỉ mới không được chứa dấu cách hay ký tự điều khiển."
        return None
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return (
            "Địa chỉ mới phải bắt đầu bằng “/” (một trang của trang web) "
            "hoặc https:// (trang web khác)."
        )
    if _BAD_CHARACTERS.search(target):
        return "Địa chỉ mới không được chứa dấu cách hay ký tự điều khiển."
    return None


# -- reading ----------------------------------------------------------------------------


def find(path: str) -> Redirect | None:
    """The redirect of ``path`` (as a reader asked for it), or None: one indexed query."""
    path = normalize_path(path)
    if path_problem(path) is not None:
        return None
    return db.session.scalar(select(Redirect).where(Redirect.old_path == path))


def search(text: str = "", *, limit: int = 50, offset: int = 0) -> tuple[list[Redirect], int]:
    """Redirects whose old or new address holds ``text``, newest change first; and how many."""
    query = select(Redirect)
    text = (text or "").strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Redirect.old_path.ilike(pattern, escape="\\"),
                Redirect.new_path.ilike(pattern, escape="\\"),
                Redirect.note.ilike(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Redirect.updated_at.desc(), Redirect.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


def _by_old_path(path: str) -> Redirect | None:
    return db.session.scalar(select(Redirect).where(Redirect.old_path == path))


def _pointing_at(path: str) -> list[Redirect]:
    return list(
        db.session.scalars(
            select(Redirect).where(Redirect.new_path == path, Redirect.status == MOVED)
        )
    )


def summary(redirect: Redirect) -> dict:
    return {
        "old_path": redirect.old_path,
        "new_path": redirect.new_path,
        "status": redirect.status,
        "note": redirect.note,
        "origin": redirect.origin,
    }


# -- changing ---------------------------------------------------------------------------


def redirect_event(action: str, redirect_id: int | None, paths) -> ContentEvent:
    """Addresses whose answer changed: every cached copy of them goes."""
    return ContentEvent(
        action, SUBJECT, redirect_id, frozenset(tag_names.path(path) for path in paths if path)
    )


def _final(target: str, *, starting_at: str) -> tuple[int, str]:
    """Where ``target`` ends up following the kept redirects: (status, address).

    Raises :class:`RedirectError` when the chain comes back to ``starting_at``.
    """
    status, seen, first = MOVED, {starting_at}, target
    for _hop in range(MAX_HOPS):
        if not is_local(target):
            return status, target
        if target in seen:
            raise RedirectError(
                f"Chuyển hướng này tạo thành vòng lặp: {first} đang được chuyển hướng "
                f"về {starting_at}.",
                field="new_path",
            )
        seen.add(target)
        row = _by_old_path(target)
        if row is None:
            return status, target
        if row.status == GONE:
            return GONE, ""
        target = row.new_path
    raise RedirectError("Chuỗi chuyển hướng quá dài; hãy kiểm tra lại.", field="new_path")


def _checked(fields: RedirectFields, current: Redirect | None) -> tuple[str, int, str, str]:
    old = normalize_path(fields.old_path)
    problem = path_problem(old)
    if problem is not None:
        raise RedirectError(problem, field="old_path")
    if fields.status not in REDIRECT_STATUSES:
        raise RedirectError("Hãy chọn kiểu chuyển hướng trong danh sách.", field="status")
    note = " ".join((fields.note or "").split())
    if len(note) > 300:
        raise RedirectError("Ghi chú dài tối đa 300 ký tự.", field="note")
    other = _by_old_path(old)
    if other is not None and (current is None or other.id != current.id):
        raise RedirectError(
            f"Đường dẫn {old} đã có chuyển hướng (tới {other.new_path or 'trang đã gỡ bỏ'}); "
            "hãy sửa chuyển hướng đó.",
            field="old_path",
        )
    if fields.status == GONE:
        return old, GONE, "", note
    new = normalize_target(fields.new_path)
    problem = target_problem(new)
    if problem is not None:
        raise RedirectError(problem, field="new_path")
    if new == old:
        raise RedirectError("Địa chỉ mới trùng với đường dẫn cũ.", field="new_path")
    status, final = _final(new, starting_at=old)
    return old, status, final, note


def _repoint(old: str, status: int, target: str) -> set[str]:
    """Rows that led to ``old`` now lead where it goes (chains collapsed); their paths."""
    touched: set[str] = set()
    for row in _pointing_at(old):
        if row.old_path == target:  # it would point at itself: that address is the target now
            db.session.delete(row)
        else:
            row.status, row.new_path = status, target
        touched.add(row.old_path)
    return touched


def add(fields: RedirectFields, *, origin: str = "manual") -> Redirect:
    """A new redirect; refused (:class:`RedirectError`) when it breaks a rule."""
    require_unit("Adding a redirect")
    old, status, target, note = _checked(fields, None)
    redirect = Redirect(old_path=old, status=status, new_path=target, note=note, origin=origin)
    db.session.add(redirect)
    touched = _repoint(old, status, target)
    db.session.flush()
    audit.record(
        "redirect.create",
        subject_type="redirect",
        subject_id=redirect.id,
        summary=f"Thêm chuyển hướng {old} → {target or '410'}",
        after=summary(redirect),
    )
    content_changed(redirect_event("created", redirect.id, {old, *touched}))
    return redirect


def update(redirect: Redirect, fields: RedirectFields) -> bool:
    """Change a redirect; False when nothing changed."""
    require_unit("Changing a redirect")
    before = summary(redirect)
    old, status, target, note = _checked(fields, redirect)
    previous_old = redirect.old_path
    redirect.old_path, redirect.status, redirect.new_path, redirect.note = old, status, target, note
    if summary(redirect) == before:
        return False
    redirect.origin = "manual" if before["origin"] == "manual" else redirect.origin
    db.session.flush()
    touched = _repoint(old, status, target)
    audit.record(
        "redirect.update",
        subject_type="redirect",
        subject_id=redirect.id,
        summary=f"Sửa chuyển hướng {old} → {target or '410'}",
        before=before,
        after=summary(redirect),
    )
    content_changed(redirect_event("edited", redirect.id, {previous_old, old, *touched}))
    return True


def delete(redirect: Redirect) -> str:
    """Delete a redirect; returns its old path (the address answers 404 again)."""
    require_unit("Deleting a redirect")
    old, redirect_id = redirect.old_path, redirect.id
    audit.record(
        "redirect.delete",
        subject_type="redirect",
        subject_id=redirect_id,
        summary=f"Xóa chuyển hướng {old}",
        before=summary(redirect),
    )
    db.session.delete(redirect)
    db.session.flush()
    content_changed(redirect_event("deleted", redirect_id, {old}))
    return old


def address_moved(old: str, new: str, *, origin: str, note: str = "") -> Redirect | None:
    """The content layer moved something from ``old`` to ``new`` (both paths of this site).

    ``new`` is live now, so a redirect away from it goes; what led to ``old``
    leads to ``new``; and ``old`` redirects to ``new`` (its row is replaced if
    it had one). Returns the row of ``old`` (None when the two are the same).
    """
    require_unit("Keeping redirects of a moved address")
    old, new = normalize_path(old), normalize_path(new)
    if old == new or path_problem(old) is not None:
        return None
    touched = {old, new}
    live_again = _by_old_path(new)
    if live_again is not None:
        db.session.delete(live_again)
    row = _by_old_path(old)
    if row is None:
        row = Redirect(old_path=old, origin=origin)
        db.session.add(row)
    row.status, row.new_path, row.note = MOVED, new, note
    db.session.flush()
    touched |= _repoint(old, MOVED, new)
    db.session.flush()
    audit.record(
        "redirect.create",
        subject_type="redirect",
        subject_id=row.id,
        summary=f"Tự động chuyển hướng {old} → {new}",
        after=summary(row),
    )
    content_changed(redirect_event("created", row.id, touched))
    return row
