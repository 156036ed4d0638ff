"""The rules of the page tree: create a page, change its properties, delete it.

A page's blocks change through its draft (:mod:`portal.content.page_drafts`);
this module owns the page itself: its title, kind, path, place in the tree and
category. The rules:

* home, static and search pages have a path that is well formed, not served
  by the portal itself and not taken by another page
  (:mod:`portal.content.page_paths`); the others have none;
* one category page and one article template per category (and one default
  of each, without a category);
* a page can never be placed under itself or a page below it;
* the root page, and a page with subpages, cannot be deleted;
* a page has a state: a page created here starts as a draft (``published``
  false) that readers do not see (404, left out of menus and sitemaps) and
  editors preview; :func:`set_published` takes a page off the site and puts
  it back. The root page is always published: every page inherits from it.

Every function here runs inside a unit of work: it makes the change, records
it in the audit log and announces a page event. It never commits. A change
that breaks a rule raises :class:`PageError` before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from portal.content import audit, redirects, seo
from portal.content import tags as tag_names
from portal.content.events import ContentEvent, content_changed, page_event
from portal.content.page_drafts import announce_published, live_document
from portal.content.page_paths import (
    CATEGORY_KINDS,
    PATH_KINDS,
    SINGLE_KINDS,
    is_reserved,
    is_well_formed,
)
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import PAGE_KINDS, Category, Page, PageDraft, PageRevision
from portal.plugins import plugins_of
from portal.site import PageTree


class PageError(ValueError):
    """A change of a page that breaks a rule; nothing was changed.

    ``field`` names what the rule is about (``path``, ``parent_id``,
    ``category_id``, ``kind``, ``layout``, ``title``), so a form can show the
    message beside it.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class PageInUse(PageError):
    """A page that cannot be deleted (the root, or a page with subpages)."""


@dataclass
class PageFields:
    """What an editor sets on a page (the layout is set once, at creation)."""

    title: str
    kind: str
    path: str | None = None
    parent_id: int | None = None
    category_id: int | None = None
    #: "vi" or "en"; an English page may name the Vietnamese page it translates.
    language: str = "vi"
    translation_of_id: int | None = None
    #: Meta description, share image, canonical URL, noindex (:mod:`portal.content.seo`);
    #: None leaves them as they are.
    seo: dict | None = None


# -- reading ------------------------------------------------------------------


def summary(page: Page) -> dict:
    """What the audit log keeps of a page's properties."""
    return {
        "title": page.title,
        "kind": page.kind,
        "path": page.path,
        "parent_id": page.parent_id,
        "category_id": page.category_id,
        "layout": page.layout,
        "language": page.language,
        "translation_of_id": page.translation_of_id,
        **seo.values_of(page),
        "published": page.published,
    }


def subtree_ids(pages: PageTree, page: Page) -> set[int]:
    """The page and its descendants: none of them can become its parent."""
    ids = {page.id}
    changed = True
    while changed:
        changed = False
        for p in pages.by_id.values():
            if p.parent_id in ids and p.id not in ids:
                ids.add(p.id)
                changed = True
    return ids


def path_problem(kind: str, path: str | None, page: Page | None = None) -> str | None:
    """Why ``path`` cannot be the path of a ``kind`` page (``page``: the one edited), or None."""
    if kind not in PATH_KINDS:
        return None
    path = (path or "").strip()
    if not path:
        return "Loại trang này cần một đường dẫn, ví dụ /gioi-thieu."
    if not is_well_formed(path):
        return "Đường dẫn bắt đầu bằng “/”, chỉ gồm chữ thường không dấu, số và dấu gạch ngang."
    if is_reserved(path):
        return "Đường dẫn này đã được hệ thống dùng; hãy chọn đường dẫn khác."
    other = db.session.scalar(select(Page).where(Page.path == path))
    if other is not None and (page is None or other.id != page.id):
        return f"Đường dẫn này đã thuộc trang “{other.title}”."
    return None


def kind_problem(kind: str, page: Page | None = None) -> str | None:
    """Why there cannot be another ``kind`` page (one tag page serves every tag), or None."""
    if kind not in SINGLE_KINDS:
        return None
    other = db.session.scalar(select(Page).where(Page.kind == kind).order_by(Page.id).limit(1))
    if other is not None and (page is None or other.id != page.id):
        return f"Trang web đã có một trang loại này: “{other.title}”."
    return None


