"""Changing menus: the draft items, publishing, discarding the draft, undoing a publication.

Every function here runs in a ``unit_of_work(actor)`` (joining the caller's
when there is one) and records an audit entry; publishing and undoing also
announce a content event that purges the cached menu blocks (data set
``menus``). Refusals raise :class:`MenuError` with a message for the editor,
and change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from portal import (
    Actor,
    ContentEvent,
    content_changed,
    db,
    record_audit,
    unit_of_work,
)

from .models import KINDS, Menu, MenuEntry, MenuVersion
from .targets import Resolver, follows_target_name, is_web_address, shown_label

#: The cache tag of everything drawn from published menus (``CachePolicy(data_sets={"menus"})``).
DATA_SET = "menus"
#: Items nest two levels deep at most: top-level items and their children.
MAX_DEPTH = 2
MAX_LABEL = 200
MAX_URL = 500
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class MenuError(ValueError):
    """A change an editor asked for that cannot be made; the message says why (Vietnamese)."""


@dataclass
class DraftNode:
    """A draft item with its children, in menu order."""

    entry: MenuEntry
    children: list[DraftNode] = field(default_factory=list)


# Reading ---------------------------------------------------------------------


def all_menus() -> list[Menu]:
    return list(db.session.scalars(db.select(Menu).order_by(Menu.slug)))


def find_menu(slug: str) -> Menu | None:
    return db.session.scalar(db.select(Menu).where(Menu.slug == slug))


def draft_tree(menu: Menu) -> list[DraftNode]:
    """The menu's draft items as a tree (top level, then children), by position."""
    entries = list(
        db.session.scalars(
            db.select(MenuEntry)
            .where(MenuEntry.menu_id == menu.id)
            .order_by(MenuEntry.position, MenuEntry.id)
        )
    )
    nodes = {entry.id: DraftNode(entry) for entry in entries}
    roots: list[DraftNode] = []
    for entry in entries:
        parent = nodes.get(entry.parent_id) if entry.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[entry.id])
    return roots


def snapshot(menu: Menu) -> list[dict]:
    """The draft as published versions store it (JSON: label, kind, target, children)."""

    def item(node: DraftNode) -> dict:
        entry = node.entry
        return {
            "label": entry.label,
            "kind": entry.kind,
            "target_id": entry.target_id,
            "url": entry.url,
            "new_tab": entry.new_tab,
            "children": [item(child) for child in node.children],
        }

    return [item(node) for node in draft_tree(menu)]


def current_version(menu: Menu) -> MenuVersion | None:
    """The version readers see: the newest one not withdrawn (None: never published)."""
    return db.session.scalar(
        db.select(MenuVersion)
        .where(MenuVersion.menu_id == menu.id, MenuVersion.withdrawn.is_(False))
        .order_by(MenuVersion.number.desc())
        .limit(1)
    )


def previous_version(menu: Menu) -> MenuVersion | None:
    """The version "undo" would bring back (the one before the current), or None."""
    current = current_version(menu)
    if current is None:
        return None
    return db.session.scalar(
        db.select(MenuVersion)
        .where(
            MenuVersion.menu_id == menu.id,
            MenuVersion.withdrawn.is_(False),
            MenuVersion.number < current.number,
        )
        .order_by(MenuVersion.number.desc())
        .limit(1)
    )


def has_unpublished_changes(menu: Menu) -> bool:
    current = current_version(menu)
    return snapshot(menu) != (current.items if current is not None else [])


def _published_statement():
    """Each menu's slug and the items of its newest version not withdrawn.

    Written on the tables (a Core statement): readers' pages run it on every request
    (caches off) and want two columns, not ORM rows.
    """
    menus, versions = Menu.__table__.c, MenuVersion.__table__.c
    newest = (
        db.select(versions.menu_id, db.func.max(versions.number).label("number"))
        .where(versions.withdrawn.is_(False))
        .group_by(versions.menu_id)
        .subquery()
    )
    return (
        db.select(menus.slug, versions["items"])
        .join_from(Menu.__table__, MenuVersion.__table__, versions.menu_id == menus.id)
        .join(
            newest,
            (newest.c.menu_id == versions.menu_id) & (newest.c.number == versions.number),
        )
    )


