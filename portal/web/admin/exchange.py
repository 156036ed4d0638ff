"""Xuất / nhập dữ liệu, for admins: export the site, import a site archive or a feed.

The work runs in the background (portal/content/exchange_jobs.py); each job has
a page showing its progress (polled by admin-exchange.js, refreshed by the page
itself without JavaScript) and then its report. A site import is checked first
(a dry run) and waits for the admin to confirm it.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from portal.content import exchange_jobs as jobs
from portal.extensions import db
from portal.models import Category
from portal.web.actor import request_actor
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required

KIND_LABELS = {
    jobs.EXPORT: "Xuất toàn bộ site",
    jobs.SITE_IMPORT: "Nhập toàn bộ site",
    jobs.FEED_IMPORT: "Nhập từ nguồn tin",
}
STATUS_LABELS = {
    jobs.CHECKING: "Đang kiểm tra",
    jobs.CHECKED: "Chờ xác nhận",
    jobs.RUNNING: "Đang chạy",
    jobs.DONE: "Xong",
    jobs.FAILED: "Không thực hiện được",
    jobs.CANCELLED: "Đã hủy",
}
#: Content tables as an admin reads them (others are shown by their name).
TABLE_LABELS = {
    "categories": "chuyên mục",
    "tags": "thẻ",
    "media_images": "ảnh",
    "articles": "bài viết",
    "article_tags": "gắn thẻ bài viết",
    "article_image_uses": "ảnh dùng trong bài",
    "attachments": "tệp đính kèm",
    "article_revisions": "phiên bản bài viết",
    "article_notes": "ghi chú biên tập",
    "article_daily_views": "lượt xem theo ngày",
    "pages": "trang",
    "placements": "khối trên trang",
    "page_drafts": "bản nháp trang",
    "page_revisions": "phiên bản trang",
}


def counts_text(counts: dict[str, int]) -> str:
    """E.g. "3 chuyên mục, 12 bài viết"."""
    return ", ".join(f"{n} {TABLE_LABELS.get(name, name)}" for name, n in counts.items() if n)


def _categories():
    return list(db.session.scalars(select(Category).order_by(Category.name)))


def _job_or_404(job_id: int):
    job = jobs.get_job(job_id)
    if job is None:
        abort(404)
    return job


def _render_screen(status: int = 200, **values):
    return render_template(
        "admin/exchange/index.html",
        active=[jobs.job_state(job) for job in jobs.active_jobs()],
        recent=jobs.recent_jobs(),
        categories=_categories(),
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        form=request.form,
        **values,
    ), status


@bp.get("/exchange")
@roles_required(*SITE_ADMINS)
def exchange():
    return _render_screen()


def _refused(error: jobs.JobRefused, section: str):
    """The screen again with the message next to the form it is about (nothing changed)."""
    status = 409 if isinstance(error, jobs.JobBusy) else 400
    return _render_screen(status, error=str(error), section=section)


@bp.post("/exchange/export")
@roles_required(*SITE_ADMINS)
def exchange_export():
    try:
        job = jobs.start_export(
            request_actor(), include_history=not request.form.get("without_history")
        )
    except jobs.JobRefused as exc:
        return _refused(exc, "export")
    return redirect(url_for("admin.exchange_job", job_id=job.id))


@bp.post("/exchange/import")
@roles_required(*SITE_ADMINS)
def exchange_import():
    upload = request.files.get("archive")
    mode = request.form.get("mode", "")
    try:
        if mode not in ("replace", "merge"):
            raise jobs.JobRefused(
                "Hãy chọn cách nhập: vào site trống, hoặc gộp vào nội dung có sẵn."
            )
        job = jobs.start_site_import(
            request_actor(),
            upload.stream if upload else None,
            upload.filename if upload else "",
            merge=mode == "merge",
        )
    except jobs.JobRefused as exc:
        return _refused(exc, "import")
    return redirect(url_for("admin.exchange_job", job_id=job.id))


@bp.post("/exchange/feed")
@roles_required(*SITE_ADMINS)
def exchange_feed():
    upload = request.files.get("feed_file")
    try:
        job = jobs.start_feed_import(
            request_actor(),
            category_slug=request.form.get("category", ""),
            url=request.form.get("url", ""),
            stream=upload.stream if upload and upload.filename else None,
            file_name=upload.filename if upload and upload.filename else "",
        )
    except jobs.JobRefused as exc:
        return _refused(exc, "feed")
    return redirect(url_for("admin.exchange_job", job_id=job.id))


@bp.get("/exchange/jobs/<int:job_id>")
@roles_required(*SITE_ADMINS)
def exchange_job(job_id: int):
    state = jobs.job_state(_job_or_404(job_id))
    return render_template(
        "admin/exchange/job.html",
        state=state,
        job=state.job,
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        counts_text=counts_text,
        download=jobs.export_download(job_id),
    )


@bp.get("/exchange/jobs/<int:job_id>/status")
@roles_required(*SITE_ADMINS)
def exchange_job_status(job_id: int):
    """The job's progress as JSON, for the page's script."""
    state = jobs.job_state(_job_or_404(job_id))
    return jsonify(
        status=state.job.status,
        label=STATUS_LABELS.get(state.job.status, state.job.status),
        done=state.done,
        total=state.total,
        percent=state.percent,
        working=state.working,
    )


@bp.post("/exchange/jobs/<int:job_id>/confirm")
@roles_required(*SITE_ADMINS)
def exchange_job_confirm(job_id: int):
    _job_or_404(job_id)
    try:
        jobs.confirm_site_import(
            job_id, allow_missing_files=bool(request.form.get("allow_missing_files"))
        )
    except LookupError:
        abort(404)
    except jobs.JobRefused as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.exchange_job", job_id=job_id))


@bp.post("/exchange/jobs/<int:job_id>/cancel")
@roles_required(*SITE_ADMINS)
def exchange_job_cancel(job_id: int):
    _job_or_404(job_id)
    try:
        jobs.cancel_site_import(job_id)
    except LookupError:
        abort(404)
    except jobs.JobRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.exchange_job", job_id=job_id))
    flash("Đã hủy việc nhập; tệp tải lên đã được xóa và site không bị thay đổi.")
    return redirect(url_for("admin.exchange"))


@bp.get("/exchange/jobs/<int:job_id>/download")
@roles_required(*SITE_ADMINS)
def exchange_download(job_id: int):
    found = jobs.export_download(job_id)
    if found is None:
        abort(404)
    path, name = found
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)