def category_problem(
    kind: str, category_id: int | None, page: Page | None = None, language: str | None = None
) -> str | None:
    """Why a ``kind`` page cannot be tied to ``category_id`` (None: the default), or None.

    Each language has its own default (the English site's category and article templates).
    """
    if kind not in CATEGORY_KINDS:
        return None
    if category_id is not None and db.session.get(Category, category_id) is None:
        return "Chuyên mục này không còn tồn tại; hãy chọn chuyên mục khác."
    query = select(Page).where(Page.kind == kind)
    if category_id is None:
        language = language or (page.language if page is not None else "vi")
        query = query.where(Page.category_id.is_(None), Page.language == language)
    else:
        query = query.where(Page.category_id == category_id)
    other = db.session.scalars(query.order_by(Page.id)).first()
    if other is not None and (page is None or other.id != page.id):
        return f"Chuyên mục này đã có trang cùng loại: “{other.title}”."
    return None


def delete_problem(page: Page) -> str | None:
    """Why ``page`` cannot be deleted now, or None."""
    if page.parent_id is None:
        return "Không thể xóa trang gốc: mọi trang khác kế thừa đầu trang và chân trang từ nó."
    children = list(db.session.scalars(select(Page.id).where(Page.parent_id == page.id)))
    if children:
        return (
            f"Trang này có {len(children)} trang con. Hãy chuyển chúng sang trang cha khác "
            "hoặc xóa chúng trước."
        )
    return None


# -- changing -----------------------------------------------------------------


def _check(fields: PageFields, page: Page | None) -> None:
    """Raise :class:`PageError` for the first rule ``fields`` break."""
    if not (fields.title or "").strip():
        raise PageError("Hãy nhập tiêu đề.", field="title")
    if fields.kind not in PAGE_KINDS:
        raise PageError("Hãy chọn một loại trang trong danh sách.", field="kind")
    problem = kind_problem(fields.kind, page)
    if problem is not None:
        raise PageError(problem, field="kind")
    problem = path_problem(fields.kind, fields.path, page)
    if problem is not None:
        raise PageError(problem, field="path")
    problem = category_problem(fields.kind, fields.category_id, page, fields.language)
    if problem is not None:
        raise PageError(problem, field="category_id")
    if fields.language not in ("vi", "en"):
        raise PageError("Hãy chọn ngôn ngữ trong danh sách.", field="language")
    if fields.translation_of_id is not None:
        original = db.session.get(Page, fields.translation_of_id)
        if (
            fields.language == "vi"
            or original is None
            or original.language != "vi"
            or (page is not None and original.id == page.id)
        ):
            raise PageError(
                "Chỉ trang tiếng Anh mới chọn trang tiếng Việt tương ứng; hãy chọn trong danh sách.",
                field="translation_of_id",
            )
    if fields.seo is not None:
        try:
            seo.clean(fields.seo)
        except seo.SeoError as exc:
            raise PageError(str(exc), field=exc.field) from exc
    if fields.parent_id is not None:
        pages = PageTree.load()
        if fields.parent_id not in pages.by_id:
            raise PageError("Trang cha không còn tồn tại; hãy chọn trang khác.", field="parent_id")
        if page is not None and fields.parent_id in subtree_ids(pages, page):
            raise PageError("Một trang không thể nằm dưới chính nó.", field="parent_id")


def _apply(page: Page, fields: PageFields) -> None:
    page.title = fields.title.strip()
    page.kind = fields.kind
    page.path = (fields.path or "").strip() if fields.kind in PATH_KINDS else None
    page.category_id = fields.category_id if fields.kind in CATEGORY_KINDS else None
    page.language = fields.language
    page.translation_of_id = fields.translation_of_id
    if fields.parent_id:
        page.parent_id = fields.parent_id
    if fields.seo is not None:
        seo.apply(page, fields.seo)


