"""Exports, site imports and feed imports started in the admin, run in the background.

The admin screen "Xuất / nhập dữ liệu" (portal/web/admin/exchange.py) asks for a
job; this module writes its row (:class:`portal.models.ExchangeJob`) and runs it
in a thread of the worker that was asked, after the request has ended. The row
holds the job's state, progress and report, so every worker (and every
machine) shows the same page; the files (the upload, the export) are kept in
the instance folder, ``exchange/``.

What each job does is what the command line does (portal/cli.py): the same
content-layer functions, the same checks and limits, the same audit entries.

* Export: :func:`portal.content.exchange.export_site` into
  ``exchange/exports/<job>/``, offered for download when done.
* Site import: the upload is checked first by a dry run
  (``import_site(dry_run=True)``: every check of the real import, then rolled
  back) whose report the admin reads before confirming; then the real import.
* Feed import: :func:`portal.content.feed_import.import_feed`, from an address
  or an uploaded file.

Only one import (site or feed) runs at a time, and one export: a job holds its
slot (the unique ``active_slot``) until it ends, so a second one is refused even
when two workers are asked at the same instant. A job whose worker died (no
sign of life for :data:`STALE_AFTER`) loses its slot to the next one.

Progress is written beside the job's own transaction: on PostgreSQL on a
connection of its own; on SQLite (one machine, whose writer the import holds)
in a small file of the instance folder that every worker of the machine reads.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename

from portal.content import audit
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.i18n import translate, translate_count
from portal.models import Category, ExchangeJob, utcnow
from portal.owner_only import FILE_MODE, make_folder

log = logging.getLogger(__name__)

EXPORT, SITE_IMPORT, FEED_IMPORT = "export", "site-import", "feed-import"
#: ``status`` of a job.
CHECKING, CHECKED, RUNNING, DONE, FAILED, CANCELLED = (
    "checking",
    "checked",
    "running",
    "done",
    "failed",
    "cancelled",
)
UNFINISHED = (CHECKING, CHECKED, RUNNING)
#: The slot a job holds while unfinished: one import (site or feed) and one export at a time.
SLOTS = {EXPORT: "export", SITE_IMPORT: "import", FEED_IMPORT: "import"}
#: A running job with no sign of life for this long was stopped with its worker.
STALE_AFTER = timedelta(hours=1)
#: A checked site import nobody confirmed gives its slot up after this long.
UNCONFIRMED_AFTER = timedelta(hours=6)
#: The folder of the instance holding uploads and exports.
FOLDER = "exchange"
#: Finished exports kept for download (older ones are removed).
EXPORTS_KEPT = 3
#: Least time between two progress writes of one job.
PROGRESS_INTERVAL = 0.5

#: Threads of this process running jobs (tests wait for them: :func:`wait_for_jobs`).
_THREADS: list[threading.Thread] = []


class JobRefused(Exception):
    """The job cannot be started (or confirmed); the message says why, in Vietnamese."""


class JobBusy(JobRefused):
    """Another job of the kind holds the slot (one import and one export at a time)."""


@dataclass
class JobState:
    """What a screen shows of a job: its row, with the progress of this moment."""

    job: ExchangeJob
    done: int
    total: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.job.status not in UNFINISHED

    @property
    def working(self) -> bool:
        return self.job.status in (CHECKING, RUNNING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.finished else 0
        return min(100, self.done * 100 // self.total)


# -- folders and files --------------------------------------------------------------


def _folder(*parts: str) -> Path:
    return make_folder(Path(current_app.instance_path, FOLDER, *parts))


def _relative(path: Path) -> str:
    return str(path.relative_to(current_app.instance_path))


def job_file(job: ExchangeJob) -> Path | None:
    """The job's file (upload or export) if it is still there."""
    if not job.file_path:
        return None
    path = Path(current_app.instance_path, job.file_path)
    return path if path.is_file() else None


def _save_upload(stream: BinaryIO, name: str, *, limit: int, setting: str, what: str) -> Path:
    """Write an uploaded file into a folder of its own, refusing it whole beyond ``limit``."""
    clean = secure_filename(name or "") or "tep-tai-len"
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=_folder("uploads")))
    target = folder / clean
    written = 0
    with target.open("wb") as sink:
        os.chmod(target, FILE_MODE)
        while chunk := stream.read(1024 * 1024):
            written += len(chunk)
            if written > limit:
                sink.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise JobRefused(
                    translate(
                        "{what} lớn hơn {size}, mức lớn nhất cổng thông tin đọc "
                        "(thiết lập {setting}), nên không có gì được nhập."
                    ).format(what=what, size=_size(limit), setting=setting)
                )
            sink.write(chunk)
    if not written:
        shutil.rmtree(folder, ignore_errors=True)
        raise JobRefused(translate("{what} trống, nên không có gì được nhập.").format(what=what))
    return target


