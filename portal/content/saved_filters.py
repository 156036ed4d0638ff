"""Filter sets an account saved under a name for an admin list (``SavedFilter``).

A saved filter is the list's query string without its paging: opening it is
opening the list with those filters and that sort. Each account has its own;
nobody sees another's. Preferences, not content: no audit entry, no event.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select

from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import SavedFilter

#: Query parameters that choose a page, not what is listed: never saved.
PAGING = frozenset({"page", "sau", "truoc", "cuoi"})
MAX_NAME = 100
MAX_PER_SCREEN = 50


class SavedFilterError(ValueError):
    """A filter that cannot be saved as asked; the message is for the user."""


def saved_filters(user, screen: str) -> list[SavedFilter]:
    """The account's saved filters for ``screen``, by name."""
    return list(
        db.session.scalars(
            select(SavedFilter)
            .where(SavedFilter.user_id == user.id, SavedFilter.screen == screen)
            .order_by(SavedFilter.name, SavedFilter.id)
        )
    )


def without_paging(query: str) -> str:
    """``query`` (a query string) without the parameters of paging, empty values dropped."""
    pairs = [(k, v) for k, v in parse_qsl(query or "") if k not in PAGING and v != ""]
    return urlencode(pairs)[:2000]


def save_filter(user, screen: str, name: str, query: str) -> SavedFilter:
    """Save ``query`` as ``name``; a filter of the same name is replaced (saved again)."""
    require_unit("Saving a filter")
    name = " ".join((name or "").split())
    if not name:
        raise SavedFilterError("Hãy đặt tên cho bộ lọc.")
    if len(name) > MAX_NAME:
        raise SavedFilterError(f"Tên bộ lọc tối đa {MAX_NAME} ký tự.")
    query = without_paging(query)
    if not query:
        raise SavedFilterError(
            "Chưa có bộ lọc nào để lưu: hãy chọn bộ lọc hoặc cách sắp xếp trước."
        )
    existing = {saved.name: saved for saved in saved_filters(user, screen)}
    saved = existing.get(name)
    if saved is None:
        if len(existing) >= MAX_PER_SCREEN:
            raise SavedFilterError(
                f"Bạn đã lưu {MAX_PER_SCREEN} bộ lọc; hãy xóa bớt trước khi lưu thêm."
            )
        saved = SavedFilter(user_id=user.id, screen=screen, name=name)
        db.session.add(saved)
    saved.query = query
    db.session.flush()
    return saved


def delete_filter(user, filter_id: int) -> SavedFilter | None:
    """Delete the account's saved filter ``filter_id``; None when it has no such filter."""
    require_unit("Deleting a saved filter")
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != user.id:
        return None
    db.session.delete(saved)
    db.session.flush()
    return saved
