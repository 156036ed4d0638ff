"""Content events not yet delivered, for admins: what waits, why, and a button to retry.

A change's events are delivered after its commit (cache purge, plugins); one
whose consumer fails is retried with growing waits and, after
``PORTAL_EVENT_MAX_ATTEMPTS``, is marked failed (portal/content/outbox.py).
This screen lists the pending and failed ones and sends failed ones again.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from portal.content import notifications, outbox
from portal.models.events import FAILED, PENDING
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required

ACTION_LABELS = {
    "published": "Xuất bản",
    "unpublished": "Gỡ",
    "edited": "Sửa",
    "deleted": "Xóa",
    "created": "Tạo",
    "purged": "Xóa bộ nhớ đệm theo yêu cầu của",
    # The newsroom's workflow steps and notification e-mails (portal.content.notifications).
    "submitted": "Thông báo gửi duyệt:",
    "sent_back": "Thông báo trả lại:",
    "scheduled": "Thông báo hẹn giờ:",
    "mail": "Gửi e-mail",
}
#: Most events listed (failed first, oldest first); "Thử lại tất cả" covers every failed one.
LIMIT = 200
SUBJECT_LABELS = {
    "article": "bài viết",
    "category": "chuyên mục",
    "page": "trang",
    "article_note": "bước duyệt bài",
    "notification": "thông báo",
}


def consumer_label(consumer: str) -> str:
    """``cache``, ``search`` and ``plugin:<name>`` as an admin reads them."""
    if consumer == outbox.CACHE_CONSUMER:
        return "Bộ nhớ đệm"
    if consumer == outbox.SEARCH_CONSUMER:
        return "Chỉ mục tìm kiếm"
    if consumer == notifications.NOTIFY_CONSUMER:
        return "Hộp thông báo"
    if consumer == notifications.MAIL_CONSUMER:
        return "E-mail thông báo"
    if consumer.startswith(outbox.PLUGIN_PREFIX):
        return f"Plugin {consumer.removeprefix(outbox.PLUGIN_PREFIX)}"
    return consumer


def what_label(row) -> str:
    """E.g. "Xuất bản bài viết #12"."""
    action = ACTION_LABELS.get(row.action, row.action)
    subject = SUBJECT_LABELS.get(row.subject, row.subject)
    if row.subject.startswith(outbox.PLUGIN_PREFIX):  # a purge a plugin asked for
        subject = f"plugin {row.subject.removeprefix(outbox.PLUGIN_PREFIX)}"
    number = f" #{row.subject_id}" if row.subject_id is not None else ""
    return f"{action} {subject}{number}"


@bp.get("/content-events")
@roles_required(*SITE_ADMINS)
def content_events():
    rows = outbox.undelivered(limit=LIMIT)
    counts = outbox.undelivered_counts()
    return render_template(
        "admin/content_events/list.html",
        rows=rows,
        failed=counts[FAILED],
        pending=counts[PENDING],
        failed_status=FAILED,
        consumer_label=consumer_label,
        what_label=what_label,
        max_attempts=int(current_app.config["PORTAL_EVENT_MAX_ATTEMPTS"]),
    )


@bp.post("/content-events/retry")
@roles_required(*SITE_ADMINS)
def content_events_retry():
    """Send one failed event (``event_id``) or every failed one (no ``event_id``) again."""
    raw = request.form.get("event_id", "").strip()
    if raw and not raw.isdigit():
        abort(400)
    with change():
        retried = outbox.retry([int(raw)] if raw else None)
    if not retried:
        flash("Không có sự kiện lỗi nào để gửi lại (có thể đã được gửi lại rồi).")
        return redirect(url_for("admin.content_events"))
    report = outbox.deliver(ids=retried)
    message = f"Đã gửi lại {len(retried)} sự kiện: {len(report.delivered)} đã gửi xong"
    if report.retrying:
        message += f", {len(report.retrying)} vẫn lỗi và sẽ được thử lại sau"
    if report.failed:
        message += f", {len(report.failed)} vẫn lỗi"
    flash(message + ".", "error" if report.retrying or report.failed else "message")
    return redirect(url_for("admin.content_events"))
