"""The editors' screens "Hỏi đáp": the list, one question with its answer, the fields.

Every change goes through :mod:`.content` (a unit of work, an audit entry,
an event); a refused change shows the screen again with what the editor typed.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import Actor, db, roles_required

from . import content
from .forms import answer_form
from .models import STATUS_LABELS, Question

PER_PAGE = 20
EDITORS = ("admin", "editor")

bp = Blueprint("questions_admin", __name__, url_prefix="/admin/hoi-dap")


def _actor() -> Actor:
    return Actor.of_user(current_user, ip=request.remote_addr or "")


@bp.get("/")
@roles_required(*EDITORS)
def index():
    status = request.args.get("trang-thai", "")
    status = status if status in STATUS_LABELS else ""
    fields = content.fields()
    field_arg = request.args.get("linh-vuc", "")
    field_id = int(field_arg) if field_arg.isdigit() and len(field_arg) < 9 else None
    page_arg = request.args.get("trang", "")
    page = max(1, int(page_arg)) if page_arg.isdigit() and len(page_arg) < 6 else 1
    query = sa.select(Question)
    if status:
        query = query.where(Question.status == status)
    if field_id is not None:
        query = query.where(Question.field_id == field_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = list(
        db.session.scalars(
            query.order_by(Question.created_at.desc(), Question.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    pages = max(1, math.ceil(total / PER_PAGE))

    def page_url(number: int) -> str:
        args = {"trang": number}
        if status:
            args["trang-thai"] = status
        if field_id is not None:
            args["linh-vuc"] = field_id
        return url_for("questions_admin.index", **args)

    return render_template(
        "questions/admin/list.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
        status=status,
        field_id=field_id,
        fields=fields,
        field_names={f.id: f.name for f in fields},
        status_labels=STATUS_LABELS,
        counts=content.count_by_status(),
    )


def _question_or_404(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    return question


@bp.route("/<int:question_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(question_id: int):
    question = _question_or_404(question_id)
    fields = content.fields()
    if request.method == "GET":
        return _edit_page(question, answer_form(None, fields, obj=question))
    action = request.form.get("action", "save")
    if action in ("unpublish", "hide", "restore"):
        change = {"unpublish": content.unpublish, "hide": content.hide, "restore": content.restore}
        messages = {
            "unpublish": "Đã gỡ câu hỏi {ref} khỏi trang Hỏi đáp.",
            "hide": "Đã ẩn câu hỏi {ref}.",
            "restore": "Đã khôi phục câu hỏi {ref}.",
        }
        try:
            changed = change[action](_actor(), question_id)
        except content.QuestionError as error:
            flash(str(error), "error")
            return redirect(url_for("questions_admin.index"))
        flash(messages[action].format(ref=changed.reference), "success")
        return redirect(url_for("questions_admin.edit", question_id=question_id))
    form = answer_form(request.form, fields)
    if not form.validate():
        return _edit_page(question, form, "Chưa lưu: hãy sửa các ô được đánh dấu.", status=400)
    edit_data = content.Edit(
        subject=form.subject.data,
        body=form.body.data,
        name=form.name.data,
        field_id=int(form.field.data) if (form.field.data or "").isdigit() else None,
        answer_html=form.answer_html.data or "",
        answered_by=form.answered_by.data or "",
        version=form.version.data,
    )
    try:
        saved = content.save(_actor(), question_id, edit_data, publish=action == "publish")
    except content.QuestionError as error:
        db.session.rollback()
        question = _question_or_404(question_id)
        status = 400
        if isinstance(error, content.EditConflict):
            # Saving again now is a deliberate choice: it overwrites the other save.
            form.version.data = question.version
            status = 409
        return _edit_page(question, form, str(error), status=status)
    if action == "publish":
        flash(f"Đã công bố câu hỏi {saved.reference} tại trang Hỏi đáp.", "success")
    else:
        flash(f"Đã lưu câu hỏi {saved.reference}.", "success")
    return redirect(url_for("questions_admin.edit", question_id=question_id))


def _edit_page(question: Question, form, error: str = "", status: int = 200):
    if error:
        flash(error, "error")
    html = render_template(
        "questions/admin/edit.html",
        question=question,
        form=form,
        current_version=question.version,
    )
    return html, status


@bp.route("/<int:question_id>/xoa", methods=["GET", "POST"])
@roles_required(*EDITORS)
def delete(question_id: int):
    question = _question_or_404(question_id)
    if request.method == "GET":
        return render_template("questions/admin/delete.html", question=question)
    try:
        reference = content.delete(_actor(), question_id)
    except content.QuestionError as error:
        flash(str(error), "error")
        return redirect(url_for("questions_admin.index"))
    flash(f"Đã xoá câu hỏi {reference}.", "success")
    return redirect(url_for("questions_admin.index"))


@bp.route("/linh-vuc", methods=["GET", "POST"])
@roles_required("admin")
def fields():
    typed = ""
    status = 200
    if request.method == "POST":
        if request.form.get("delete", "").isdigit():
            try:
                name = content.delete_field(_actor(), int(request.form["delete"]))
            except content.QuestionError as error:
                flash(str(error), "error")
            else:
                flash(f"Đã xoá lĩnh vực “{name}”. Các câu hỏi của lĩnh vực này vẫn còn.", "success")
            return redirect(url_for("questions_admin.fields"))
        typed = request.form.get("name", "")
        try:
            field = content.add_field(_actor(), typed)
        except content.QuestionError as error:
            db.session.rollback()
            flash(str(error), "error")
            status = 400
        else:
            flash(f"Đã thêm lĩnh vực “{field.name}”.", "success")
            return redirect(url_for("questions_admin.fields"))
    html = render_template("questions/admin/fields.html", fields=content.fields(), typed=typed)
    return html, status
