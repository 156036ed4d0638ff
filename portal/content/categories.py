"""The rules of the category tree: create, rename, describe, move, reorder, delete.

Categories are the site's sections; readers reach them at ``/chuyen-muc/<slug>``
and blocks such as the article list name them by slug. So:

* a slug is made from the name when left empty and is always unique;
* changing a slug updates the blocks (live and in drafts) that name the old
  one, so no list silently goes empty;
* a category can never become its own ancestor;
* a category is deleted only when it has no subcategories and no page is
  tied to it; its articles are moved to another category in the same step.

Every function here runs inside a unit of work
(:func:`~portal.content.unit_of_work.unit_of_work`): it makes the change,
records it in the audit log and announces a category event (menus,
breadcrumbs and lists are refreshed once the unit commits). It never commits.
A change that breaks a rule raises :class:`CategoryError` before anything is
written, and the unit rolls back.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from portal.content import audit, redirects
from portal.content import tags as tag_names
from portal.content.events import category_event, content_changed
from portal.content.languages import DEFAULT_LANGUAGE, LANGUAGES, follow_category_language
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import Article, Category, Page, PageDraft, Placement, utcnow
from portal.site import CategoryTree
from portal.text import is_clean_slug, slugify

#: The block setting that names a category by its slug (article lists).
CATEGORY_SETTING = "category"


class CategoryError(ValueError):
    """A change of the category tree that breaks a rule; nothing was changed.

    ``field`` names what the rule is about (``name``, ``slug``, ``parent_id``,
    ``move_to``), so a form can show the message beside it.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class CategoryInUse(CategoryError):
    """A category that cannot be deleted: subcategories or pages depend on it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems), field="")


# -- reading ------------------------------------------------------------------


def unique_slug(base: str, *, exclude_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3`` ... : the first that no other category has."""
    taken = {
        slug
        for category_id, slug in db.session.execute(select(Category.id, Category.slug))
        if category_id != exclude_id
    }
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def slug_problem(slug: str, category: Category | None = None) -> str | None:
    """Why ``slug`` cannot be the slug of ``category`` (None for a new one), or None."""
    if not is_clean_slug(slug):
        clean = slugify(slug)
        hint = f" Gợi ý: “{clean}”." if clean else ""
        return "Đường dẫn chỉ gồm chữ thường không dấu, số và dấu gạch ngang." + hint
    other = db.session.scalar(select(Category).where(Category.slug == slug))
    if other is not None and (category is None or other.id != category.id):
        return f"Đường dẫn này đã thuộc chuyên mục “{other.name}”. Gợi ý: “{unique_slug(slug)}”."
    return None


def summary(category: Category) -> dict:
    """What the audit log keeps of a category."""
    return {
        "name": category.name,
        "slug": category.slug,
        "parent_id": category.parent_id,
        "description": category.description,
        "position": category.position,
        "language": category.language,
        "translation_of_id": category.translation_of_id,
    }


def _check_language(category: Category | None, language: str, translation_of_id: int | None):
    """An English category may name the Vietnamese one it translates; a Vietnamese one none."""
    if language not in LANGUAGES:
        raise CategoryError("Hãy chọn ngôn ngữ trong danh sách.", field="language")
    if translation_of_id is None:
        return
    if language == DEFAULT_LANGUAGE:
        raise CategoryError(
            "Chỉ chuyên mục tiếng Anh mới chọn bản tiếng Việt tương ứng.",
            field="translation_of_id",
        )
    original = db.session.get(Category, translation_of_id)
    if (
        original is None
        or original.language != DEFAULT_LANGUAGE
        or (category is not None and original.id == category.id)
    ):
        raise CategoryError(
            "Hãy chọn một chuyên mục tiếng Việt trong danh sách.", field="translation_of_id"
        )


def _siblings(parent_id: int | None) -> list[Category]:
    query = select(Category).where(
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    )
    return list(db.session.scalars(query.order_by(Category.position, Category.name, Category.id)))


def _next_position(parent_id: int | None) -> int:
    """After the last sibling (positions may have gaps, e.g. from an import)."""
    return max((s.position for s in _siblings(parent_id)), default=-1) + 1


def _renumber(siblings: list[Category]) -> None:
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position


def _placements_naming(slug: str) -> list[Placement]:
    return [
        p
        for p in db.session.scalars(select(Placement).order_by(Placement.page_id, Placement.id))
        if (p.settings or {}).get(CATEGORY_SETTING) == slug
    ]


def _drafts_naming(slug: str) -> list[PageDraft]:
    return [
        d
        for d in db.session.scalars(select(PageDraft))
        if any(
            (item.get("settings") or {}).get(CATEGORY_SETTING) == slug
            for item in d.document.get("placements", [])
        )
    ]


def pages_naming(slug: str) -> list[Page]:
    """Pages with a block (live or in the draft) that shows this category by slug."""
    page_ids = {p.page_id for p in _placements_naming(slug)} | {
        d.page_id for d in _drafts_naming(slug)
    }
    if not page_ids:
        return []
    return list(db.session.scalars(select(Page).where(Page.id.in_(page_ids)).order_by(Page.id)))


