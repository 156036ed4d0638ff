"""Steps on several articles of the list at once, and the list's saved filters.

Bulk steps (publish, unpublish, move to a category, delete) take two posts:
the list's form (the ticked rows, the step) shows a confirmation screen that
changes nothing and says which articles the step will be taken on and which
the user may not touch, and why; its "Xác nhận" button posts again with
``confirm=1`` and the version of each article as shown, and only then is the
step taken (:func:`portal.content.articles.bulk_step`: each article checked on
its own, the refused ones reported by title, the others done; one unit of
work, so their content events are delivered as one batch).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.content import articles as workflow
from portal.content.saved_filters import SavedFilterError, delete_filter, save_filter
from portal.extensions import db
from portal.models import Article
from portal.site import CategoryTree
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import STAFF, roles_required
from portal.web.admin.articles import SCREEN, _status_label
from portal.web.security import is_safe_redirect

#: At most this many articles in one bulk step (a page of the list is 20).
MAX_BULK = 200


def _back() -> str:
    """Where to go afterwards: the list as it was (filters, sort, page), or the list."""
    back = (request.form.get("back") or "").strip()
    if back.startswith("/admin/articles") and is_safe_redirect(back):
        return back
    return url_for("admin.articles_list")


def _ticked() -> list[int]:
    ids = []
    for value in request.form.getlist("ids"):
        if value.strip().isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids[:MAX_BULK]


@bp.post("/articles/bulk")
@roles_required(*STAFF)
def articles_bulk():
    """Confirm (first post) or take (``confirm=1``) a step on the ticked articles."""
    back = _back()
    action = request.form.get("action", "")
    if action not in workflow.BULK_ACTIONS:
        flash("Hãy chọn việc cần làm với các bài đã đánh dấu.", "error")
        return redirect(back)
    ids = _ticked()
    if not ids:
        flash("Chưa đánh dấu bài viết nào: hãy đánh dấu ô ở đầu các dòng cần xử lý.", "error")
        return redirect(back)
    categories = CategoryTree.load()
    # The category menu counts only for a move (it may be left set for another step).
    category_id = request.form.get("category_id", type=int) if action == "move" else None
    if action == "move" and (category_id is None or categories.get(category_id) is None):
        flash("Hãy chọn chuyên mục để chuyển bài đến.", "error")
        return redirect(back)
    found = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}
    # An article the user may not even see is named by its number only.
    visible = [found[i] for i in ids if i in found and workflow.can(current_user, "view", found[i])]
    missing = [f"Bài số {i}" for i in ids if i not in {a.id for a in visible}]
    if request.form.get("confirm") != "1":
        return _confirmation(action, visible, missing, categories, category_id, back)

    versions = {}
    for article in visible:
        raw = request.form.get(f"version-{article.id}", "")
        if raw.isdigit():
            versions[article.id] = int(raw)
    try:
        with change():
            outcome = workflow.bulk_step(
                visible, action, current_user, category_id=category_id, versions=versions
            )
    except StaleDataError:
        flash("Chưa làm gì: một bài vừa được người khác sửa. Hãy thử lại.", "error")
        return redirect(back)
    except workflow.WorkflowError as exc:
        flash(f"Chưa làm gì. {exc}", "error")
        return redirect(back)
    label = workflow.BULK_ACTIONS[action].lower()
    if action == "move":
        label += f" “{categories.get(category_id).name}”"
    if outcome.done:
        flash(f"Đã {label} {len(outcome.done)} bài viết: " + "; ".join(outcome.done) + ".")
    refused = [*((name, "không tìm thấy hoặc bạn không có quyền xem") for name in missing),
               *outcome.refused]  # fmt: skip
    if refused:
        flash(
            f"Không {label} {len(refused)} bài viết (để nguyên như cũ): "
            + "; ".join(f"“{title}”: {reason}" for title, reason in refused),
            "error",
        )
    return redirect(back)


def _confirmation(action, articles, missing, categories, category_id, back):
    take, refuse = [], []
    for article in articles:
        reason = workflow.bulk_refusal(current_user, action, article, category_id=category_id)
        (take if reason is None else refuse).append((article, reason))
    return render_template(
        "admin/articles/bulk.html",
        action=action,
        label=workflow.BULK_ACTIONS[action],
        take=[article for article, _ in take],
        refuse=refuse,
        missing=missing,
        category=categories.get(category_id) if category_id else None,
        status_label=_status_label,
        back=back,
    )


# -- saved filters ---------------------------------------------------------------------------


@bp.post("/articles/saved-filters")
@roles_required(*STAFF)
def articles_filter_save():
    """Save the list's current filters (the posted query string) under a name."""
    query = request.form.get("query", "")
    try:
        with change():
            saved = save_filter(current_user, SCREEN, request.form.get("name", ""), query)
    except SavedFilterError as exc:
        flash(f"Chưa lưu bộ lọc. {exc}", "error")
        return redirect(_back())
    flash(f"Đã lưu bộ lọc “{saved.name}”.")
    return redirect(url_for("admin.articles_list") + "?" + saved.query)


@bp.post("/articles/saved-filters/<int:filter_id>/delete")
@roles_required(*STAFF)
def articles_filter_delete(filter_id: int):
    with change():
        deleted = delete_filter(current_user, filter_id)
    if deleted is None:
        abort(404)
    flash(f"Đã xóa bộ lọc “{deleted.name}”.")
    return redirect(_back())
