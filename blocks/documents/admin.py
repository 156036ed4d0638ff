"""The admin screens of legal documents: list, form, workflow, history, lists, import.

Views read the request, call :mod:`.workflow`, :mod:`.vocabularies` or
:mod:`.importer` (which change data inside a unit of work) and render; they
never commit. A refused save shows the form again with everything the editor
typed and a message per field.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from portal import (
    UploadError,
    admin_error_pages,
    db,
    file_size,
    folded_contains,
    form_expired,
    keeps_typing_when_expired,
    roles_required,
    send_plugin_file,
)

from . import workflow
from .forms import DocumentForm, form_from_document
from .importer import ImportFileError, import_documents
from .models import STATE_LABELS, STATUS_LABELS, Document, DocumentFile, DocumentRevision
from .validation import check_values
from .vocabularies import (
    VOCABULARIES,
    VocabularyError,
    add_entry,
    delete_entry,
    entries,
    move_entry,
    rename_entry,
    usage_counts,
)
from .workflow import (
    ACTION_LABELS,
    DocumentError,
    InvalidDocument,
    StaleDocument,
    Upload,
    differences,
    snapshot_of,
)

bp = Blueprint("documents_admin", __name__, url_prefix="/admin/van-ban")
admin_error_pages(bp)

PER_PAGE = 30
WRITERS = ("admin", "editor", "author")
STATE_BADGES = {"draft": "badge--draft", "pending": "badge--review", "published": "badge--ok"}


def _ip() -> str:
    return request.remote_addr or ""


def _document_or_404(document_id: int, action: str = "view") -> Document:
    document = db.session.get(Document, document_id)
    if document is None or not workflow.can(current_user, action, document):
        abort(404)
    return document


@bp.app_template_filter("document_size")
def _document_size(size: int) -> str:
    return file_size(size)


# -- list ----------------------------------------------------------------------------------------

FILTERS = {"loai": "type_id", "co-quan": "issuer_id", "linh-vuc": "field_id"}


@bp.get("/")
@roles_required(*WRITERS)
def index():
    args = request.args
    query = sa.select(Document)
    if current_user.role == "author":
        query = query.where(Document.created_by_id == current_user.id)
    for arg, column in FILTERS.items():
        if args.get(arg, "").isdigit():
            query = query.where(getattr(Document, column) == int(args[arg]))
    if args.get("nam", "").isdigit():
        query = query.where(Document.issued_year == int(args["nam"]))
    if args.get("tinh-trang") in STATUS_LABELS:
        query = query.where(Document.status == args["tinh-trang"])
    if args.get("trang-thai") in STATE_LABELS:
        query = query.where(Document.state == args["trang-thai"])
    text = args.get("q", "").strip()
    if text:
        query = query.where(
            folded_contains([Document.number, Document.summary, Document.signer], text)
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, args.get("trang", 1, type=int) or 1), pages)
    rows = db.session.scalars(
        query.options(joinedload(Document.type), joinedload(Document.issuer))
        .order_by(Document.issued_on.desc(), Document.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    years = db.session.scalars(
        sa.select(Document.issued_year).distinct().order_by(Document.issued_year.desc())
    ).all()
    active = {k: v for k, v in args.items() if k != "trang" and v}

    def page_url(number: int) -> str:
        return url_for("documents_admin.index", **active, trang=number)

    return render_template(
        "documents/admin/list.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
        filters=args,
        filtering=bool(active),
        vocabularies={key: entries(v) for key, v in VOCABULARIES.items()},
        years=years,
        statuses=STATUS_LABELS,
        states=STATE_LABELS,
        badges=STATE_BADGES,
    )


# -- the form ------------------------------------------------------------------------------------


def _related_choices(document: Document | None, keep: list[int], text: str) -> tuple[list, list]:
    """(documents linked now or ticked, documents found by ``text`` to add)."""
    linked = []
    if keep:
        linked = db.session.scalars(
            sa.select(Document).where(Document.id.in_(keep)).options(joinedload(Document.type))
        ).all()
    found = []
    if text.strip():
        query = sa.select(Document).where(
            folded_contains([Document.number, Document.summary], text),
            Document.id.not_in([*keep, document.id if document else 0]),
        )
        found = db.session.scalars(
            query.options(joinedload(Document.type)).order_by(Document.issued_on.desc()).limit(20)
        ).all()
    return linked, found


def _render_form(document: Document | None, form: DocumentForm, *, related_ids: list[int],
                 related_query: str = "", conflict: list | None = None, status: int = 200):  # fmt: skip
    linked, found = _related_choices(document, related_ids, related_query)
    return (
        render_template(
            "documents/admin/form.html",
            document=document,
            form=form,
            linked=linked,
            found=found,
            related_query=related_query,
            conflict=conflict,
            actions=workflow.allowed_actions(current_user, document) if document else [],
            action_labels=ACTION_LABELS,
            can_edit=document is None or workflow.can(current_user, "edit", document),
            badges=STATE_BADGES,
        ),
        status,
    )


def _posted_related() -> list[int]:
    ids = [int(v) for v in request.form.getlist("related") if v.isdigit()]
    return list(dict.fromkeys(ids))


def _posted_uploads() -> list[Upload]:
    return [
        Upload(stream=f.stream, name=f.filename or "")
        for f in request.files.getlist("files")
        if f and f.filename
    ]


def _save(document: Document | None):
    """Handle a POST of the form: find related documents, or save."""
    form = DocumentForm(request.form)
    form.fill_choices()
    related_ids = _posted_related()
    if form_expired():
        flash(
            "Biểu mẫu đã mở quá lâu nên phiên làm việc hết hạn; chưa có gì được lưu. "
            "Nội dung bạn nhập vẫn còn dưới đây (tệp cần chọn lại): hãy bấm “Lưu” lần nữa.",
            "error",
        )
        return _render_form(document, form, related_ids=related_ids, status=400)
    if request.form.get("find_related") is not None:
        return _render_form(document, form, related_ids=related_ids,
                            related_query=request.form.get("related_query", ""))  # fmt: skip
    values, errors = form.to_values(related_ids)
    uploads = _posted_uploads()
    try:
        if errors:  # dates that could not be read: report them with every other problem
            document_id = document.id if document else None
            raise InvalidDocument(check_values(values, document_id=document_id) | errors)
        saved = workflow.save_document(
            document,
            values,
            current_user,
            expected_version=int(form.version.data)
            if (form.version.data or "").isdigit()
            else None,
            uploads=uploads,
            remove_file_ids={int(v) for v in request.form.getlist("remove_file") if v.isdigit()},
            file_order=_file_order(),
            ip=_ip(),
        )
    except InvalidDocument as exc:
        form.show_errors(exc.errors)
        message = "Văn bản chưa được lưu: hãy sửa các mục báo lỗi."
        if uploads:
            message += " Tệp bạn đã chọn chưa được tải lên: hãy chọn lại."
        flash(message, "error")
        return _render_form(document, form, related_ids=related_ids, status=422)
    except UploadError as exc:
        flash(f"Văn bản chưa được lưu: {exc}", "error")
        return _render_form(document, form, related_ids=related_ids, status=422)
    except StaleDocument as exc:
        db.session.refresh(document)
        mine, _ = form.to_values(related_ids)
        conflict = _conflict(document, mine)
        form.version.data = str(document.version)
        flash(str(exc), "error")
        return _render_form(document, form, related_ids=related_ids, conflict=conflict, status=409)
    except DocumentError as exc:
        flash(str(exc), "error")
        return _render_form(document, form, related_ids=related_ids, status=403)
    flash(f"Đã lưu văn bản {saved.title}.", "success")
    return redirect(url_for("documents_admin.edit", document_id=saved.id))


def _conflict(document: Document, mine) -> list:
    """How the saved document differs from what this editor typed."""
    current = snapshot_of(document)
    typed = {**current, **{k: v for k, v in mine.as_columns().items() if k in current}}
    for key in ("issued_on", "effective_on", "expires_on"):
        typed[key] = typed[key].isoformat() if typed[key] else None
    typed["related_ids"] = sorted(mine.related_ids)
    return differences(current, typed)


def _file_order() -> list[int]:
    """File ids by the positions typed next to them (ties keep the listed order)."""
    positions = []
    for index, file_id in enumerate(request.form.getlist("file_id")):
        typed = request.form.get(f"file_position_{file_id}", "")
        if file_id.isdigit():
            key = int(typed) if typed.strip().lstrip("-").isdigit() else index + 1
            positions.append((key, index, int(file_id)))
    return [file_id for _, _, file_id in sorted(positions)]


@bp.route("/moi", methods=["GET", "POST"])
@roles_required(*WRITERS)
@keeps_typing_when_expired
def new():
    if request.method == "POST":
        return _save(None)
    form = DocumentForm(MultiDict())
    form.fill_choices()
    return _render_form(None, form, related_ids=[])


@bp.route("/<int:document_id>", methods=["GET", "POST"])
@roles_required(*WRITERS)
@keeps_typing_when_expired
def edit(document_id: int):
    document = _document_or_404(document_id)
    if request.method == "POST":
        return _save(document)
    form = form_from_document(document)
    return _render_form(document, form, related_ids=workflow.related_ids_of(document))


STEPS = {
    "gui-duyet": workflow.submit,
    "tra-lai": workflow.send_back,
    "xuat-ban": workflow.publish,
    "go-xuong": workflow.unpublish,
}
DONE = {
    "gui-duyet": "Đã gửi duyệt",
    "tra-lai": "Đã trả lại",
    "xuat-ban": "Đã xuất bản",
    "go-xuong": "Đã gỡ khỏi trang",
}


@bp.post("/<int:document_id>/<step>")
@roles_required(*WRITERS)
def take_step(document_id: int, step: str):
    if step not in STEPS:
        abort(404)
    document = _document_or_404(document_id)
    version = request.form.get("version", "")
    try:
        STEPS[step](
            document,
            current_user,
            expected_version=int(version) if version.isdigit() else None,
            comment=request.form.get("comment", "").strip()[:1000],
            ip=_ip(),
        )
    except DocumentError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{DONE[step]} văn bản {document.title}.", "success")
    return redirect(url_for("documents_admin.edit", document_id=document.id))


@bp.route("/<int:document_id>/xoa", methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete(document_id: int):
    document = _document_or_404(document_id)
    if request.method == "POST":
        version = request.form.get("version", "")
        title = document.title
        try:
            workflow.delete_document(
                document,
                current_user,
                expected_version=int(version) if version.isdigit() else None,
                ip=_ip(),
            )
        except DocumentError as exc:
            flash(str(exc), "error")
            return redirect(url_for("documents_admin.edit", document_id=document_id))
        flash(f"Đã xóa văn bản {title}.", "success")
        return redirect(url_for("documents_admin.index"))
    if not workflow.can(current_user, "delete", document):
        flash("Chỉ xóa được văn bản chưa xuất bản; hãy gỡ văn bản xuống trước.", "error")
        return redirect(url_for("documents_admin.edit", document_id=document_id))
    return render_template("documents/admin/delete.html", document=document)


@bp.get("/tep/<int:file_id>")
@roles_required(*WRITERS)
def download(file_id: int):
    item = db.session.get(DocumentFile, file_id)
    if item is None or not workflow.can(current_user, "view", item.document):
        abort(404)
    response = send_plugin_file(
        workflow.PLUGIN, item.stored_key, name=item.original_name,
        media_type=item.media_type, public=False,
    )  # fmt: skip
    if response is None:
        abort(404)
    return response


# -- history -------------------------------------------------------------------------------------


@bp.get("/<int:document_id>/lich-su")
@roles_required(*WRITERS)
def revisions(document_id: int):
    document = _document_or_404(document_id)
    return render_template(
        "documents/admin/revisions.html",
        document=document,
        revisions=workflow.revisions_of(document),
        can_edit=workflow.can(current_user, "edit", document),
    )


def _revision_or_404(document: Document, number: int) -> DocumentRevision:
    revision = db.session.scalar(
        sa.select(DocumentRevision).where(
            DocumentRevision.document_id == document.id, DocumentRevision.number == number
        )
    )
    if revision is None:
        abort(404)
    return revision


@bp.get("/<int:document_id>/lich-su/<int:number>")
@roles_required(*WRITERS)
def compare(document_id: int, number: int):
    """A revision against the document as it is now."""
    document = _document_or_404(document_id)
    revision = _revision_or_404(document, number)
    return render_template(
        "documents/admin/compare.html",
        document=document,
        revision=revision,
        changes=differences(revision.snapshot, snapshot_of(document)),
        can_edit=workflow.can(current_user, "edit", document),
    )


@bp.post("/<int:document_id>/lich-su/<int:number>/khoi-phuc")
@roles_required(*WRITERS)
def restore(document_id: int, number: int):
    document = _document_or_404(document_id)
    revision = _revision_or_404(document, number)
    version = request.form.get("version", "")
    try:
        workflow.restore_revision(
            document,
            revision,
            current_user,
            expected_version=int(version) if version.isdigit() else None,
            ip=_ip(),
        )
    except InvalidDocument as exc:
        flash("Không khôi phục được: " + " ".join(exc.errors.values()), "error")
        return redirect(url_for("documents_admin.compare", document_id=document_id, number=number))
    except DocumentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("documents_admin.compare", document_id=document_id, number=number))
    flash(f"Đã khôi phục phiên bản {number} của văn bản {document.title}.", "success")
    return redirect(url_for("documents_admin.edit", document_id=document_id))


# -- vocabularies (admins) -----------------------------------------------------------------------


@bp.route("/danh-muc", methods=["GET", "POST"])
@roles_required("admin")
def vocabularies():
    from portal import Actor

    typed = {}
    status = 200
    if request.method == "POST":
        vocabulary = VOCABULARIES.get(request.form.get("list", ""))
        if vocabulary is None:
            abort(400)
        actor = Actor.of_user(current_user, ip=_ip())
        entry_id = request.form.get("entry", "")
        action = request.form.get("action", "")
        try:
            if action == "add":
                entry = add_entry(vocabulary, request.form.get("name", ""), actor)
                flash(f"Đã thêm {vocabulary.singular} “{entry.name}”.", "success")
            elif action == "rename" and entry_id.isdigit():
                rename_entry(vocabulary, int(entry_id), request.form.get("name", ""), actor)
                flash(f"Đã đổi tên {vocabulary.singular}.", "success")
            elif action in ("up", "down") and entry_id.isdigit():
                move_entry(vocabulary, int(entry_id), -1 if action == "up" else 1, actor)
            elif action == "delete" and entry_id.isdigit():
                name = delete_entry(vocabulary, int(entry_id), actor)
                flash(f"Đã xóa {vocabulary.singular} “{name}”.", "success")
            else:
                abort(400)
        except VocabularyError as exc:
            flash(str(exc), "error")
            typed = {"list": vocabulary.key, "entry": entry_id, "name": request.form.get("name")}
            status = 422
        else:
            return redirect(url_for("documents_admin.vocabularies") + f"#{vocabulary.key}")
    lists = [(v, entries(v), usage_counts(v)) for v in VOCABULARIES.values()]
    return render_template("documents/admin/vocabularies.html", lists=lists, typed=typed), status


# -- import --------------------------------------------------------------------------------------


@bp.route("/nhap", methods=["GET", "POST"])
@roles_required("admin", "editor")
def import_file():
    report = None
    problem = ""
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if not upload or not upload.filename:
            problem = "Hãy chọn tệp CSV, Excel (.xlsx) hoặc JSON để nhập."
        else:
            try:
                report = import_documents(
                    upload.stream.read(),
                    upload.filename,
                    current_user,
                    dry_run=request.form.get("dry_run") == "1",
                    publish_all=request.form.get("publish") == "1",
                    ip=_ip(),
                )
            except ImportFileError as exc:
                problem = f"Không nhập được tệp {upload.filename}: {exc}"
        if problem or (report and not report.ok):
            status = 422
    return (
        render_template("documents/admin/import.html", report=report, problem=problem),
        status,
    )