@dataclass
class DeleteCheck:
    """What stands in the way of deleting a category, and what deleting it would move."""

    children: list[Category] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    article_count: int = 0

    @property
    def problems(self) -> list[str]:
        """Why the category cannot be deleted now (empty when it can)."""
        problems = []
        if self.children:
            problems.append(
                f"Chuyên mục này có {len(self.children)} chuyên mục con "
                f"({', '.join(c.name for c in self.children)}). Hãy chuyển chúng sang "
                "chuyên mục cha khác hoặc xóa chúng trước."
            )
        if self.pages:
            problems.append(
                "Các trang sau đang gắn với chuyên mục này: "
                + ", ".join(f"“{p.title}”" for p in self.pages)
                + ". Hãy đổi chuyên mục của các trang đó trong “Trang & khối” hoặc xóa chúng trước."
            )
        return problems


def delete_check(category: Category) -> DeleteCheck:
    """Subcategories, pages tied to ``category`` and how many articles it has."""
    tree = CategoryTree.load()
    return DeleteCheck(
        children=list(tree.children.get(category.id, [])),
        pages=list(db.session.scalars(select(Page).where(Page.category_id == category.id))),
        article_count=db.session.scalar(
            select(func.count()).select_from(Article).where(Article.category_id == category.id)
        ),
    )


# -- changing -----------------------------------------------------------------


def _check_parent(category: Category | None, parent_id: int | None) -> None:
    """A parent must exist and must not be the category or one of its descendants."""
    if parent_id is None:
        return
    tree = CategoryTree.load()
    if tree.get(parent_id) is None:
        raise CategoryError(
            "Chuyên mục cha không còn tồn tại; hãy chọn chuyên mục khác.", field="parent_id"
        )
    if category is not None and parent_id in set(tree.descendant_ids(category)):
        raise CategoryError(
            "Một chuyên mục không thể nằm dưới chính nó hay dưới chuyên mục con của nó.",
            field="parent_id",
        )


def _slug_for(name: str, slug: str, category: Category | None) -> str:
    if not slug:
        base = slugify(name)
        if not base:
            raise CategoryError(
                "Không tạo được đường dẫn từ tên này; hãy nhập đường dẫn rút gọn.", field="name"
            )
        return unique_slug(base, exclude_id=category.id if category is not None else None)
    problem = slug_problem(slug, category)
    if problem is not None:
        raise CategoryError(problem, field="slug")
    return slug


def create(
    name: str,
    *,
    slug: str = "",
    description: str = "",
    parent_id: int | None = None,
    language: str = DEFAULT_LANGUAGE,
    translation_of_id: int | None = None,
) -> Category:
    """A new category after the last of its siblings; ``slug`` is made from the name if empty."""
    require_unit("Creating a category")
    if not name:
        raise CategoryError("Hãy nhập tên chuyên mục.", field="name")
    _check_parent(None, parent_id)
    _check_language(None, language, translation_of_id)
    category = Category(
        name=name,
        slug=_slug_for(name, slug, None),
        description=description or "",
        parent_id=parent_id,
        position=_next_position(parent_id),
        language=language,
        translation_of_id=translation_of_id,
    )
    db.session.add(category)
    db.session.flush()
    audit.record(
        "category.create",
        subject_type="category",
        subject_id=category.id,
        summary=f"Tạo chuyên mục “{category.name}”",
        after=summary(category),
    )
    content_changed(category_event("created", category.id))
    return category


@dataclass
class Edited:
    """What :func:`edit` changed: pages whose blocks now name the new slug."""

    touched_pages: set[int]


def edit(
    category: Category,
    *,
    name: str,
    slug: str = "",
    description: str = "",
    parent_id: int | None = None,
    language: str | None = None,
    translation_of_id: int | None = None,
) -> Edited | None:
    """Rename, describe or move ``category``; None (and nothing written) when nothing changed.

    A new slug is written into the blocks (live and in drafts) that named the
    old one; a new parent puts the category after its new siblings.
    """
    require_unit("Editing a category")
    if not name:
        raise CategoryError("Hãy nhập tên chuyên mục.", field="name")
    _check_parent(category, parent_id)
    language = language or category.language
    _check_language(category, language, translation_of_id)
    new_slug = _slug_for(name, slug, category)
    before = summary(category)
    old_slug, old_parent, old_language = category.slug, category.parent_id, category.language
    category.name = name
    category.slug = new_slug
    category.description = description or ""
    category.translation_of_id = translation_of_id
    if language != category.language:
        category.language = language
        follow_category_language(category)  # its articles are in its language
    if parent_id != old_parent:
        category.parent_id = parent_id
        category.position = _next_position(parent_id)
    touched_pages: set[int] = set()
    if category.slug != old_slug:
        touched_pages = _rename_slug_in_blocks(old_slug, category.slug)
        # Readers' links to the old address follow to the new one (301).
        redirects.address_moved(
            redirects.category_path(old_slug, old_language),
            redirects.category_path(category.slug, category.language),
            origin="category",
            note=f"Chuyên mục “{category.name}”",
        )
    after = summary(category)
    if before == after:
        return None
    db.session.flush()
    if parent_id != old_parent:
        _renumber(_siblings(old_parent))
    audit.record(
        "category.update",
        subject_type="category",
        subject_id=category.id,
        summary=f"Sửa chuyên mục “{category.name}”"
        + (f"; {len(touched_pages)} trang có khối được cập nhật" if touched_pages else ""),
        before=before,
        after=after,
    )
    parents = {old_parent, parent_id} - {None}
    content_changed(
        category_event(
            "edited",
            category.id,
            also=[
                tag_names.ARTICLE_LISTS,
                *(tag_names.category(i) for i in parents),
                *(tag_names.page(i) for i in touched_pages),
            ],
        )
    )
    return Edited(touched_pages)


