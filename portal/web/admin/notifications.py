""" "Thông báo": everyone's own inbox of the newsroom's workflow, and their e-mail choices.

The inbox lists the signed-in person's notifications, newest first; opening
one (a small POST form, so no link can mark it read behind their back) marks
it read and goes to the article. "Đánh dấu đã đọc" and "Đánh dấu tất cả là
đã đọc" do what they say. A notification of someone else is "not found":
nobody can see or touch another person's inbox.

The e-mail choices are a section of "Tài khoản của tôi"
(``admin/account/_notifications.html``) posted here. The notifications
themselves are written by the ``notify`` consumer of content events
(:mod:`portal.content.notifications`), never by a view.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.content import notifications
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import STAFF, roles_required


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("trang", "1")))
    except ValueError:
        return 1


@bp.get("/thong-bao")
@roles_required(*STAFF)
def notifications_list():
    user = current_user._get_current_object()
    page = notifications.inbox(user, page=_page_number())
    return render_template(
        "admin/notifications.html",
        inbox=page,
        kind_labels=notifications.KIND_LABELS,
        unread=notifications.unread_count(user),
    )


@bp.post("/thong-bao/<int:notification_id>/mo")
@roles_required(*STAFF)
def notifications_open(notification_id: int):
    """Mark the notification read and open its article (or the inbox when it is gone)."""
    user = current_user._get_current_object()
    try:
        with change():
            article_id = notifications.open_notification(user, notification_id)
    except notifications.NotificationNotFound:
        abort(404)
    if article_id is None:
        flash("Bài viết của thông báo này không còn nữa.", "error")
        return redirect(url_for("admin.notifications_list"))
    return redirect(url_for("admin.articles_edit", article_id=article_id))


@bp.post("/thong-bao/<int:notification_id>/da-doc")
@roles_required(*STAFF)
def notifications_read(notification_id: int):
    user = current_user._get_current_object()
    try:
        with change():
            notifications.mark_read(user, notification_id)
    except notifications.NotificationNotFound:
        abort(404)
    flash("Đã đánh dấu thông báo là đã đọc.")
    return redirect(url_for("admin.notifications_list", _anchor=f"thong-bao-{notification_id}"))


@bp.post("/thong-bao/da-doc-het")
@roles_required(*STAFF)
def notifications_read_all():
    user = current_user._get_current_object()
    with change():
        marked = notifications.mark_all_read(user)
    flash(
        f"Đã đánh dấu {marked} thông báo là đã đọc."
        if marked
        else "Không có thông báo nào chưa đọc."
    )
    return redirect(url_for("admin.notifications_list"))


@bp.post("/account/notifications")
@roles_required(*STAFF)
def account_notifications():
    """Save which kinds of notification the signed-in person gets by e-mail."""
    user = current_user._get_current_object()
    chosen = request.form.getlist("email")
    try:
        with change():
            changed = notifications.set_email_kinds(user, chosen)
    except notifications.PreferenceError as exc:
        flash(f"Chưa lưu lựa chọn nhận e-mail: {exc}", "error")
    else:
        flash("Đã lưu lựa chọn nhận thông báo qua e-mail." if changed else "Không có gì thay đổi.")
    return redirect(url_for("admin.account", _anchor="thong-bao-email"))