#: Built once per process: readers' pages run it on every request (caches off).
_PUBLISHED = _published_statement()


def published_menus() -> dict[str, list[dict]]:
    """Every published menu's items by slug, in one query (readers' side)."""
    return {slug: items for slug, items in db.session.execute(_PUBLISHED)}


def missing_targets(menu: Menu) -> set[int]:
    """Ids of draft items whose target no longer exists (shown with a warning in the admin)."""
    nodes = [node for root in draft_tree(menu) for node in (root, *root.children)]
    resolver = Resolver([{"kind": n.entry.kind, "target_id": n.entry.target_id} for n in nodes])
    return {
        node.entry.id
        for node in nodes
        if resolver.url_of(
            {"kind": node.entry.kind, "target_id": node.entry.target_id, "url": node.entry.url}
        )
        is None
    }


# Checking what an editor typed -----------------------------------------------


def checked_item(*, label: str, kind: str, target_id: int | None, url: str, new_tab: bool) -> dict:
    """The item's fields cleaned, or :class:`MenuError` saying what is wrong."""
    label = " ".join((label or "").split())
    url = (url or "").strip()
    if not label and not follows_target_name(kind):
        raise MenuError(
            "Hãy nhập nhãn của mục (chữ hiện trên trình đơn); chỉ mục dẫn tới chuyên mục, "
            "trang hoặc thẻ mới được để trống nhãn."
        )
    if len(label) > MAX_LABEL:
        raise MenuError(f"Nhãn không được dài quá {MAX_LABEL} ký tự.")
    if kind not in KINDS:
        raise MenuError(
            "Hãy chọn mục đích của mục: chuyên mục, trang, thẻ, trang chức năng hoặc liên kết ngoài."
        )
    if kind in ("category", "page", "tag"):
        if target_id is None:
            raise MenuError("Hãy chọn mục đích của mục trong danh sách.")
        url = ""
    else:
        target_id = None
        if kind == "external" and not is_web_address(url):
            raise MenuError(
                "Liên kết ngoài phải là địa chỉ đầy đủ bắt đầu bằng http:// hoặc https:// "
                "(ví dụ https://chinhphu.vn)."
            )
        if kind == "plugin" and not (url.startswith("/") and not url.startswith("//")):
            raise MenuError("Hãy chọn một trang chức năng trong danh sách.")
        if len(url) > MAX_URL:
            raise MenuError(f"Địa chỉ không được dài quá {MAX_URL} ký tự.")
    return {
        "label": label,
        "kind": kind,
        "target_id": target_id,
        "url": url,
        "new_tab": bool(new_tab) and kind == "external",
    }


def _describe(entry: MenuEntry) -> dict:
    return {
        "label": entry.label,
        "kind": entry.kind,
        "target_id": entry.target_id,
        "url": entry.url,
        "new_tab": entry.new_tab,
        "parent_id": entry.parent_id,
    }


def _siblings(menu: Menu, parent_id: int | None) -> list[MenuEntry]:
    """The items under ``parent_id`` (None: the top level), in menu order."""
    under = MenuEntry.parent_id.is_(None) if parent_id is None else MenuEntry.parent_id == parent_id
    return list(
        db.session.scalars(
            db.select(MenuEntry)
            .where(MenuEntry.menu_id == menu.id, under)
            .order_by(MenuEntry.position, MenuEntry.id)
        )
    )


def _renumber(entries: list[MenuEntry]) -> None:
    for position, entry in enumerate(entries):
        entry.position = position


def _has_children(entry: MenuEntry) -> bool:
    return (
        db.session.scalar(
            db.select(db.func.count()).select_from(MenuEntry).where(MenuEntry.parent_id == entry.id)
        )
        > 0
    )


def entry_of(menu: Menu, entry_id: int) -> MenuEntry:
    entry = db.session.get(MenuEntry, entry_id)
    if entry is None or entry.menu_id != menu.id:
        raise MenuError("Mục này không còn trong trình đơn (có thể vừa bị xóa). Hãy tải lại trang.")
    return entry


