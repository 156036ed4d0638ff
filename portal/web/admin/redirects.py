"""Redirects of old addresses: list with search, add, change, delete (``/admin/redirects``).

The rules (paths, targets, no duplicate, no loop, chains collapsed), audit
entries and events live in :mod:`portal.content.redirects`; these views parse
the forms and run the change in a unit of work.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length

from portal.content import audit, redirects
from portal.content.redirects import ORIGIN_LABELS, STATUS_LABELS, RedirectError, RedirectFields
from portal.extensions import db
from portal.models import Redirect
from portal.text import strip_text
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import roles_required
from portal.web.admin.pages import show_on_form

#: Who manages redirects: those who change addresses (categories, pages).
REDIRECT_EDITORS = ("admin", "editor")
#: Redirects per page of the list.
PER_PAGE = 50


class RedirectForm(FlaskForm):
    old_path = StringField(
        "Đường dẫn cũ",
        filters=[strip_text],
        description="Địa chỉ người đọc còn dùng, bắt đầu bằng “/”, ví dụ /gioi-thieu-cu.",
        validators=[Length(max=1000, message="Tối đa 1000 ký tự.")],
    )
    status = SelectField(
        "Kiểu",
        coerce=int,
        choices=dict(STATUS_LABELS),
        description="301: người đọc được chuyển tới địa chỉ mới. 410: báo trang đã bị gỡ bỏ vĩnh viễn.",
        invalid_value_message="Hãy chọn kiểu trong danh sách.",
        invalid_choice_message="Hãy chọn kiểu trong danh sách.",
        default=301,
    )
    new_path = StringField(
        "Địa chỉ mới",
        filters=[strip_text],
        description="Với 301: đường dẫn trong trang (/gioi-thieu) hoặc địa chỉ đầy đủ "
        "(https://…). Bỏ trống với 410.",
        validators=[Length(max=1000, message="Tối đa 1000 ký tự.")],
    )
    note = StringField(
        "Ghi chú",
        filters=[strip_text],
        validators=[Length(max=300, message="Tối đa 300 ký tự.")],
    )

    def fields(self) -> RedirectFields:
        return RedirectFields(
            old_path=self.old_path.data or "",
            status=self.status.data or 301,
            new_path=self.new_path.data or "",
            note=self.note.data or "",
        )


@bp.get("/redirects")
@roles_required(*REDIRECT_EDITORS)
def redirects_list():
    text = (request.args.get("q") or "").strip()[:200]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = redirects.search(text, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "admin/redirects/list.html",
        rows=rows,
        total=total,
        text=text,
        page=min(page, pages),
        pages=pages,
        status_labels=STATUS_LABELS,
        origin_labels=ORIGIN_LABELS,
        page_url=lambda number: url_for("admin.redirects_list", q=text or None, page=number),
    )


def _save(form: RedirectForm, item: Redirect | None):
    try:
        with change():
            if item is None:
                saved = redirects.add(form.fields())
                changed = True
            else:
                changed = redirects.update(item, form.fields())
                saved = item
    except RedirectError as exc:
        show_on_form(form, exc)
        return None
    if changed:
        flash(f"Đã lưu chuyển hướng {saved.old_path}.")
    else:
        flash(audit.NOTHING_CHANGED)
    return redirect(url_for("admin.redirects_list", q=saved.old_path))


@bp.route("/redirects/new", methods=["GET", "POST"])
@roles_required(*REDIRECT_EDITORS)
def redirect_new():
    form = RedirectForm()
    if request.method == "GET" and request.args.get("old_path"):
        form.old_path.data = request.args["old_path"][:1000]
    if form.validate_on_submit():
        done = _save(form, None)
        if done is not None:
            return done
    return render_template(
        "admin/redirects/form.html", form=form, item=None
    ), 422 if form.errors else 200


@bp.route("/redirects/<int:redirect_id>", methods=["GET", "POST"])
@roles_required(*REDIRECT_EDITORS)
def redirect_edit(redirect_id: int):
    item = db.session.get(Redirect, redirect_id) or abort(404)
    form = RedirectForm(obj=item)
    if form.validate_on_submit():
        done = _save(form, item)
        if done is not None:
            return done
    return render_template(
        "admin/redirects/form.html", form=form, item=item
    ), 422 if form.errors else 200


@bp.route("/redirects/<int:redirect_id>/delete", methods=["GET", "POST"])
@roles_required(*REDIRECT_EDITORS)
def redirect_delete(redirect_id: int):
    item = db.session.get(Redirect, redirect_id) or abort(404)
    if request.method == "POST":
        with change():
            old = redirects.delete(item)
        flash(f"Đã xóa chuyển hướng {old}; địa chỉ này lại trả lời “Không tìm thấy trang”.")
        return redirect(url_for("admin.redirects_list"))
    return render_template("admin/redirects/delete.html", item=item, status_labels=STATUS_LABELS)