def _rename_slug_in_blocks(old: str, new: str) -> set[int]:
    """Point blocks that name ``old`` at ``new``; return the pages touched."""
    touched: set[int] = set()
    for placement in _placements_naming(old):
        placement.settings = {**placement.settings, CATEGORY_SETTING: new}
        touched.add(placement.page_id)
    for draft in _drafts_naming(old):
        document = copy.deepcopy(draft.document)
        for item in document.get("placements", []):
            if (item.get("settings") or {}).get(CATEGORY_SETTING) == old:
                item["settings"] = {**item["settings"], CATEGORY_SETTING: new}
        draft.document = document
        touched.add(draft.page_id)
    return touched


def reorder(category: Category, direction: str) -> bool:
    """Move ``category`` one place ``"up"`` or ``"down"`` among its siblings.

    False (nothing written) when it is already first or last.
    """
    require_unit("Reordering categories")
    if direction not in ("up", "down"):
        raise CategoryError("Hãy chọn chuyển lên hoặc chuyển xuống.", field="direction")
    siblings = _siblings(category.parent_id)
    index = siblings.index(category)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return False
    before = [s.id for s in siblings]
    siblings[index], siblings[target] = siblings[target], siblings[index]
    _renumber(siblings)
    audit.record(
        "category.reorder",
        subject_type="category",
        subject_id=category.id,
        summary=f"Chuyển chuyên mục “{category.name}” "
        + ("lên trên" if direction == "up" else "xuống dưới"),
        before={"order": before},
        after={"order": [s.id for s in siblings]},
    )
    content_changed(category_event("edited", category.id))
    return True


@dataclass
class Deleted:
    """What :func:`delete` did: the articles it moved and where to."""

    name: str
    moved_ids: list[int]
    target: Category | None


def delete(category: Category, *, move_articles_to: int | None = None) -> Deleted:
    """Delete ``category``, moving its articles to ``move_articles_to`` in the same step.

    Refused (:class:`CategoryInUse`) while subcategories or pages depend on
    it, and (:class:`CategoryError`) when it has articles and no other
    category to receive them.
    """
    require_unit("Deleting a category")
    check = delete_check(category)
    if check.problems:
        raise CategoryInUse(check.problems)
    target = None
    moved_ids: list[int] = []
    if check.article_count:
        target = (
            db.session.get(Category, move_articles_to)
            if move_articles_to not in (None, category.id)
            else None
        )
        if target is None:
            raise CategoryError("Hãy chọn chuyên mục nhận bài viết.", field="move_to")
        moved_ids = _move_articles(category, target.id)
    audit.record(
        "category.delete",
        subject_type="category",
        subject_id=category.id,
        summary=f"Xóa chuyên mục “{category.name}”"
        + (f"; {len(moved_ids)} bài viết chuyển sang “{target.name}”" if target else ""),
        before={**summary(category), "moved_articles": moved_ids},
        after={"moved_to": target.id} if target else None,
    )
    category_id, name, parent_id = category.id, category.name, category.parent_id
    db.session.delete(category)
    db.session.flush()
    _renumber(_siblings(parent_id))
    content_changed(
        category_event(
            "deleted",
            category_id,
            also=[
                tag_names.ARTICLE_LISTS,
                *([tag_names.category(target.id)] if target else []),
                *(tag_names.article(i) for i in moved_ids),
            ],
        )
    )
    return Deleted(name, moved_ids, target)


def _move_articles(category: Category, target_id: int) -> list[int]:
    """Give every article of ``category`` the target category; return their ids.

    The version goes up as for any edit, so a form opened before the move
    cannot silently put an article back into the deleted category.
    """
    ids = list(
        db.session.scalars(
            select(Article.id).where(Article.category_id == category.id).order_by(Article.id)
        )
    )
    db.session.execute(
        update(Article)
        .where(Article.category_id == category.id)
        .values(category_id=target_id, version=Article.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return ids