# Changing the draft ----------------------------------------------------------


def _audit_item(action: str, menu: Menu, summary: str, *, before=None, after=None) -> None:
    """Record a change of the draft of ``menu`` (``summary`` says what, in words)."""
    record_audit(
        f"menu.item_{action}",
        subject_type="menu",
        subject_id=menu.id,
        summary=f"{summary} bản nháp trình đơn “{menu.title}”",
        before=before,
        after=after,
    )


def create_menu(actor: Actor, *, slug: str, title: str) -> Menu:
    slug = (slug or "").strip().lower()
    title = " ".join((title or "").split())
    if not SLUG_RE.match(slug):
        raise MenuError(
            "Mã trình đơn chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang "
            "(ví dụ: header, footer), tối đa 60 ký tự."
        )
    if not title:
        raise MenuError("Hãy nhập tên trình đơn.")
    if len(title) > MAX_LABEL:
        raise MenuError(f"Tên trình đơn không được dài quá {MAX_LABEL} ký tự.")
    with unit_of_work(actor):
        if find_menu(slug) is not None:
            raise MenuError(f"Đã có trình đơn mã “{slug}”. Hãy chọn mã khác.")
        menu = Menu(slug=slug, title=title)
        db.session.add(menu)
        db.session.flush()
        record_audit(
            "menu.create",
            subject_type="menu",
            subject_id=menu.id,
            summary=f"Tạo trình đơn “{title}” ({slug})",
            after={"slug": slug, "title": title},
        )
    return menu


def add_item(actor: Actor, menu: Menu, *, parent_id: int | None = None, **fields) -> MenuEntry:
    """Add an item at the end of the top level (or of ``parent_id``'s children)."""
    clean = checked_item(**fields)
    with unit_of_work(actor):
        if parent_id is not None:
            parent = entry_of(menu, parent_id)
            if parent.parent_id is not None:
                raise MenuError("Trình đơn chỉ có hai cấp: không thể thêm mục con vào một mục con.")
        entry = MenuEntry(
            menu_id=menu.id,
            parent_id=parent_id,
            position=len(_siblings(menu, parent_id)),
            **clean,
        )
        db.session.add(entry)
        db.session.flush()
        _audit_item("add", menu, f"Thêm mục “{shown_label(entry)}” vào", after=_describe(entry))
    return entry


def update_item(actor: Actor, menu: Menu, entry_id: int, **fields) -> MenuEntry:
    clean = checked_item(**fields)
    with unit_of_work(actor):
        entry = entry_of(menu, entry_id)
        before = _describe(entry)
        for name, value in clean.items():
            setattr(entry, name, value)
        _audit_item(
            "edit",
            menu,
            f"Sửa mục “{shown_label(entry)}” trong",
            before=before,
            after=_describe(entry),
        )
    return entry


def delete_item(actor: Actor, menu: Menu, entry_id: int) -> str:
    """Delete an item and its children; the label, for the message."""
    with unit_of_work(actor):
        entry = entry_of(menu, entry_id)
        label, parent_id = shown_label(entry), entry.parent_id
        before = _describe(entry)
        for child in _siblings(menu, entry.id):
            db.session.delete(child)
        db.session.delete(entry)
        db.session.flush()
        _renumber(_siblings(menu, parent_id))
        _audit_item("delete", menu, f"Xóa mục “{label}” khỏi", before=before)
    return label


#: The moves of the keyboard buttons, and what the audit log calls them.
MOVES = {"up": "lên", "down": "xuống", "indent": "thụt vào", "outdent": "ra ngoài"}


def move_item(actor: Actor, menu: Menu, entry_id: int, direction: str) -> MenuEntry:
    """Move an item one step: up, down, in (under the item above) or out (after its parent)."""
    if direction not in MOVES:
        raise MenuError("Không rõ cách di chuyển mục.")
    with unit_of_work(actor):
        entry = entry_of(menu, entry_id)
        before = _describe(entry)
        siblings = _siblings(menu, entry.parent_id)
        move = {"up": _step, "down": _step, "indent": _indent, "outdent": _outdent}[direction]
        move(menu, entry, siblings, direction)
        db.session.flush()
        _audit_item(
            "move",
            menu,
            f"Chuyển mục “{shown_label(entry)}” {MOVES[direction]} trong",
            before=before,
            after=_describe(entry),
        )
    return entry