def _size(count: int) -> str:
    from portal.content.media import file_size

    return file_size(count)


def _remove_file(job: ExchangeJob) -> None:
    """Remove an uploaded file (and its folder) once its job has ended."""
    path = job_file(job)
    if path is not None and path.parent.parent.name == "uploads":
        shutil.rmtree(path.parent, ignore_errors=True)
    elif path is not None:
        path.unlink(missing_ok=True)
    job.file_path = ""


# -- claiming a slot ------------------------------------------------------------------


def _release_stale(slot: str) -> None:
    """Free the slot of a job whose worker stopped (or that nobody confirmed)."""
    job = db.session.scalar(select(ExchangeJob).where(ExchangeJob.active_slot == slot))
    if job is None:
        return
    now = utcnow()
    alive = max(job.updated_at, _progress_time(job) or job.updated_at)
    if job.status == CHECKED and now - alive > UNCONFIRMED_AFTER:
        _end(
            job,
            CANCELLED,
            error=translate("Không ai xác nhận việc nhập sau khi kiểm tra; đã hủy."),
        )
    elif job.status in (CHECKING, RUNNING) and now - alive > STALE_AFTER:
        _end(
            job,
            FAILED,
            error=translate(
                "Việc này bị dừng giữa chừng (tiến trình chạy nó đã dừng). "
                "Nội dung không bị thay đổi dở dang; hãy thử lại."
            ),
        )
    else:
        return
    db.session.commit()


def _claim(kind: str, actor: Actor, **values: Any) -> ExchangeJob:
    """A new job holding its kind's slot; :class:`JobRefused` if another holds it."""
    slot = SLOTS[kind]
    _release_stale(slot)
    job = ExchangeJob(
        kind=kind,
        status=values.pop("status", RUNNING),
        active_slot=slot,
        actor=actor.name[:300],
        user_id=actor.user_id,
        ip=(actor.ip or "")[:64],
        **values,
    )
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        busy = db.session.scalar(select(ExchangeJob).where(ExchangeJob.active_slot == slot))
        who = (
            translate(" (do {actor} bắt đầu, việc #{id})").format(actor=busy.actor, id=busy.id)
            if busy is not None
            else ""
        )
        if slot == "export":
            refusal = translate(
                "Một lần xuất dữ liệu khác đang chạy{who}. Mỗi lúc chỉ chạy được một; hãy chờ "
                "nó xong rồi thử lại. Không có gì được thay đổi."
            )
        else:
            refusal = translate(
                "Một lần nhập dữ liệu khác đang chạy{who}. Mỗi lúc chỉ chạy được một; hãy chờ "
                "nó xong (hoặc hủy nó nếu nó đang chờ xác nhận) rồi thử lại. Không có gì được "
                "thay đổi."
            )
        raise JobBusy(refusal.format(who=who)) from None
    return job


def _end(job: ExchangeJob, status: str, *, report=None, error: str = "") -> None:
    job.status = status
    job.active_slot = None
    job.finished_at = job.updated_at = utcnow()
    if report is not None:
        job.report = report
    job.error = error
    if job.kind != EXPORT:
        _remove_file(job)
    _progress_file(job).unlink(missing_ok=True)


# -- starting jobs (called by the admin's views) --------------------------------------


def start_export(actor: Actor, *, include_history: bool = True) -> ExchangeJob:
    """Start exporting the whole site; the archive is offered for download when done."""
    job = _claim(EXPORT, actor, options={"include_history": include_history})
    _launch(job)
    return job


def start_site_import(
    actor: Actor, stream: BinaryIO, file_name: str, *, merge: bool
) -> ExchangeJob:
    """Take an uploaded site archive and check it (a dry run); nothing is imported yet.

    The archive is refused whole beyond ``PORTAL_MAX_IMPORT_BYTES``; its
    members are held to the ``PORTAL_IMPORT_MAX_*`` limits by the check.
    """
    from portal.content.exchange import content_counts

    if not file_name:
        raise JobRefused(translate("Hãy chọn tệp lưu trữ (.zip) do cổng thông tin xuất ra."))
    if not merge and content_counts():
        raise JobRefused(
            translate(
                "Site này đã có nội dung, nên không nhập vào như một site trống được. Hãy chọn "
                "“Gộp vào nội dung có sẵn” (chỉ thêm những gì site chưa có), hoặc nhập vào một "
                "cơ sở dữ liệu trống. Không có gì được nhập."
            )
        )
    path = _save_upload(
        stream,
        file_name,
        limit=int(current_app.config["PORTAL_MAX_IMPORT_BYTES"]),
        setting="PORTAL_MAX_IMPORT_BYTES",
        what=translate("Tệp {name}").format(name=file_name),
    )
    try:
        job = _claim(
            SITE_IMPORT,
            actor,
            status=CHECKING,
            options={"merge": merge},
            file_name=file_name[:300],
            file_path=_relative(path),
        )
    except JobRefused:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    _launch(job)
    return job


