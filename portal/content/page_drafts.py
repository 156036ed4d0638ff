"""Drafts, publishing and revisions of a page's arrangement (layout + placements).

Admins never change live placements directly: every change goes into the
page's :class:`~portal.models.PageDraft`. Publishing copies the draft onto the
live rows in one transaction and stores the result as a numbered
:class:`~portal.models.PageRevision`; restoring publishes an earlier revision
again. Readers therefore only ever see published states.

A *document* is the plain-JSON shape shared by drafts and revisions::

    {"layout": "main_sidebar",
     "blocked_regions": ["main"],
     "placements": [{"key": "p12", "id": 12, "region": "main", "position": 0,
                     "block_name": "bulletin_view", "settings": {...}, "hidden": false}]}

``key`` identifies a placement inside drafts: ``p<id>`` for a live row,
``n<random>`` for one added in the draft and not yet published.

What an editor does goes through :func:`edit_draft`, :func:`publish_draft`,
:func:`discard` and :func:`restore_revision`: each runs inside a unit of work,
records the action in the audit log and (for what readers see: publishing and
restoring) announces a page event. :func:`change_draft`, :func:`publish`,
:func:`discard_draft` and :func:`restore` are their building blocks; they
neither audit nor announce.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from portal import layouts as layouts_module
from portal.blocks import setting_labels
from portal.content import audit
from portal.content.events import content_changed, page_event
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import Page, PageDraft, PageRevision, Placement, User, utcnow
from portal.plugins import plugins_of


class DraftConflict(Exception):
    """The draft changed since the editor loaded it; nothing was saved."""

    def __init__(self, draft: PageDraft | None) -> None:
        self.draft = draft
        who = draft.updated_by_name if draft is not None else ""
        super().__init__(
            "Trang đã được thay đổi bởi người khác"
            + (f" ({who})" if who else "")
            + " sau khi bạn mở nó. Thay đổi của bạn chưa được lưu; hãy tải lại trang để xem bản mới nhất."
        )


class DraftError(ValueError):
    """A change that cannot be made (unknown block, region, placement ...); nothing was saved."""


# -- documents ---------------------------------------------------------------


def live_document(page: Page) -> dict[str, Any]:
    """The published arrangement of a page, as a document."""
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.page_id == page.id)
        .order_by(Placement.region, Placement.position, Placement.id)
    )
    return {
        "layout": page.layout,
        "blocked_regions": list(page.blocked_regions or []),
        "placements": [
            {
                "key": f"p{p.id}",
                "id": p.id,
                "region": p.region,
                "position": p.position,
                "block_name": p.block_name,
                "settings": copy.deepcopy(p.settings or {}),
                "hidden": bool(p.hidden),
            }
            for p in placements
        ],
    }


def items_in_region(document: dict[str, Any], region: str) -> list[dict[str, Any]]:
    items = [item for item in document["placements"] if item["region"] == region]
    return sorted(items, key=lambda item: item["position"])


def _renumber(document: dict[str, Any]) -> None:
    """Positions 0..n-1 in every region, keeping the current order."""
    regions = {item["region"] for item in document["placements"]}
    for region in regions:
        for index, item in enumerate(items_in_region(document, region)):
            item["position"] = index


def _find(document: dict[str, Any], key: str) -> dict[str, Any]:
    for item in document["placements"]:
        if item["key"] == key:
            return item
    raise DraftError("Không tìm thấy khối này trong bản nháp (có thể nó vừa bị xóa).")


def draft_placements(page: Page, document: dict[str, Any]) -> list[SimpleNamespace]:
    """Placement-like objects for rendering a document (previews)."""
    return [
        SimpleNamespace(
            id=item.get("id"),
            page_id=page.id,
            region=item["region"],
            position=item["position"],
            block_name=item["block_name"],
            settings=item.get("settings") or {},
            hidden=bool(item.get("hidden")),
            # Previews never touch the cache, but keys must still differ from live ones.
            version=0,
        )
        for item in document["placements"]
    ]


# -- drafts ------------------------------------------------------------------


def get_draft(page: Page) -> PageDraft | None:
    return db.session.get(PageDraft, page.id)


def edit_version(page: Page, draft: PageDraft | None = None) -> str:
    """What an editor's screen was built from: ``"<latest revision>.<draft version>"``.

    Every change sends it back. Both parts matter: the draft version goes up
    with each change, and the revision number with each publish or restore,
    so a screen opened before someone published (and the draft was gone) is
    recognised as stale too.
    """
    draft = draft if draft is not None else get_draft(page)
    return f"{latest_revision_number(page)}.{draft.version if draft is not None else 0}"


def working_document(page: Page) -> tuple[dict[str, Any], str]:
    """The document an editor works on (the draft, else the live state) and its :func:`edit_version`."""
    draft = get_draft(page)
    if draft is not None:
        return copy.deepcopy(draft.document), edit_version(page, draft)
    return live_document(page), edit_version(page, None)


def latest_revision_number(page: Page) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(PageRevision.number), 0)).where(
            PageRevision.page_id == page.id
        )
    )


def ensure_initial_revision(page: Page) -> None:
    """Record the live state as revision 1 before the first change, so it can be restored."""
    if latest_revision_number(page) == 0:
        db.session.add(
            PageRevision(
                page_id=page.id,
                number=1,
                document=live_document(page),
                note="Trạng thái trước lần chỉnh sửa đầu tiên",
                published_by_id=None,
                published_by_name="",
            )
        )


def change_draft(page: Page, expected_version: str, user: User, change) -> PageDraft:
    """Apply ``change(document)`` to the page's draft, creating it if needed.

    ``expected_version`` is the :func:`edit_version` the editor's screen
    showed. If the page changed since, :class:`DraftConflict` is raised; if
    the change cannot be made, :class:`DraftError`. Either way nothing is
    written and the caller rolls back; otherwise the caller commits.

    The check is repeated in the database write itself (an ``UPDATE ... WHERE
    version = ...``; for a new draft, the primary key), so two requests racing
    each other cannot both succeed.
    """
    draft = get_draft(page)
    if edit_version(page, draft) != expected_version:
        raise DraftConflict(draft)
    document = copy.deepcopy(draft.document) if draft is not None else live_document(page)
    change(document)
    _renumber(document)
    stamp = {"updated_at": utcnow(), "updated_by_id": user.id, "updated_by_name": user.name}

    if draft is None:
        ensure_initial_revision(page)
        draft = PageDraft(
            page_id=page.id,
            document=document,
            version=1,
            base_revision=latest_revision_number(page) or 1,
            **stamp,
        )
        db.session.add(draft)
        try:
            db.session.flush()
        except IntegrityError:
            # Another request created the draft (or revision 1) a moment ago.
            raise DraftConflict(None) from None
        return draft

    updated = db.session.execute(
        update(PageDraft)
        .where(PageDraft.page_id == page.id, PageDraft.version == draft.version)
        .values(document=document, version=draft.version + 1, **stamp)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        raise DraftConflict(draft)
    db.session.refresh(draft)
    return draft


def _take_draft(page: Page, expected_version: str) -> PageDraft:
    """Remove the draft the editor saw, or raise :class:`DraftConflict` if it changed."""
    draft = get_draft(page)
    if draft is None or edit_version(page, draft) != expected_version:
        raise DraftConflict(draft)
    taken = db.session.execute(
        delete(PageDraft)
        .where(PageDraft.page_id == page.id, PageDraft.version == draft.version)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise DraftConflict(draft)
    db.session.expunge(draft)
    return draft


def discard_draft(page: Page, expected_version: str) -> PageDraft:
    """Throw the draft away (the page stays as published); returns what was thrown away."""
    return _take_draft(page, expected_version)


# -- the changes an editor can make ------------------------------------------


def new_key() -> str:
    """The key of a placement added in a draft (it gets an id when published)."""
    return "n" + secrets.token_hex(6)


def add_block(block_name: str, region: str, settings: dict[str, Any], key: str | None = None):
    """Append a block at the end of ``region``."""
    key = key or new_key()

    def change(document):
        position = len(items_in_region(document, region))
        document["placements"].append(
            {
                "key": key,
                "id": None,
                "region": region,
                "position": position,
                "block_name": block_name,
                "settings": settings,
                "hidden": False,
            }
        )

    return change


def update_settings(key: str, settings: dict[str, Any]):
    def change(document):
        _find(document, key)["settings"] = settings

    return change


def move_block(key: str, region: str, position: int):
    """Put a placement at ``position`` (0-based) in ``region``; other blocks shift."""

    def change(document):
        item = _find(document, key)
        siblings = [i for i in items_in_region(document, region) if i is not item]
        position_clamped = max(0, min(position, len(siblings)))
        siblings.insert(position_clamped, item)
        item["region"] = region
        for index, sibling in enumerate(siblings):
            sibling["position"] = index

    return change


def shift_block(key: str, offset: int):
    """Move a placement up (-1) or down (+1) within its region."""

    def change(document):
        item = _find(document, key)
        move_block(key, item["region"], item["position"] + offset)(document)

    return change


def set_hidden(key: str, hidden: bool):
    def change(document):
        _find(document, key)["hidden"] = hidden

    return change


def remove_block(key: str):
    def change(document):
        item = _find(document, key)
        document["placements"].remove(item)

    return change


def set_layout(layout_name: str):
    """Change the layout; placements in regions it lacks stay, shown as unplaced."""

    def change(document):
        document["layout"] = layout_name

    return change


def set_inheritance(region: str, blocked: bool):
    def change(document):
        blocked_regions = [r for r in document["blocked_regions"] if r != region]
        if blocked:
            blocked_regions.append(region)
        document["blocked_regions"] = blocked_regions

    return change


# -- publishing ----------------------------------------------------------------


def publish(page: Page, expected_version: str, user: User, note: str = "") -> PageRevision:
    """Make the draft live in one transaction and record it as a new revision.

    The caller commits; until then readers keep seeing the previous state.
    """
    draft = _take_draft(page, expected_version)
    return _apply_document(page, draft.document, user, note)


def restore(page: Page, number: int, user: User) -> PageRevision:
    """Publish an earlier revision again (as a new revision). Refused while a draft exists."""
    if get_draft(page) is not None:
        raise DraftError(
            "Trang đang có bản nháp chưa xuất bản. Hãy xuất bản hoặc hủy bản nháp trước khi khôi phục."
        )
    old = db.session.scalar(
        select(PageRevision).where(PageRevision.page_id == page.id, PageRevision.number == number)
    )
    if old is None:
        raise DraftError(f"Không có phiên bản số {number} của trang này.")
    return _apply_document(page, old.document, user, f"Khôi phục phiên bản {number}")


def _apply_document(page: Page, document: dict[str, Any], user: User, note: str) -> PageRevision:
    rows = {
        p.id: p for p in db.session.scalars(select(Placement).where(Placement.page_id == page.id))
    }
    kept: set[int] = set()
    published_items = []
    for item in sorted(document["placements"], key=lambda i: (i["region"], i["position"])):
        row = rows.get(item.get("id")) if item.get("id") is not None else None
        if row is None:
            row = Placement(page_id=page.id)
            db.session.add(row)
        else:
            kept.add(row.id)
        changed = (
            row.region != item["region"]
            or row.position != item["position"]
            or row.block_name != item["block_name"]
            or row.settings != item["settings"]
            or bool(row.hidden) != bool(item.get("hidden"))
        )
        if changed:
            row.region = item["region"]
            row.position = item["position"]
            row.block_name = item["block_name"]
            row.settings = copy.deepcopy(item["settings"])
            row.hidden = bool(item.get("hidden"))
        published_items.append((item, row))
    for row_id, row in rows.items():
        if row_id not in kept:
            db.session.delete(row)
    page.layout = document["layout"]
    page.blocked_regions = list(document["blocked_regions"])
    db.session.flush()

    live = {
        "layout": page.layout,
        "blocked_regions": list(page.blocked_regions),
        "placements": [
            {**copy.deepcopy(item), "id": row.id, "key": f"p{row.id}"}
            for item, row in published_items
        ],
    }
    revision = PageRevision(
        page_id=page.id,
        number=latest_revision_number(page) + 1,
        document=live,
        note=note,
        published_by_id=user.id,
        published_by_name=user.name,
    )
    db.session.add(revision)
    return revision


def announce_published(page: Page, action: str = "published") -> None:
    """Announce that readers see ``page`` changed, and with it every page that inherits from it."""
    from portal.site import PageTree

    tree = PageTree.load()
    heirs = [
        other.id
        for other in tree.by_id.values()
        if other.id != page.id and any(ancestor.id == page.id for ancestor in tree.ancestors(other))
    ]
    content_changed(page_event(action, page.id, also_pages=heirs))


# -- what an editor does (in a unit of work, audited) ---------------------------


def describe_page(document: dict[str, Any]) -> dict[str, Any]:
    """The page-wide part of a document, for the audit log."""
    return {"layout": document["layout"], "blocked_regions": list(document["blocked_regions"])}


def describe_block(key: str):
    """One placement of a document, for the audit log (None when it is not there)."""

    def describe(document: dict[str, Any]) -> dict[str, Any] | None:
        item = next((i for i in document["placements"] if i["key"] == key), None)
        if item is None:
            return None
        return {
            "block": item["block_name"],
            "region": item["region"],
            "position": item["position"] + 1,
            "hidden": bool(item.get("hidden")),
            "settings": item.get("settings") or {},
        }

    return describe


def edit_draft(
    page: Page,
    expected_version: str,
    user: User,
    change,
    *,
    action: str,
    summary: str,
    describe=describe_page,
) -> PageDraft:
    """Apply ``change`` to the page's draft (see :func:`change_draft`) and audit it as ``action``.

    ``describe`` picks what the audit log keeps from the document before and
    after. Readers see nothing until the draft is published, so nothing is
    announced. Raises :class:`DraftConflict` or :class:`DraftError` (nothing
    written, the unit rolls back).
    """
    require_unit("Editing a page's draft")
    before, _version_now = working_document(page)
    draft = change_draft(page, expected_version, user, change)
    audit.record(
        action,
        subject_type="page",
        subject_id=page.id,
        summary=f"{summary} (bản nháp)",
        before=describe(before),
        after=describe(draft.document),
    )
    return draft


def publish_draft(page: Page, expected_version: str, user: User, note: str = "") -> PageRevision:
    """Publish the draft the editor saw (:func:`publish`), audit it and announce the page."""
    require_unit("Publishing a page")
    before = live_document(page)
    try:
        revision = publish(page, expected_version, user, note)
        db.session.flush()
    except IntegrityError:
        # Another request published (and numbered its revision) a moment ago.
        raise DraftConflict(None) from None
    changes = compare(before, revision.document)
    audit.record(
        "page.publish",
        subject_type="page",
        subject_id=page.id,
        summary=f"Xuất bản trang “{page.title}”, phiên bản {revision.number}",
        before=_counts(before),
        after=_counts(revision.document)
        | {"revision": revision.number, "changes": _change_text(changes)},
    )
    announce_published(page)
    return revision


def discard(page: Page, expected_version: str) -> PageDraft:
    """Throw away the draft the editor saw and audit it; readers see no change."""
    require_unit("Discarding a page's draft")
    draft = discard_draft(page, expected_version)
    audit.record(
        "page.discard",
        subject_type="page",
        subject_id=page.id,
        summary=f"Hủy bản nháp trang “{page.title}”",
        before=_counts(draft.document),
        after=_counts(live_document(page)),
    )
    return draft


def restore_revision(page: Page, number: int, user: User) -> PageRevision:
    """Publish revision ``number`` again (:func:`restore`), audit it and announce the page."""
    require_unit("Restoring a page's revision")
    before = live_document(page)
    try:
        revision = restore(page, number, user)
        db.session.flush()
    except IntegrityError:
        raise DraftConflict(None) from None
    audit.record(
        "page.restore",
        subject_type="page",
        subject_id=page.id,
        summary=f"Khôi phục phiên bản {number} của trang “{page.title}” "
        f"(thành phiên bản {revision.number})",
        before=_counts(before),
        after=_counts(revision.document) | {"revision": revision.number},
    )
    announce_published(page)
    return revision


def restore_as_draft(page: Page, number: int, expected_version: str, user: User) -> PageDraft:
    """Make revision ``number`` the page's draft, to review and publish (or discard).

    Readers keep seeing the published page until the draft is published, so
    nothing is announced. Refused while the page has a draft (it would be
    overwritten); ``expected_version`` is the editor's screen version, as for
    any change of the draft.
    """
    require_unit("Restoring a page's revision as a draft")
    if get_draft(page) is not None:
        raise DraftError(
            "Trang đang có bản nháp chưa xuất bản. Hãy xuất bản hoặc hủy bản nháp trước khi khôi phục."
        )
    old = db.session.scalar(
        select(PageRevision).where(PageRevision.page_id == page.id, PageRevision.number == number)
    )
    if old is None:
        raise DraftError(f"Không có phiên bản số {number} của trang này.")
    restored = copy.deepcopy(old.document)

    def change(document: dict[str, Any]) -> None:
        document.clear()
        document.update(restored)

    before = live_document(page)
    draft = change_draft(page, expected_version, user, change)
    audit.record(
        "page.restore",
        subject_type="page",
        subject_id=page.id,
        summary=f"Khôi phục phiên bản {number} của trang “{page.title}” thành bản nháp",
        before=_counts(before),
        after=_counts(draft.document) | {"from_revision": number},
    )
    return draft


def _counts(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "layout": document["layout"],
        "blocked_regions": document["blocked_regions"],
        "blocks": [
            f"{i['region']}:{i['block_name']}"
            for i in sorted(document["placements"], key=lambda i: (i["region"], i["position"]))
        ],
    }


def _change_text(changes: DocumentDiff) -> list[str]:
    lines = []
    if changes.layout:
        lines.append(f"bố cục {changes.layout[0]} → {changes.layout[1]}")
    lines += [f"thêm {i['block_name']} ở {i['region']}" for i in changes.added]
    lines += [f"gỡ {i['block_name']} ở {i['region']}" for i in changes.removed]
    lines += [
        f"chuyển {new['block_name']} {old['region']} → {new['region']}"
        for old, new in changes.moved
    ]
    lines += [
        f"cấu hình {i['block_name']}: {', '.join(names)}" for i, names in changes.reconfigured
    ]
    lines += changes.inheritance
    return lines


# -- comparing -----------------------------------------------------------------


@dataclass
class DocumentDiff:
    """What changed between two documents, in words an editor understands."""

    layout: tuple[str, str] | None = None
    inheritance: list[str] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    moved: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    reconfigured: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)
    visibility: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.layout
            or self.inheritance
            or self.added
            or self.removed
            or self.moved
            or self.reconfigured
            or self.visibility
        )


def _identity(item: dict[str, Any]) -> str:
    return f"p{item['id']}" if item.get("id") is not None else item["key"]


def _rank_among(items: dict[str, dict[str, Any]], keys: set[str]) -> dict[str, int]:
    """Each key's place among the given keys of its region (0, 1, 2 ...)."""
    ranks: dict[str, int] = {}
    by_region: dict[str, list[tuple[int, str]]] = {}
    for key in keys:
        item = items[key]
        by_region.setdefault(item["region"], []).append((item["position"], key))
    for entries in by_region.values():
        for rank, (_position, key) in enumerate(sorted(entries)):
            ranks[key] = rank
    return ranks