def _step(menu: Menu, entry: MenuEntry, siblings: list[MenuEntry], direction: str) -> None:
    """Swap the item with the one above (``up``) or below (``down``) it."""
    index = siblings.index(entry)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        end = "đầu" if direction == "up" else "cuối"
        raise MenuError(
            f"“{shown_label(entry)}” đã ở {end} danh sách, không thể chuyển {MOVES[direction]} nữa."
        )
    siblings[index], siblings[other] = siblings[other], siblings[index]
    _renumber(siblings)


def _indent(menu: Menu, entry: MenuEntry, siblings: list[MenuEntry], _direction: str) -> None:
    """Make the item the last child of the item above it."""
    index = siblings.index(entry)
    if entry.parent_id is not None:
        raise MenuError("Trình đơn chỉ có hai cấp: mục con không thể thụt vào thêm.")
    if index == 0:
        raise MenuError(
            f"“{shown_label(entry)}” là mục đầu tiên: không có mục nào ở trên để thụt vào trong."
        )
    if _has_children(entry):
        raise MenuError(
            f"“{shown_label(entry)}” có mục con: trình đơn chỉ có hai cấp, "
            "hãy đưa các mục con ra ngoài trước."
        )
    new_parent = siblings[index - 1]
    siblings.pop(index)
    _renumber(siblings)
    entry.parent_id = new_parent.id
    entry.position = len(_siblings(menu, new_parent.id))


def _outdent(menu: Menu, entry: MenuEntry, siblings: list[MenuEntry], _direction: str) -> None:
    """Take a child out of its parent, to just after the parent."""
    if entry.parent_id is None:
        raise MenuError(f"“{shown_label(entry)}” đã ở cấp ngoài cùng.")
    parent = entry_of(menu, entry.parent_id)
    siblings.remove(entry)
    _renumber(siblings)
    top = _siblings(menu, None)
    entry.parent_id = None
    top.insert(top.index(parent) + 1, entry)
    _renumber(top)


def arrange(actor: Actor, menu: Menu, order: object) -> None:
    """Put the draft in the order given by drag and drop: ``[{"id": 1, "children": [2, 3]}, ...]``.

    Every item of the menu must appear exactly once and two levels at most;
    otherwise nothing changes.
    """
    problem = "Thứ tự gửi lên không khớp với bản nháp (có thể ai đó vừa sửa). Hãy tải lại trang."
    if not isinstance(order, list):
        raise MenuError(problem)
    with unit_of_work(actor):
        entries = {
            entry.id: entry
            for entry in db.session.scalars(
                db.select(MenuEntry).where(MenuEntry.menu_id == menu.id)
            )
        }
        seen: list[int] = []
        plan: list[tuple[int, int | None, int]] = []
        for position, node in enumerate(order):
            if not isinstance(node, dict) or not isinstance(node.get("id"), int):
                raise MenuError(problem)
            children = node.get("children") or []
            if not isinstance(children, list):
                raise MenuError(problem)
            plan.append((node["id"], None, position))
            seen.append(node["id"])
            for child_position, child in enumerate(children):
                if isinstance(child, dict):
                    if child.get("children"):
                        raise MenuError(
                            "Trình đơn chỉ có hai cấp: không thể đặt mục con vào một mục con."
                        )
                    child = child.get("id")
                if not isinstance(child, int):
                    raise MenuError(problem)
                plan.append((child, node["id"], child_position))
                seen.append(child)
        if sorted(seen) != sorted(entries) or len(set(seen)) != len(seen):
            raise MenuError(problem)
        before = snapshot(menu)
        for entry_id, parent_id, position in plan:
            entries[entry_id].parent_id = parent_id
            entries[entry_id].position = position
        db.session.flush()
        record_audit(
            "menu.arrange",
            subject_type="menu",
            subject_id=menu.id,
            summary=f"Sắp xếp lại bản nháp trình đơn “{menu.title}”",
            before={"items": before},
            after={"items": snapshot(menu)},
        )