def confirm_site_import(job_id: int, *, allow_missing_files: bool = False) -> ExchangeJob:
    """Import the checked archive for real."""
    job = _unfinished(job_id, SITE_IMPORT)
    if job.status != CHECKED:
        raise JobRefused(
            translate("Việc nhập này không còn chờ xác nhận, nên không có gì được thay đổi.")
        )
    missing = (job.check_report or {}).get("files_missing") or []
    if missing and not allow_missing_files:
        raise JobRefused(
            translate_count(
                "Tệp lưu trữ thiếu {count} tệp mà nội dung của nó cần. Hãy xuất lại site "
                "nguồn, hoặc đánh dấu ô “Vẫn nhập khi thiếu tệp” (những ảnh và tệp đính kèm "
                "đó sẽ không có tệp). Không có gì được nhập.",
                len(missing),
            ).format(count=len(missing))
        )
    job.status = RUNNING
    job.options = {**job.options, "allow_missing_files": allow_missing_files}
    job.done = 0
    job.updated_at = utcnow()
    db.session.commit()
    _launch(job)
    return job


def cancel_site_import(job_id: int) -> ExchangeJob:
    """Give up a checked import before it runs: its file goes, the site is as it was."""
    job = _unfinished(job_id, SITE_IMPORT)
    if job.status != CHECKED:
        raise JobRefused(
            translate("Chỉ hủy được việc nhập đang chờ xác nhận; việc đang chạy sẽ tự kết thúc.")
        )
    _end(job, CANCELLED)
    db.session.commit()
    return job


def start_feed_import(
    actor: Actor,
    *,
    category_slug: str,
    url: str = "",
    stream: BinaryIO | None = None,
    file_name: str = "",
) -> ExchangeJob:
    """Import a feed from an http(s) address or an uploaded file into a category."""
    if db.session.scalar(select(Category.id).where(Category.slug == category_slug)) is None:
        raise JobRefused(translate("Hãy chọn chuyên mục nhận các bài của nguồn tin."))
    url = url.strip()
    if bool(url) == bool(file_name):
        raise JobRefused(
            translate(
                "Hãy nhập địa chỉ của nguồn tin (RSS hoặc Atom) hoặc chọn một tệp nguồn tin, "
                "không phải cả hai."
            )
        )
    if url and not url.lower().startswith(("http://", "https://")):
        raise JobRefused(translate("Địa chỉ nguồn tin phải bắt đầu bằng http:// hoặc https://."))
    path = None
    if file_name:
        path = _save_upload(
            stream,
            file_name,
            limit=int(current_app.config["PORTAL_MAX_FEED_BYTES"]),
            setting="PORTAL_MAX_FEED_BYTES",
            what=translate("Tệp {name}").format(name=file_name),
        )
    try:
        job = _claim(
            FEED_IMPORT,
            actor,
            options={"category": category_slug, "url": url},
            file_name=(file_name or url)[:300],
            file_path=_relative(path) if path else "",
        )
    except JobRefused:
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
        raise
    _launch(job)
    return job


def _unfinished(job_id: int, kind: str) -> ExchangeJob:
    job = db.session.get(ExchangeJob, job_id)
    if job is None or job.kind != kind:
        raise LookupError(job_id)
    return job


# -- reading jobs --------------------------------------------------------------------


def get_job(job_id: int) -> ExchangeJob | None:
    return db.session.get(ExchangeJob, job_id)


