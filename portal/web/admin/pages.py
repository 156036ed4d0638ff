"""The list of pages (a tree) and their properties: create, rename, move, delete.

The rules (paths, one page per category and kind, no page under its own
subtree, the delete guard, audit entries and events) live in
:mod:`portal.content.pages`; these views parse the forms and run the change in
a unit of work (:func:`portal.web.actor.change`).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.content import audit, autosaves, pages
from portal.content.pages import PageError, PageFields, PageInUse, subtree_ids
from portal.extensions import db
from portal.languages import language_choices
from portal.models import PAGE_KINDS, Page, PageDraft
from portal.plugins import plugins_of
from portal.site import CategoryTree, PageTree
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required
from portal.web.admin.confirm import ask, confirmed
from portal.web.admin.seo_form import SeoFields, social_picker_url

KIND_LABELS = {
    "home": "Trang chủ",
    "category": "Trang chuyên mục",
    "article": "Mẫu trang bài viết",
    "search": "Trang tìm kiếm",
    "static": "Trang tĩnh",
    "tag": "Mẫu trang thẻ",
}


class PageForm(FlaskForm, SeoFields):
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
    language = SelectField(
        "Ngôn ngữ",
        description="Ngôn ngữ của nội dung và giao diện trang (thẻ lang). Trang tiếng Anh "
        "thường có đường dẫn /en/…",
        invalid_choice_message="Hãy chọn ngôn ngữ trong danh sách.",
        default="vi",
    )
    translation_of_id = SelectField(
        "Trang tiếng Việt tương ứng",
        coerce=int,
        description="Với trang tiếng Anh: nút chuyển ngôn ngữ và thẻ hreflang dẫn tới trang này.",
        invalid_value_message="Hãy chọn trang trong danh sách.",
        invalid_choice_message="Hãy chọn trang trong danh sách.",
        default=0,
    )
    layout = SelectField("Bố cục", invalid_choice_message="Hãy chọn bố cục trong danh sách.")

    def __init__(self, *args, page: Page | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        tree = PageTree.load()
        categories = CategoryTree.load()
        excluded = subtree_ids(tree, page) if page is not None else set()
        self.parent_id.choices = [
            (p.id, f"{'— ' * len(tree.ancestors(p))}{p.title}")
            for p in _tree_order(tree)
            if p.id not in excluded
        ]
        if (page is not None and page.parent_id is None) or not self.parent_id.choices:
            # The root has no parent; on an empty site the first page becomes the root.
            self.parent_id.choices = [(0, "(Trang gốc của site)")]
        self.category_id.choices = [(0, "Mặc định (mọi chuyên mục)")] + [
            (c.id, f"{'— ' * (len(categories.ancestors(c)) - 1)}{c.name}")
            for c in _category_order(categories)
        ]
        self.language.choices = language_choices()
        if self.translation_of_id.data is None:  # none named (or a form posted without it)
            self.translation_of_id.data = 0
            self.translation_of_id.process_errors = []
        self.translation_of_id.choices = [(0, "(Không có)")] + [
            (p.id, f"{p.title} ({p.path})")
            for p in _tree_order(tree)
            if p.language == "vi" and p.path and (page is None or p.id != page.id)
        ]
        self.layout.choices = [
            (layout.name, layout.label) for layout in plugins_of(current_app).layouts.values()
        ]
        self.init_seo(page)
        self.social_image_id.choices[0] = (0, "— Không có —")

    def validate_path(self, field) -> None:
        problem = pages.path_problem(self.kind.data, field.data, self.page)
        if problem is not None:
            raise ValidationError(problem)

    def validate_kind(self, field) -> None:
        problem = pages.kind_problem(field.data, self.page)
        if problem is not None:
            raise ValidationError(problem)

    def validate_category_id(self, field) -> None:
        problem = pages.category_problem(
            self.kind.data, field.data or None, self.page, self.language.data
        )
        if problem is not None:
            raise ValidationError(problem)


def _tree_order(tree: PageTree) -> list[Page]:
    ordered: list[Page] = []
    children: dict[int | None, list[Page]] = {}
    for p in tree.by_id.values():
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


def _fields(form: PageForm) -> PageFields:
    return PageFields(
        title=form.title.data.strip(),
        kind=form.kind.data,
        path=form.path.data,
        parent_id=form.parent_id.data or None,
        category_id=form.category_id.data or None,
        language=form.language.data,
        translation_of_id=form.translation_of_id.data or None,
        seo=form.seo_values(),
    )


def show_on_form(form: FlaskForm, error: ValueError) -> None:
    """Show a rule a change broke beside the field it is about (else above the form).

    ``error`` is a content-layer error with a ``field`` (PageError, CategoryError ...).
    """
    name = getattr(error, "field", "")
    field = getattr(form, name, None) if name else None
    if field is None:
        flash(str(error), "error")
        field = next(iter(form))
    field.errors = [*field.errors, str(error)]


#: The autosave key of the "new page" form (portal.content.autosaves).
NEW_PAGE_KEY = "page:0:new"


def _properties_key(page: Page) -> str:
    return f"page:{page.id}:properties"


def _autosave(key: str) -> dict:
    """The form's autosave: its key, where it goes, and what is offered back (on GET)."""
    offered = autosaves.offered(current_user, key) if request.method == "GET" else None
    return {
        "autosave": {"key": key, "url": url_for("admin.autosave_store"), "offered": offered},
        "unsaved": request.method == "POST",
    }