# Publishing -------------------------------------------------------------------


def _announce(action: str, menu: Menu) -> None:
    content_changed(
        ContentEvent(action, "menu", menu.id, frozenset({f"data:{DATA_SET}", f"menu:{menu.slug}"}))
    )


def publish(actor: Actor, menu: Menu) -> MenuVersion:
    """Readers see the draft from now on (a new version); the previous one is kept for undo."""
    with unit_of_work(actor):
        items = snapshot(menu)
        current = current_version(menu)
        if current is not None and current.items == items:
            raise MenuError("Bản nháp giống hệt bản đang hiển thị: không có gì để xuất bản.")
        number = (
            db.session.scalar(
                db.select(db.func.max(MenuVersion.number)).where(MenuVersion.menu_id == menu.id)
            )
            or 0
        ) + 1
        version = MenuVersion(
            menu_id=menu.id,
            number=number,
            items=items,
            published_at=datetime.now(UTC),
            published_by=actor.name[:300],
        )
        db.session.add(version)
        db.session.flush()
        record_audit(
            "menu.publish",
            subject_type="menu",
            subject_id=menu.id,
            summary=f"Xuất bản trình đơn “{menu.title}” (phiên bản {number})",
            before={"items": current.items if current is not None else []},
            after={"items": items},
        )
        _announce("published", menu)
    return version


def load_draft(menu: Menu, items: list[dict]) -> None:
    """Replace the draft rows with ``items`` (a published version's JSON)."""
    for entry in db.session.scalars(
        db.select(MenuEntry).where(MenuEntry.menu_id == menu.id, MenuEntry.parent_id.is_not(None))
    ):
        db.session.delete(entry)
    db.session.flush()
    for entry in db.session.scalars(db.select(MenuEntry).where(MenuEntry.menu_id == menu.id)):
        db.session.delete(entry)
    db.session.flush()
    for position, item in enumerate(items):
        parent = MenuEntry(menu_id=menu.id, position=position, **_fields(item))
        db.session.add(parent)
        db.session.flush()
        for child_position, child in enumerate(item.get("children") or []):
            db.session.add(
                MenuEntry(
                    menu_id=menu.id, parent_id=parent.id, position=child_position, **_fields(child)
                )
            )
    db.session.flush()


def _fields(item: dict) -> dict:
    return {
        "label": item["label"],
        "kind": item["kind"],
        "target_id": item.get("target_id"),
        "url": item.get("url") or "",
        "new_tab": bool(item.get("new_tab")),
    }


def discard_draft(actor: Actor, menu: Menu) -> None:
    """Throw the draft's changes away: the draft becomes what readers see."""
    with unit_of_work(actor):
        current = current_version(menu)
        before = snapshot(menu)
        after = current.items if current is not None else []
        if before == after:
            raise MenuError("Bản nháp không có thay đổi nào để bỏ.")
        load_draft(menu, after)
        record_audit(
            "menu.discard",
            subject_type="menu",
            subject_id=menu.id,
            summary=f"Bỏ bản nháp trình đơn “{menu.title}”",
            before={"items": before},
            after={"items": after},
        )


def undo_publish(actor: Actor, menu: Menu) -> MenuVersion:
    """Show the previous published version again (the current one is withdrawn, and kept).

    The draft becomes that version too, so the next publication starts from it.
    """
    with unit_of_work(actor):
        current = current_version(menu)
        previous = previous_version(menu)
        if current is None or previous is None:
            raise MenuError("Chưa có phiên bản xuất bản trước đó để khôi phục.")
        current.withdrawn = True
        load_draft(menu, previous.items)
        record_audit(
            "menu.undo",
            subject_type="menu",
            subject_id=menu.id,
            summary=(
                f"Hoàn tác xuất bản trình đơn “{menu.title}”: hiện lại phiên bản "
                f"{previous.number} thay cho {current.number}"
            ),
            before={"items": current.items},
            after={"items": previous.items},
        )
        _announce("published", menu)
    return previous
