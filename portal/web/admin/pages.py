"""The list of pages (a tree) and their properties: create, rename, move, delete."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import delete, select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.content import audit
from portal.content.events import ContentEvent, content_changed
from portal.content.page_drafts import announce_published, live_document
from portal.content.page_paths import CATEGORY_KINDS, PATH_KINDS, is_reserved, is_well_formed
from portal.extensions import db
from portal.models import PAGE_KINDS, Page, PageDraft, PageRevision
from portal.plugins import plugins_of
from portal.site import CategoryTree, PageTree
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required

KIND_LABELS = {
    "home": "Trang chủ",
    "category": "Trang chuyên mục",
    "article": "Mẫu trang bài viết",
    "search": "Trang tìm kiếm",
    "static": "Trang tĩnh",
}


class PageForm(FlaskForm):
    title = StringField(
        "Tiêu đề trang",
        validators=[
            DataRequired("Hãy nhập tiêu đề."),
            Length(max=300, message="Tối đa 300 ký tự."),
        ],
    )
    kind = SelectField(
        "Loại trang",
        choices={k: KIND_LABELS[k] for k in PAGE_KINDS},
        invalid_choice_message="Hãy chọn một loại trang trong danh sách.",
    )
    path = StringField(
        "Đường dẫn",
        description="Chỉ cho trang chủ, trang tĩnh, trang tìm kiếm. Ví dụ: /gioi-thieu",
        validators=[Length(max=300, message="Tối đa 300 ký tự.")],
    )
    parent_id = SelectField(
        "Trang cha",
        coerce=int,
        invalid_value_message="Hãy chọn trang cha trong danh sách.",
        invalid_choice_message="Hãy chọn trang cha trong danh sách (một trang không thể nằm dưới chính nó).",
    )
    category_id = SelectField(
        "Chuyên mục",
        coerce=int,
        description="Cho trang chuyên mục và mẫu trang bài viết; “Mặc định” dùng cho mọi chuyên mục chưa có trang riêng.",
        invalid_value_message="Hãy chọn chuyên mục trong danh sách.",
        invalid_choice_message="Hãy chọn chuyên mục trong danh sách.",
    )
    layout = SelectField("Bố cục", invalid_choice_message="Hãy chọn bố cục trong danh sách.")

    def __init__(self, *args, page: Page | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        pages = PageTree.load()
        categories = CategoryTree.load()
        excluded = _subtree_ids(pages, page) if page is not None else set()
        self.parent_id.choices = [
            (p.id, f"{'— ' * len(pages.ancestors(p))}{p.title}")
            for p in _tree_order(pages)
            if p.id not in excluded
        ]
        if (page is not None and page.parent_id is None) or not self.parent_id.choices:
            # The root has no parent; on an empty site the first page becomes the root.
            self.parent_id.choices = [(0, "(Trang gốc của site)")]
        self.category_id.choices = [(0, "Mặc định (mọi chuyên mục)")] + [
            (c.id, f"{'— ' * (len(categories.ancestors(c)) - 1)}{c.name}")
            for c in _category_order(categories)
        ]
        self.layout.choices = [
            (layout.name, layout.label) for layout in plugins_of(current_app).layouts.values()
        ]

    def validate_path(self, field) -> None:
        if self.kind.data not in PATH_KINDS:
            return
        path = (field.data or "").strip()
        if not path:
            raise ValidationError("Loại trang này cần một đường dẫn, ví dụ /gioi-thieu.")
        if not is_well_formed(path):
            raise ValidationError(
                "Đường dẫn bắt đầu bằng “/”, chỉ gồm chữ thường không dấu, số và dấu gạch ngang."
            )
        if is_reserved(path):
            raise ValidationError("Đường dẫn này đã được hệ thống dùng; hãy chọn đường dẫn khác.")
        other = db.session.scalar(select(Page).where(Page.path == path))
        if other is not None and (self.page is None or other.id != self.page.id):
            raise ValidationError(f"Đường dẫn này đã thuộc trang “{other.title}”.")

    def validate_category_id(self, field) -> None:
        if self.kind.data not in CATEGORY_KINDS:
            return
        category_id = field.data or None
        query = select(Page).where(Page.kind == self.kind.data)
        query = query.where(
            Page.category_id.is_(None) if category_id is None else Page.category_id == category_id
        )
        other = db.session.scalar(query)
        if other is not None and (self.page is None or other.id != self.page.id):
            raise ValidationError(f"Chuyên mục này đã có trang cùng loại: “{other.title}”.")


def _tree_order(pages: PageTree) -> list[Page]:
    ordered: list[Page] = []
    children: dict[int | None, list[Page]] = {}
    for p in pages.by_id.values():
        children.setdefault(p.parent_id, []).append(p)

    def walk(parent_id):
        for child in sorted(children.get(parent_id, []), key=lambda p: p.id):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


def _category_order(categories: CategoryTree):
    ordered = []

    def walk(items):
        for category in items:
            ordered.append(category)
            walk(categories.children.get(category.id, []))

    walk(categories.roots)
    return ordered


def _subtree_ids(pages: PageTree, page: Page) -> set[int]:
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


def _apply_form(page: Page, form: PageForm) -> None:
    page.title = form.title.data.strip()
    page.kind = form.kind.data
    page.path = form.path.data.strip() if form.kind.data in PATH_KINDS else None
    page.category_id = (form.category_id.data or None) if form.kind.data in CATEGORY_KINDS else None
    if form.parent_id.data:
        page.parent_id = form.parent_id.data


def page_summary(page: Page) -> dict:
    return {
        "title": page.title,
        "kind": page.kind,
        "path": page.path,
        "parent_id": page.parent_id,
        "category_id": page.category_id,
        "layout": page.layout,
    }


@bp.get("/pages")
@roles_required(*SITE_ADMINS)
def pages_list():
    pages = PageTree.load()
    categories = CategoryTree.load()
    drafts = set(db.session.scalars(select(PageDraft.page_id)))
    plugins = plugins_of(current_app)
    rows = [
        {
            "page": p,
            "depth": len(pages.ancestors(p)),
            "kind_label": KIND_LABELS.get(p.kind, p.kind),
            "layout": plugins.layout(p.layout),
            "category": categories.get(p.category_id),
            "has_draft": p.id in drafts,
        }
        for p in _tree_order(pages)
    ]
    return render_template("admin/pages/list.html", rows=rows)


@bp.route("/pages/new", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def page_new():
    form = PageForm()
    if request.method == "GET":
        root = PageTree.load().root
        form.parent_id.data = request.args.get("parent", type=int) or (root.id if root else 0)
        form.kind.data = (
            request.args.get("kind") if request.args.get("kind") in PAGE_KINDS else "static"
        )
        form.layout.data = "one_column"
    if form.validate_on_submit():
        layout = plugins_of(current_app).layout(form.layout.data)
        page = Page(layout=layout.name, blocked_regions=layout.default_blocked_regions())
        _apply_form(page, form)
        if page.parent_id is None and PageTree.load().root is not None:
            page.parent_id = PageTree.load().root.id
        db.session.add(page)
        db.session.flush()
        audit.record(
            "page.create",
            subject_type="page",
            subject_id=page.id,
            summary=f"Tạo trang “{page.title}”",
            after=page_summary(page),
        )
        db.session.commit()
        flash(f"Đã tạo trang “{page.title}”. Hãy thêm khối cho trang.")
        return redirect(url_for("admin.page_editor", page_id=page.id))
    return render_template(
        "admin/pages/form.html", form=form, page=None
    ), 422 if form.errors else 200


@bp.route("/pages/<int:page_id>/properties", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def page_properties(page_id: int):
    page = db.session.get(Page, page_id) or abort(404)
    form = PageForm(obj=page, page=page)
    del form.layout  # the layout is part of the draft; it changes in the page editor
    if request.method == "GET":
        form.parent_id.data = page.parent_id or 0
        form.category_id.data = page.category_id or 0
    if form.validate_on_submit():
        before = page_summary(page)
        _apply_form(page, form)
        if audit.record_change(
            "page.update",
            subject_type="page",
            subject_id=page.id,
            summary=f"Sửa thuộc tính trang “{page.title}”",
            before=before,
            after=page_summary(page),
        ):
            db.session.commit()
            announce_published(page, action="edited")
            flash("Đã lưu thuộc tính trang.")
        else:
            flash(audit.NOTHING_CHANGED)
        return redirect(url_for("admin.page_editor", page_id=page.id))
    return render_template(
        "admin/pages/form.html", form=form, page=page
    ), 422 if form.errors else 200


@bp.route("/pages/<int:page_id>/delete", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def page_delete(page_id: int):
    page = db.session.get(Page, page_id) or abort(404)
    children = list(db.session.scalars(select(Page).where(Page.parent_id == page.id)))
    problem = None
    if page.parent_id is None:
        problem = "Không thể xóa trang gốc: mọi trang khác kế thừa đầu trang và chân trang từ nó."
    elif children:
        problem = (
            f"Trang này có {len(children)} trang con. Hãy chuyển chúng sang trang cha khác "
            "hoặc xóa chúng trước."
        )
    if request.method == "POST" and problem is None:
        title = page.title
        audit.record(
            "page.delete",
            subject_type="page",
            subject_id=page.id,
            summary=f"Xóa trang “{title}”",
            before={**page_summary(page), "document": live_document(page)},
        )
        db.session.execute(delete(PageDraft).where(PageDraft.page_id == page.id))
        db.session.execute(delete(PageRevision).where(PageRevision.page_id == page.id))
        page_id = page.id
        db.session.delete(page)
        db.session.commit()
        content_changed(ContentEvent("deleted", "page", page_id, frozenset({f"page:{page_id}"})))
        flash(f"Đã xóa trang “{title}”.")
        return redirect(url_for("admin.pages_list"))
    status = 409 if (request.method == "POST" and problem) else 200
    return render_template("admin/pages/delete.html", page=page, problem=problem), status
