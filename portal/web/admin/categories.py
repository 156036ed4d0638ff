"""The category tree, for editors: create, rename, describe, move, reorder, delete.

Categories are the site's sections; readers reach them at ``/chuyen-muc/<slug>``
and blocks such as the article list name them by slug. So:

* a slug is made from the name when left empty and is always unique;
* changing a slug updates the blocks (live and in drafts) that name the old
  one, so no list silently goes empty;
* a category can never become its own ancestor;
* a category is deleted only when it has no subcategories and no page is
  tied to it; its articles are moved to another category in the same step.

Every change is audited and announced (``content_changed``) so menus,
breadcrumbs and lists are refreshed at once.
"""

from __future__ import annotations

import copy

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select, update
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.content import audit
from portal.content.events import ContentEvent, content_changed
from portal.extensions import db
from portal.models import Article, Category, Page, PageDraft, Placement, utcnow
from portal.site import CategoryTree
from portal.text import is_clean_slug, slugify, strip_text
from portal.web.admin import bp
from portal.web.admin.access import roles_required

#: Who may change the category tree.
CATEGORY_EDITORS = ("admin", "editor")
#: The block setting that names a category by its slug (article lists).
CATEGORY_SETTING = "category"


class CategoryForm(FlaskForm):
    name = StringField(
        "Tên chuyên mục",
        filters=[strip_text],
        validators=[
            DataRequired("Hãy nhập tên chuyên mục."),
            Length(max=200, message="Tối đa 200 ký tự."),
        ],
    )
    slug = StringField(
        "Đường dẫn rút gọn",
        description=(
            "Phần cuối địa chỉ /chuyen-muc/…: chữ thường không dấu, số và dấu gạch ngang. "
            "Để trống để tạo từ tên. Đổi đường dẫn làm các liên kết cũ tới chuyên mục "
            "không còn dùng được; các khối đang chọn chuyên mục này được cập nhật theo."
        ),
        filters=[strip_text],
        validators=[Length(max=200, message="Tối đa 200 ký tự.")],
    )
    parent_id = SelectField(
        "Chuyên mục cha",
        coerce=int,
        invalid_value_message="Hãy chọn chuyên mục cha trong danh sách.",
        invalid_choice_message=(
            "Hãy chọn chuyên mục cha trong danh sách (một chuyên mục không thể nằm "
            "dưới chính nó hay dưới chuyên mục con của nó)."
        ),
    )
    description = TextAreaField(
        "Mô tả",
        description="Hiện dưới tiêu đề trang chuyên mục.",
        filters=[strip_text],
        validators=[Length(max=2000, message="Tối đa 2000 ký tự.")],
    )

    def __init__(self, *args, category: Category | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        tree = CategoryTree.load()
        excluded = set(tree.descendant_ids(category)) if category is not None else set()
        self.parent_id.choices = [(0, "(Cấp cao nhất)")] + [
            (c.id, f"{'— ' * depth}{c.name}")
            for c, depth in tree_order(tree)
            if c.id not in excluded
        ]

    def validate_slug(self, field) -> None:
        if not field.data:
            return
        if not is_clean_slug(field.data):
            clean = slugify(field.data)
            hint = f" Gợi ý: “{clean}”." if clean else ""
            raise ValidationError(
                "Đường dẫn chỉ gồm chữ thường không dấu, số và dấu gạch ngang." + hint
            )
        other = db.session.scalar(select(Category).where(Category.slug == field.data))
        if other is not None and (self.category is None or other.id != self.category.id):
            raise ValidationError(
                f"Đường dẫn này đã thuộc chuyên mục “{other.name}”. "
                f"Gợi ý: “{unique_slug(field.data)}”."
            )

    def validate_name(self, field) -> None:
        if field.data and not self.slug.data and not slugify(field.data):
            raise ValidationError(
                "Không tạo được đường dẫn từ tên này; hãy nhập đường dẫn rút gọn."
            )


class DeleteForm(FlaskForm):
    move_to = SelectField(
        "Chuyển các bài viết sang chuyên mục",
        coerce=int,
        invalid_value_message="Hãy chọn chuyên mục nhận bài viết.",
        invalid_choice_message="Hãy chọn chuyên mục nhận bài viết trong danh sách.",
    )


# -- helpers ----------------------------------------------------------------


def tree_order(tree: CategoryTree) -> list[tuple[Category, int]]:
    """Every category with its depth, parents before children, siblings in order."""
    ordered: list[tuple[Category, int]] = []

    def walk(items: list[Category], depth: int) -> None:
        for category in items:
            ordered.append((category, depth))
            walk(tree.children.get(category.id, []), depth + 1)

    walk(tree.roots, 0)
    return ordered


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


def category_summary(category: Category) -> dict:
    return {
        "name": category.name,
        "slug": category.slug,
        "parent_id": category.parent_id,
        "description": category.description,
        "position": category.position,
    }


def announce(category_ids: set[int], *, action: str, extra_tags: set[str] = frozenset()) -> None:
    """Purge menus, breadcrumbs and lists that show these categories."""
    tags = {"categories", *extra_tags} | {f"category:{i}" for i in category_ids}
    content_changed(ContentEvent(action, "category", min(category_ids), frozenset(tags)))


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


# -- views --------------------------------------------------------------------


@bp.get("/categories")
@roles_required(*CATEGORY_EDITORS)
def categories_list():
    tree = CategoryTree.load()
    counts = dict(
        db.session.execute(
            select(Article.category_id, func.count()).group_by(Article.category_id)
        ).all()
    )
    rows = []
    for category, depth in tree_order(tree):
        siblings = tree.children.get(category.parent_id, [])
        rows.append(
            {
                "category": category,
                "depth": depth,
                "articles": counts.get(category.id, 0),
                "children": len(tree.children.get(category.id, [])),
                "first": siblings[0] is category,
                "last": siblings[-1] is category,
                "parent": tree.get(category.parent_id),
            }
        )
    return render_template("admin/categories/list.html", rows=rows)


@bp.route("/categories/new", methods=["GET", "POST"])
@roles_required(*CATEGORY_EDITORS)
def category_new():
    form = CategoryForm()
    if request.method == "GET":
        parent = request.args.get("parent", type=int)
        form.parent_id.data = parent if parent in dict(form.parent_id.choices) else 0
    if form.validate_on_submit():
        parent_id = form.parent_id.data or None
        category = Category(
            name=form.name.data,
            slug=form.slug.data or unique_slug(slugify(form.name.data)),
            description=form.description.data or "",
            parent_id=parent_id,
            position=_next_position(parent_id),
        )
        db.session.add(category)
        db.session.flush()
        audit.record(
            "category.create",
            subject_type="category",
            subject_id=category.id,
            summary=f"Tạo chuyên mục “{category.name}”",
            after=category_summary(category),
        )
        db.session.commit()
        announce({category.id}, action="created")
        flash(f"Đã tạo chuyên mục “{category.name}” (/chuyen-muc/{category.slug}).")
        return redirect(url_for("admin.categories_list"))
    return render_template(
        "admin/categories/form.html", form=form, category=None
    ), 422 if form.errors else 200


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@roles_required(*CATEGORY_EDITORS)
def category_edit(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    form = CategoryForm(obj=category, category=category)
    if request.method == "GET":
        form.parent_id.data = category.parent_id or 0
    if form.validate_on_submit():
        before = category_summary(category)
        old_slug, old_parent = category.slug, category.parent_id
        category.name = form.name.data
        category.slug = form.slug.data or unique_slug(
            slugify(form.name.data), exclude_id=category.id
        )
        category.description = form.description.data or ""
        new_parent = form.parent_id.data or None
        if new_parent != old_parent:
            category.parent_id = new_parent
            category.position = _next_position(new_parent)
        touched_pages: set[int] = set()
        if category.slug != old_slug:
            touched_pages = _rename_slug_in_blocks(old_slug, category.slug)
        after = category_summary(category)
        if before == after:
            flash(audit.NOTHING_CHANGED)
            return redirect(url_for("admin.categories_list"))
        db.session.flush()
        if new_parent != old_parent:
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
        db.session.commit()
        announce(
            {category.id}
            | ({old_parent} if old_parent else set())
            | ({new_parent} if new_parent else set()),
            action="edited",
            extra_tags={"articles", *(f"page:{i}" for i in touched_pages)},
        )
        flash(f"Đã lưu chuyên mục “{category.name}”.")
        return redirect(url_for("admin.categories_list"))
    return render_template(
        "admin/categories/form.html",
        form=form,
        category=category,
        pages_using=pages_naming(category.slug),
    ), 422 if form.errors else 200


@bp.post("/categories/<int:category_id>/move")
@roles_required(*CATEGORY_EDITORS)
def category_move(category_id: int):
    """Move a category one place up or down among its siblings."""
    category = db.session.get(Category, category_id) or abort(404)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, "Hãy chọn chuyển lên hoặc chuyển xuống.")
    siblings = _siblings(category.parent_id)
    index = siblings.index(category)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(siblings):
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
        db.session.commit()
        announce({category.id}, action="edited")
        flash(f"Đã chuyển “{category.name}” {'lên' if direction == 'up' else 'xuống'}.")
    return redirect(url_for("admin.categories_list", _anchor=f"chuyen-muc-{category.id}"))


@bp.route("/categories/<int:category_id>/delete", methods=["GET", "POST"])
@roles_required(*CATEGORY_EDITORS)
def category_delete(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    tree = CategoryTree.load()
    children = tree.children.get(category.id, [])
    pages = list(db.session.scalars(select(Page).where(Page.category_id == category.id)))
    article_count = db.session.scalar(
        select(func.count()).select_from(Article).where(Article.category_id == category.id)
    )
    problems = []
    if children:
        problems.append(
            f"Chuyên mục này có {len(children)} chuyên mục con "
            f"({', '.join(c.name for c in children)}). Hãy chuyển chúng sang chuyên mục cha "
            "khác hoặc xóa chúng trước."
        )
    if pages:
        problems.append(
            "Các trang sau đang gắn với chuyên mục này: "
            + ", ".join(f"“{p.title}”" for p in pages)
            + ". Hãy đổi chuyên mục của các trang đó trong “Trang & khối” hoặc xóa chúng trước."
        )
    form = DeleteForm()
    form.move_to.choices = [(0, "— Chọn chuyên mục —")] + [
        (c.id, f"{'— ' * depth}{c.name}") for c, depth in tree_order(tree) if c.id != category.id
    ]
    if not article_count:
        del form.move_to

    if request.method == "POST" and not problems:
        if form.validate_on_submit() and (not article_count or form.move_to.data):
            target_id = form.move_to.data if article_count else None
            moved_ids = _move_articles(category, target_id) if article_count else []
            target = tree.get(target_id)
            audit.record(
                "category.delete",
                subject_type="category",
                subject_id=category.id,
                summary=f"Xóa chuyên mục “{category.name}”"
                + (f"; {len(moved_ids)} bài viết chuyển sang “{target.name}”" if target else ""),
                before={**category_summary(category), "moved_articles": moved_ids},
                after={"moved_to": target_id} if target_id else None,
            )
            name, parent_id = category.name, category.parent_id
            db.session.delete(category)
            db.session.flush()
            _renumber(_siblings(parent_id))
            db.session.commit()
            announce(
                {category_id} | ({target_id} if target_id else set()),
                action="deleted",
                extra_tags={"articles", *(f"article:{i}" for i in moved_ids)},
            )
            flash(
                f"Đã xóa chuyên mục “{name}”"
                + (f" và chuyển {len(moved_ids)} bài viết sang “{target.name}”." if target else ".")
            )
            return redirect(url_for("admin.categories_list"))
        if article_count and not form.move_to.errors:
            form.move_to.errors = ["Hãy chọn chuyên mục nhận bài viết."]
    status = 200
    if request.method == "POST":
        status = 409 if problems else 422
    return render_template(
        "admin/categories/delete.html",
        category=category,
        form=form,
        problems=problems,
        children=children,
        pages=pages,
        article_count=article_count,
        pages_using=pages_naming(category.slug),
    ), status


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
