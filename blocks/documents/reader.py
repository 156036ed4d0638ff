"""The readers' side of the legal documents: ``/van-ban``, each document's page, its files.

* ``/van-ban`` — published documents, newest by date of issue, 20 a page,
  filtered by type, issuing body, field and year (a GET form that works
  without JavaScript) and by words through the site search (see listing.py).
* ``/van-ban/<id>-<slug>`` — one document with every field, its files and its
  related documents; another slug redirects to the right one; a document that
  is not published is "not found" for readers, shown to editors as a preview.
* ``/van-ban/tep/<file id>/<name>`` — a file, sent as a download under its
  original name with the type stored when it was checked (``send_plugin_file``,
  the headers of the core's attachment downloads).

The pages are real portal pages (``render_portal_page``): the site's header,
menu, sidebar and footer around them, the site's title, canonical URL and
Open Graph tags. They read the database directly (a few queries each); the
blocks around them are cached as on any page.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import db, render_portal_page, send_plugin_file, translate

from . import listing
from .blocks import BLOCKS, DocumentsLatest
from .models import Document, DocumentFile

bp = Blueprint("documents_reader", __name__)

LIST_PATH = "/van-ban"
#: The plugin's name: its stored files live under it.
PLUGIN = "documents"
#: Length of the meta description taken from a document's summary.
DESCRIPTION_CHARS = 160

__all__ = ["BLOCKS", "LIST_PATH", "bp", "day", "file_size", "file_label"]


def day(value: date | None) -> str:
    """``dd/mm/yyyy``, or "" for no date."""
    return f"{value:%d/%m/%Y}" if value else ""


def file_size(size: int) -> str:
    """``245 KB``, ``1,2 MB`` (Vietnamese decimal comma)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


#: What readers are told a file is, by its stored type.
FILE_LABELS = {
    "application/pdf": "PDF",
    "application/msword": "Word (DOC)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
}


def file_label(document_file: DocumentFile) -> str:
    return FILE_LABELS.get(document_file.media_type, document_file.media_type)


def _template_helpers() -> dict:
    return {"day": day, "file_size": file_size, "file_label": file_label}


def may_preview(document: Document) -> bool:
    """Editors and admins see any document; its author sees their own (a preview)."""
    if not getattr(current_user, "is_authenticated", False):
        return False
    return bool(current_user.is_editor or document.created_by_id == current_user.id)


@bp.get(LIST_PATH)
def index():
    vocabularies = listing.Vocabularies.load()
    wanted = listing.read_request(request.args, vocabularies)
    found = listing.find_documents(wanted)
    if found.page_count and wanted.page > found.page_count:
        wanted.notes.append(
            f"Danh sách chỉ có {found.page_count} trang; trang {wanted.page} không có văn bản nào."
        )
    pages = [
        (number, wanted.href(LIST_PATH, **{listing.PAGE_PARAMETER: number if number > 1 else None}))
        for number in range(1, found.page_count + 1)
    ]
    html = render_template(
        "documents/list.html",
        wanted=wanted,
        found=found,
        vocabularies=vocabularies,
        pages=_window(pages, wanted.page),
        prev_href=wanted.href(
            LIST_PATH, **{listing.PAGE_PARAMETER: wanted.page - 1 if wanted.page > 2 else None}
        )
        if 1 < wanted.page <= found.page_count
        else None,
        next_href=wanted.href(LIST_PATH, **{listing.PAGE_PARAMETER: wanted.page + 1})
        if wanted.page < found.page_count
        else None,
        clear_href=LIST_PATH if wanted.filtered else None,
        parameters={
            "type": listing.TYPE_PARAMETER,
            "issuer": listing.ISSUER_PARAMETER,
            "field": listing.FIELD_PARAMETER,
            "year": listing.YEAR_PARAMETER,
            "text": listing.TEXT_PARAMETER,
        },
        **_template_helpers(),
    )
    return render_portal_page(
        html,
        title=translate("Văn bản"),
        path=LIST_PATH,
        description=translate(
            "Văn bản chỉ đạo, điều hành và văn bản quy phạm pháp luật: tra cứu theo loại, "
            "cơ quan ban hành, lĩnh vực, năm và từ khóa."
        ),
        assets_of=(DocumentsLatest,),
    )


def _window(pages: list[tuple[int, str]], current: int, radius: int = 2) -> list:
    """Page links around ``current`` plus the first and the last; None marks a gap."""
    if len(pages) <= 1:
        return []
    last = len(pages)
    shown = sorted({1, last, *range(max(1, current - radius), min(last, current + radius) + 1)})
    window: list = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            window.append(None)
        window.append(pages[number - 1])
        previous = number
    return window


@bp.get(f"{LIST_PATH}/<int:document_id>")
@bp.get(f"{LIST_PATH}/<int:document_id>-<slug>")
def detail(document_id: int, slug: str | None = None):
    document = db.session.scalar(
        db.select(Document)
        .where(Document.id == document_id)
        .options(
            selectinload(Document.type),
            selectinload(Document.issuer),
            selectinload(Document.field),
            selectinload(Document.files),
            selectinload(Document.related).selectinload(Document.type),
        )
    )
    if document is None:
        abort(404)
    preview = not document.is_public
    if preview and not may_preview(document):
        abort(404)
    if slug != document.slug:
        target = document.path
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target, code=301)
    related = [other for other in document.related if other.is_public or may_preview(other)]
    html = render_template(
        "documents/detail.html",
        document=document,
        related=related,
        preview=preview,
        list_path=LIST_PATH,
        **_template_helpers(),
    )
    summary = " ".join((document.summary or "").split())
    if len(summary) > DESCRIPTION_CHARS:
        summary = summary[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return render_portal_page(
        html,
        title=document.title,
        path=document.path,
        description=summary,
        assets_of=(DocumentsLatest,),
    )


@bp.get(f"{LIST_PATH}/tep/<int:file_id>/<path:name>")
def download(file_id: int, name: str):
    """A document's file; readers get those of published documents, editors any (a preview)."""
    document_file = db.session.get(DocumentFile, file_id)
    if document_file is None:
        abort(404)
    document = document_file.document
    public = document.is_public
    if not public and not may_preview(document):
        abort(404)
    response = send_plugin_file(
        PLUGIN,
        document_file.stored_key,
        name=document_file.original_name,
        media_type=document_file.media_type,
        public=public,
    )
    if response is None:
        abort(404)
    return response