def create(fields: PageFields, *, layout_name: str, published: bool = False) -> Page:
    """A new page with the given layout and no blocks, under ``parent_id`` (else the root).

    It starts as a draft readers do not see (``published``: at once); the
    first page of an empty site becomes its root, published.
    """
    require_unit("Creating a page")
    _check(fields, None)
    layout = plugins_of(current_app).layout(layout_name)
    if layout is None:
        raise PageError("Hãy chọn bố cục trong danh sách.", field="layout")
    page = Page(
        layout=layout.name, blocked_regions=layout.default_blocked_regions(), published=published
    )
    _apply(page, fields)
    if page.parent_id is None:
        root = PageTree.load().root
        if root is not None:
            page.parent_id = root.id
        else:
            page.published = True  # the root: every other page inherits from it
    db.session.add(page)
    db.session.flush()
    audit.record(
        "page.create",
        subject_type="page",
        subject_id=page.id,
        summary=f"Tạo trang “{page.title}”",
        after=summary(page),
    )
    content_changed(page_event("created", page.id))
    return page


def update_properties(page: Page, fields: PageFields) -> bool:
    """Change a page's title, kind, path, parent or category; False when nothing changed.

    The page and every page that inherits from it are announced as edited.
    """
    require_unit("Changing a page's properties")
    _check(fields, page)
    before = summary(page)
    _apply(page, fields)
    if before["path"] and page.path and page.path != before["path"]:
        # Readers' links to the old address follow to the new one (301).
        redirects.address_moved(
            before["path"], page.path, origin="page", note=f"Trang “{page.title}”"
        )
    if not audit.record_change(
        "page.update",
        subject_type="page",
        subject_id=page.id,
        summary=f"Sửa thuộc tính trang “{page.title}”",
        before=before,
        after=summary(page),
    ):
        return False
    announce_published(page, action="edited")
    if (before["path"], before["noindex"]) != (page.path, page.noindex):
        # What lists the pages changed too (sitemaps, menus of pages).
        content_changed(ContentEvent("edited", "page", page.id, frozenset({tag_names.PAGE_TREE})))
    return True


def publish_problem(page: Page, published: bool) -> str | None:
    """Why ``page`` cannot be put in that state now, or None."""
    if published:
        return None
    if page.parent_id is None:
        return "Không thể gỡ trang gốc khỏi trang web: mọi trang khác kế thừa từ nó."
    if page.published and (
        page.kind == "tag" or (page.kind in CATEGORY_KINDS and page.category_id is None)
    ):
        return (
            "Không thể gỡ mẫu trang mặc định khỏi trang web: mọi chuyên mục, bài viết hoặc thẻ "
            "chưa có trang riêng đều dùng nó (bạn đọc sẽ gặp lỗi 404)."
        )
    return None


def set_published(page: Page, published: bool) -> bool:
    """Put ``page`` on the site (``True``) or take it off (``False``); False when it already was.

    Readers of an unpublished page get 404; menus, sitemaps and lists of pages
    leave it out; its subpages stay as they are. Audited, and announced so
    cached copies of it (and of pages inheriting from it) go at once.
    """
    require_unit("Publishing or unpublishing a page")
    problem = publish_problem(page, published)
    if problem is not None:
        raise PageError(problem, field="published")
    if bool(page.published) == published:
        return False
    page.published = published
    db.session.flush()
    audit.record(
        "page.republish" if published else "page.unpublish",
        subject_type="page",
        subject_id=page.id,
        summary=(
            f"Đưa trang “{page.title}” lên trang web"
            if published
            else f"Gỡ trang “{page.title}” khỏi trang web"
        ),
        before={"published": not published},
        after={"published": published},
    )
    announce_published(page, action="published" if published else "unpublished")
    return True


def delete(page: Page) -> str:
    """Delete ``page`` with its draft and revisions; returns its title.

    Refused (:class:`PageInUse`) for the root page and for a page with subpages.
    """
    require_unit("Deleting a page")
    problem = delete_problem(page)
    if problem is not None:
        raise PageInUse(problem)
    title, page_id = page.title, page.id
    audit.record(
        "page.delete",
        subject_type="page",
        subject_id=page_id,
        summary=f"Xóa trang “{title}”",
        before={**summary(page), "document": live_document(page)},
    )
    db.session.execute(sql_delete(PageDraft).where(PageDraft.page_id == page_id))
    db.session.execute(sql_delete(PageRevision).where(PageRevision.page_id == page_id))
    db.session.delete(page)
    db.session.flush()
    content_changed(page_event("deleted", page_id))
    return title