def compare(old: dict[str, Any], new: dict[str, Any]) -> DocumentDiff:
    """Compare two documents: added, removed, moved and reconfigured placements."""
    diff = DocumentDiff()
    if old["layout"] != new["layout"]:
        diff.layout = (old["layout"], new["layout"])
    for region in sorted(set(old["blocked_regions"]) ^ set(new["blocked_regions"])):
        blocked = region in new["blocked_regions"]
        diff.inheritance.append(
            f"Vùng “{region_title(region)}”: {'chặn' if blocked else 'nhận'} khối kế thừa từ "
            "trang cha"
        )
    old_items = {_identity(i): i for i in old["placements"]}
    new_items = {_identity(i): i for i in new["placements"]}
    # Order is compared only among blocks that stayed in their region, so that a block
    # moved away (or added, or removed) does not make its neighbours look moved too.
    stayed = {
        key
        for key in set(old_items) & set(new_items)
        if old_items[key]["region"] == new_items[key]["region"]
    }
    old_rank = _rank_among(old_items, stayed)
    new_rank = _rank_among(new_items, stayed)
    for key, item in new_items.items():
        before = old_items.get(key)
        if before is None:
            diff.added.append(item)
            continue
        if key not in stayed or old_rank[key] != new_rank[key]:
            diff.moved.append((before, item))
        if before.get("settings") != item.get("settings"):
            changed = sorted(
                name
                for name in set(before.get("settings") or {}) | set(item.get("settings") or {})
                if (before.get("settings") or {}).get(name)
                != (item.get("settings") or {}).get(name)
            )
            diff.reconfigured.append((item, changed))
        if bool(before.get("hidden")) != bool(item.get("hidden")):
            diff.visibility.append(item)
    diff.removed = [item for key, item in old_items.items() if key not in new_items]
    return diff


def block_label(block_name: str) -> str:
    """The picker label of a block type, or its name when the plugin is missing."""
    block = plugins_of(current_app).block(block_name)
    return block.label if block is not None else f"{block_name} (thiếu plugin)"


def region_title(region: str) -> str:
    """What the layouts call a region ("Cột phụ"), or its code when no layout has it.

    Outside an app (scripts, unit tests) the standard layouts answer.
    """
    layouts = (
        plugins_of(current_app).layouts.values()
        if has_app_context()
        else (layouts_module.ONE_COLUMN, layouts_module.MAIN_SIDEBAR)
    )
    for layout in layouts:
        for candidate in layout.regions:
            if candidate.name == region:
                return candidate.label
    return region


def layout_title(layout_name: str) -> str:
    """What the admin calls a layout ("Nội dung và cột phụ"), or its code when it is gone."""
    layout = plugins_of(current_app).layout(layout_name)
    return layout.label if layout is not None else layout_name


def setting_title(block_name: str, name: str) -> str:
    """The label of one of a block's settings ("Hiện ngày hôm nay"), or its key when unknown."""
    block = plugins_of(current_app).block(block_name)
    labels = setting_labels(block.settings_form) if block is not None else {}
    return labels.get(name, name)