def job_state(job: ExchangeJob) -> JobState:
    """The job with its progress now (from the file on SQLite while it runs)."""
    done, total = job.done, job.total
    if job.status in (CHECKING, RUNNING):
        try:
            written = json.loads(_progress_file(job).read_text())
            done, total = int(written["done"]), int(written["total"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return JobState(job, done, total)


def active_jobs() -> list[ExchangeJob]:
    return list(
        db.session.scalars(
            select(ExchangeJob).where(ExchangeJob.active_slot.is_not(None)).order_by(ExchangeJob.id)
        )
    )


def recent_jobs(limit: int = 20) -> list[ExchangeJob]:
    return list(
        db.session.scalars(select(ExchangeJob).order_by(ExchangeJob.id.desc()).limit(limit))
    )


def export_download(job_id: int) -> tuple[Path, str] | None:
    """The finished export's file and its name, while it is kept."""
    job = db.session.get(ExchangeJob, job_id)
    if job is None or job.kind != EXPORT or job.status != DONE:
        return None
    path = job_file(job)
    return (path, job.file_name) if path is not None else None


def wait_for_jobs(timeout: float = 60.0) -> None:
    """Wait for the jobs this process runs (for tests and scripts)."""
    for thread in list(_THREADS):
        thread.join(timeout)
    _THREADS[:] = [thread for thread in _THREADS if thread.is_alive()]


# -- running jobs --------------------------------------------------------------------


def _launch(job: ExchangeJob) -> None:
    """Run the job in a thread of this worker, which outlives the request."""
    app = current_app._get_current_object()
    thread = threading.Thread(
        target=_run, args=(app, job.id), name=f"portal-exchange-{job.id}", daemon=True
    )
    _THREADS.append(thread)
    thread.start()


def _run(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            job = db.session.get(ExchangeJob, job_id)
            if job is None:
                return
            runner = {
                (EXPORT, RUNNING): _run_export,
                (SITE_IMPORT, CHECKING): _run_site_check,
                (SITE_IMPORT, RUNNING): _run_site_import,
                (FEED_IMPORT, RUNNING): _run_feed_import,
            }.get((job.kind, job.status))
            if runner is not None:
                runner(job)
        except Exception as exc:  # the job fails; the worker goes on
            log.exception("exchange job %s failed", job_id)
            db.session.rollback()
            job = db.session.get(ExchangeJob, job_id)
            if job is not None and job.status in UNFINISHED:
                error = translate("Lỗi không lường trước ({kind}: {detail}).")
                _end(job, FAILED, error=error.format(kind=type(exc).__name__, detail=exc))
                db.session.commit()
        finally:
            db.session.remove()


def _actor(job: ExchangeJob) -> Actor:
    return Actor(name=job.actor, user_id=job.user_id, ip=job.ip)


class _Progress:
    """Counts a job's steps and writes them now and then, outside the job's transaction."""

    def __init__(self, job: ExchangeJob, total: int) -> None:
        self.job_id = job.id
        self.file = _progress_file(job)
        self.done = 0
        self.total = total
        self.written_at = 0.0
        self.postgres = db.engine.dialect.name == "postgresql"
        self.write()

    def __call__(self, steps: int) -> None:
        self.done += steps
        if time.monotonic() - self.written_at >= PROGRESS_INTERVAL:
            self.write()

    def write(self) -> None:
        self.written_at = time.monotonic()
        values = {"done": min(self.done, self.total), "total": self.total}
        if self.postgres:
            with db.engine.begin() as connection:
                connection.execute(
                    update(ExchangeJob.__table__)
                    .where(ExchangeJob.__table__.c.id == self.job_id)
                    .values(**values, updated_at=utcnow())
                )
            return
        temporary = self.file.with_suffix(".part")
        temporary.write_text(json.dumps(values))
        os.replace(temporary, self.file)


def _progress_file(job: ExchangeJob) -> Path:
    return Path(current_app.instance_path, FOLDER, "progress", f"{job.id}.json")


def _progress_time(job: ExchangeJob):
    from datetime import UTC, datetime

    try:
        return datetime.fromtimestamp(_progress_file(job).stat().st_mtime, UTC)
    except OSError:
        return None


def _finish(job_id: int, status: str, **values: Any) -> None:
    db.session.rollback()
    job = db.session.get(ExchangeJob, job_id)
    _end(job, status, **values)
    db.session.commit()


def _run_export(job: ExchangeJob) -> None:
    from portal.content.exchange import ExchangeError, export_site, export_snapshot, plan_export
    from portal.content.view_counter import counter_for

    _folder("progress")
    job_id = job.id
    include_history = bool(job.options.get("include_history", True))
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    name = f"xuat-site-{stamp}.zip"
    target = _folder("exports", str(job_id)) / name
    counter_for(current_app._get_current_object()).flush()  # waiting views belong in it
    try:
        with export_snapshot():
            plan = plan_export(include_history=include_history)
            report = export_site(
                target,
                include_history=include_history,
                progress=_Progress(job, plan[0]),
                plan=plan,
            )
    except (ExchangeError, OSError) as exc:
        error = translate("Không xuất được: {reason}. Không có tệp nào được ghi.")
        _finish(job_id, FAILED, error=error.format(reason=exc))
        return
    job = db.session.get(ExchangeJob, job_id)
    job.file_name = name
    job.file_path = _relative(target)
    job.done = job.total = plan[0]
    with unit_of_work(_actor(job)):
        audit.record(
            "site.export",
            subject_type="site",
            summary=f"Xuất toàn bộ site ra {name}",
            after={"file": name, "rows": report.rows, "files": report.files},
            user=None,
        )
        _end(
            job,
            DONE,
            report={
                "rows": report.rows,
                "files": report.files,
                "bytes": report.bytes,
                "size": target.stat().st_size,
                "warnings": report.warnings,
                "include_history": include_history,
            },
        )
    _prune_exports()


def _prune_exports() -> None:
    """Keep the newest finished exports' files; older ones are removed."""
    done = db.session.scalars(
        select(ExchangeJob)
        .where(ExchangeJob.kind == EXPORT, ExchangeJob.file_path != "")
        .order_by(ExchangeJob.id.desc())
    ).all()
    for job in done[EXPORTS_KEPT:]:
        path = job_file(job)
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
        job.file_path = ""
    db.session.commit()


def _import_report(report, archive=None) -> dict[str, Any]:
    return {
        "added": {name: n for name, n in report.added.items() if n},
        "kept": {name: n for name, n in report.kept.items() if n},
        "files_written": report.files_written,
        "files_unchanged": report.files_unchanged,
        "files_kept": report.files_kept,
        "people_linked": report.people_linked,
        "people_missing": list(report.people_missing),
        "warnings": list(report.warnings),
        "files_missing": archive.files_missing if archive is not None else [],
        "tables": (
            {name: t["count"] for name, t in archive.document["tables"].items()}
            if archive is not None
            else {}
        ),
    }


def _run_site_check(job: ExchangeJob) -> None:
    """The dry run: every check the import makes, with nothing kept."""
    from portal.content.exchange import ExchangeError, check_importable, import_site, open_archive

    _folder("progress")
    job_id = job.id
    merge = bool(job.options.get("merge"))
    path = job_file(job)
    try:
        if path is None:
            raise ExchangeError(translate("Tệp tải lên không còn trên máy chủ"))
        check_importable(merge=merge)
        archive = open_archive(path)
        try:
            report = import_site(
                archive,
                merge=merge,
                allow_missing_files=True,
                progress=_Progress(job, archive.steps),
                dry_run=True,
            )
            result = _import_report(report, archive)
        finally:
            archive.zip.close()
    except ExchangeError as exc:
        error = translate("Không nhập được tệp lưu trữ. Lý do: {reason}")
        _finish(job_id, FAILED, error=error.format(reason=exc))
        return
    db.session.rollback()
    job = db.session.get(ExchangeJob, job_id)
    job.status = CHECKED
    job.check_report = result
    job.updated_at = utcnow()
    _progress_file(job).unlink(missing_ok=True)
    db.session.commit()


def _run_site_import(job: ExchangeJob) -> None:
    from portal.content.exchange import ExchangeError, import_site, open_archive

    _folder("progress")
    job_id = job.id
    path = job_file(job)
    try:
        if path is None:
            raise ExchangeError(translate("Tệp tải lên không còn trên máy chủ"))
        archive = open_archive(path)
        try:
            report = import_site(
                archive,
                merge=bool(job.options.get("merge")),
                allow_missing_files=bool(job.options.get("allow_missing_files")),
                progress=_Progress(job, archive.steps),
            )
            result = _import_report(report, archive)
        finally:
            archive.zip.close()
    except ExchangeError as exc:
        error = translate("Không nhập được tệp lưu trữ. Lý do: {reason}")
        _finish(job_id, FAILED, error=error.format(reason=exc))
        return
    _finish(job_id, DONE, report=result)


def _run_feed_import(job: ExchangeJob) -> None:
    from portal.content.feed_import import FeedError, import_feed, read_feed

    _folder("progress")
    job_id = job.id
    path = job_file(job)
    source = job.options.get("url") or (str(path) if path is not None else "")
    try:
        if not source:
            raise FeedError(translate("Tệp tải lên không còn trên máy chủ"))
        parsed = read_feed(source)
        report = import_feed(
            source,
            job.options["category"],
            progress=_Progress(job, len(parsed.entries)),
            parsed=parsed,
        )
    except FeedError as exc:
        error = translate("Không nhập được nguồn tin. Lý do: {reason}")
        _finish(job_id, FAILED, error=error.format(reason=exc))
        return
    _finish(
        job_id,
        DONE,
        report={
            "entries": report.entries,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": report.skipped,
            "errors": [
                {"index": e.index, "title": e.title, "message": e.message} for e in report.errors
            ],
        },
    )
