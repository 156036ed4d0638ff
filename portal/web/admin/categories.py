"""The category tree, for editors: create, rename, describe, move, reorder, delete.

The rules (unique slugs, blocks that follow a new slug, no category under its
own descendant, the delete guard, audit entries and events) live in
:mod:`portal.content.categories`; these views parse the forms, run the change
in a unit of work (:func:`portal.web.actor.change`) and say what happened.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.content import audit, categories
from portal.content.categories import CategoryError, CategoryInUse, pages_naming
from portal.extensions import db
from portal.languages import language_choices
from portal.models import Article, Category
from portal.site import CategoryTree, category_url
from portal.text import slugify, strip_text
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import roles_required
from portal.web.admin.pages import show_on_form

#: Who may change the category tree.
CATEGORY_EDITORS = ("admin", "editor")


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
    language = SelectField(
        "Ngôn ngữ",
        description=(
            "Chuyên mục tiếng Anh nằm ở /en/category/… trong trang tiếng Anh; bài viết "
            "của chuyên mục có ngôn ngữ của chuyên mục."
        ),
        invalid_choice_message="Hãy chọn ngôn ngữ trong danh sách.",
        default="vi",
    )
    translation_of_id = SelectField(
        "Bản tiếng Việt tương ứng",
        description="Với chuyên mục tiếng Anh: nút chuyển ngôn ngữ dẫn tới chuyên mục này.",
        coerce=int,
        invalid_value_message="Hãy chọn chuyên mục trong danh sách.",
        invalid_choice_message="Hãy chọn chuyên mục trong danh sách.",
        default=0,
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
        self.language.choices = language_choices()
        if self.translation_of_id.data is None:  # none named (or a form posted without it)
            self.translation_of_id.data = 0
            self.translation_of_id.process_errors = []
        self.translation_of_id.choices = [(0, "(Không có)")] + [
            (c.id, f"{'— ' * depth}{c.name}")
            for c, depth in tree_order(tree)
            if c.language == "vi" and (category is None or c.id != category.id)
        ]

    def validate_slug(self, field) -> None:
        if not field.data:
            return
        problem = categories.slug_problem(field.data, self.category)
        if problem is not None:
            raise ValidationError(problem)

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
        try:
            with change():
                category = categories.create(
                    form.name.data,
                    slug=form.slug.data or "",
                    description=form.description.data or "",
                    parent_id=form.parent_id.data or None,
                    language=form.language.data,
                    translation_of_id=form.translation_of_id.data or None,
                )
        except CategoryError as exc:
            show_on_form(form, exc)
        else:
            flash(f"Đã tạo chuyên mục “{category.name}” ({category_url(category)}).")
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
        form.translation_of_id.data = category.translation_of_id or 0
    if form.validate_on_submit():
        try:
            with change():
                edited = categories.edit(
                    category,
                    name=form.name.data,
                    slug=form.slug.data or "",
                    description=form.description.data or "",
                    parent_id=form.parent_id.data or None,
                    language=form.language.data,
                    translation_of_id=form.translation_of_id.data or None,
                )
        except CategoryError as exc:
            show_on_form(form, exc)
        else:
            flash(
                audit.NOTHING_CHANGED if edited is None else f"Đã lưu chuyên mục “{category.name}”."
            )
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
    try:
        with change():
            moved = categories.reorder(category, direction)
    except CategoryError as exc:
        abort(400, str(exc))
    if moved:
        flash(f"Đã chuyển “{category.name}” {'lên' if direction == 'up' else 'xuống'}.")
    return redirect(url_for("admin.categories_list", _anchor=f"chuyen-muc-{category.id}"))


@bp.route("/categories/<int:category_id>/delete", methods=["GET", "POST"])
@roles_required(*CATEGORY_EDITORS)
def category_delete(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    check = categories.delete_check(category)
    problems = check.problems
    form = DeleteForm()
    form.move_to.choices = [(0, "— Chọn chuyên mục —")] + [
        (c.id, f"{'— ' * depth}{c.name}")
        for c, depth in tree_order(CategoryTree.load())
        if c.id != category.id
    ]
    if not check.article_count:
        del form.move_to

    if request.method == "POST" and not problems:
        if form.validate_on_submit() and (not check.article_count or form.move_to.data):
            try:
                with change():
                    deleted = categories.delete(
                        category,
                        move_articles_to=form.move_to.data if check.article_count else None,
                    )
            except CategoryInUse as exc:
                problems = exc.problems
            except CategoryError as exc:
                show_on_form(form, exc)
            else:
                target = deleted.target
                flash(
                    f"Đã xóa chuyên mục “{deleted.name}”"
                    + (
                        f" và chuyển {len(deleted.moved_ids)} bài viết sang “{target.name}”."
                        if target
                        else "."
                    )
                )
                return redirect(url_for("admin.categories_list"))
        elif check.article_count and not form.move_to.errors:
            form.move_to.errors = ["Hãy chọn chuyên mục nhận bài viết."]
    status = 200
    if request.method == "POST":
        status = 409 if problems else 422
    return render_template(
        "admin/categories/delete.html",
        category=category,
        form=form,
        problems=problems,
        children=check.children,
        pages=check.pages,
        article_count=check.article_count,
        pages_using=pages_naming(category.slug),
    ), status