@bp.get("/pages")
@roles_required(*SITE_ADMINS)
def pages_list():
    tree = PageTree.load()
    categories = CategoryTree.load()
    drafts = set(db.session.scalars(select(PageDraft.page_id)))
    plugins = plugins_of(current_app)
    rows = [
        {
            "page": p,
            "depth": len(tree.ancestors(p)),
            "kind_label": KIND_LABELS.get(p.kind, p.kind),
            "layout": plugins.layout(p.layout),
            "category": categories.get(p.category_id),
            "has_draft": p.id in drafts,
            "state_problem": pages.publish_problem(p, not p.published),
        }
        for p in _tree_order(tree)
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
        try:
            with change():
                page = pages.create(_fields(form), layout_name=form.layout.data)
                autosaves.clear(current_user, NEW_PAGE_KEY)
        except PageError as exc:
            show_on_form(form, exc)
        else:
            flash(
                f"Đã tạo trang “{page.title}” ở dạng nháp: bạn đọc chưa thấy trang. "
                "Hãy thêm khối, xem trước rồi bấm “Đưa trang lên trang web”."
                if not page.published
                else f"Đã tạo trang “{page.title}”. Hãy thêm khối cho trang."
            )
            return redirect(url_for("admin.page_editor", page_id=page.id))
    return render_template(
        "admin/pages/form.html",
        form=form,
        page=None,
        seo_picker_url=social_picker_url(url_for("admin.page_new")),
        **_autosave(NEW_PAGE_KEY),
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
        form.translation_of_id.data = page.translation_of_id or 0
    if form.validate_on_submit():
        try:
            with change():
                changed = pages.update_properties(page, _fields(form))
                autosaves.clear(current_user, _properties_key(page))
        except PageError as exc:
            show_on_form(form, exc)
        else:
            flash("Đã lưu thuộc tính trang." if changed else audit.NOTHING_CHANGED)
            return redirect(url_for("admin.page_editor", page_id=page.id))
    return render_template(
        "admin/pages/form.html",
        form=form,
        page=page,
        seo_picker_url=social_picker_url(url_for("admin.page_properties", page_id=page.id)),
        **_autosave(_properties_key(page)),
    ), 422 if form.errors else 200


@bp.route("/pages/<int:page_id>/delete", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def page_delete(page_id: int):
    page = db.session.get(Page, page_id) or abort(404)
    problem = pages.delete_problem(page)
    if request.method == "POST" and problem is None:
        try:
            with change():
                title = pages.delete(page)
        except PageInUse as exc:
            problem = str(exc)
        else:
            flash(f"Đã xóa trang “{title}”.")
            return redirect(url_for("admin.pages_list"))
    status = 409 if (request.method == "POST" and problem) else 200
    return render_template("admin/pages/delete.html", page=page, problem=problem), status


@bp.post("/pages/<int:page_id>/state")
@roles_required(*SITE_ADMINS)
def page_state(page_id: int):
    """Put a page on the site (``published=1``) or take it off (``0``, after a confirm step)."""
    page = db.session.get(Page, page_id) or abort(404)
    wanted = request.form.get("published")
    if wanted not in ("0", "1"):
        abort(400, "Thao tác không hợp lệ.")
    published = wanted == "1"
    back = request.form.get("back") == "list"
    back_url = (
        url_for("admin.pages_list") if back else url_for("admin.page_editor", page_id=page.id)
    )
    if not published and not confirmed():
        return ask(
            title=f"Gỡ trang “{page.title}” khỏi trang web?",
            message="Bạn đọc mở trang sẽ gặp lỗi 404; trang biến khỏi menu và sơ đồ trang. "
            "Các khối và lịch sử của trang vẫn còn: bạn có thể đưa trang lên lại bất cứ lúc nào.",
            button="Gỡ trang",
            back=back_url,
        )
    try:
        with change():
            changed = pages.set_published(page, published)
    except PageError as exc:
        flash(str(exc), "error")
        return redirect(back_url)
    if not changed:
        flash(audit.NOTHING_CHANGED)
    elif published:
        flash(f"Đã đưa trang “{page.title}” lên trang web: bạn đọc đã thấy trang.")
    else:
        flash(f"Đã gỡ trang “{page.title}” khỏi trang web. Bạn có thể đưa trang lên lại.")
    return redirect(back_url)
