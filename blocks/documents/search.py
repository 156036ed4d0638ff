"""Legal documents in the site search (kind ``document``), and the plugin's compliance item.

Each published document is one search document: its title is the type and
number followed by the start of the summary (``Chỉ thị 30-CT/TW: Về ...``), its
lead the summary (what the result's snippet shows), its body the summary again
with the number, issuer, signer and field, so a number typed as printed
(``30-CT/TW``) or a summary typed without diacritics (``chi thi 30``) finds it.
The admin side announces a content event with subject ``document`` for every
change; the outbox's ``search`` consumer then asks :func:`one_document` and
(re)indexes or removes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import selectinload

from portal import ComplianceCheck, SearchDocument, SearchProvider, db

from .models import Document

KIND = "document"
SUBJECT = "document"
LABEL = "Văn bản"
#: Documents read at once while the index is rebuilt.
BATCH = 200
#: How much of the summary follows the number in a result's title.
TITLE_SUMMARY_CHARS = 110
#: The address of the list page (reader.py serves it).
LIST_PATH = "/van-ban"
#: Where an admin fixes a missing item (the admin side's list).
ADMIN_PATH = "/admin/van-ban"


def _short(text: str, limit: int) -> str:
    """``text`` cut at a word boundary before ``limit`` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–-") + "…"


def search_title(document: Document) -> str:
    """``Chỉ thị 30-CT/TW: Về xây dựng và thực hiện …`` (type, number, start of the summary)."""
    summary = _short(document.summary or "", TITLE_SUMMARY_CHARS)
    return f"{document.title}: {summary}" if summary else document.title


def indexed_time(document: Document, now: datetime | None = None) -> datetime:
    """The time the index files the document under (results show it as the date, newest first).

    Its date of issue (noon, site time) once it is public, so readers see when it
    was issued; while its publication is still in the future, that time, which
    keeps it out of results until then.
    """
    now = now or datetime.now(UTC)
    if document.published_at is not None and document.published_at > now:
        return document.published_at
    zone = ZoneInfo(current_app.config.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh"))
    return datetime.combine(document.issued_on, time(12), tzinfo=zone).astimezone(UTC)


def to_search_document(document: Document) -> SearchDocument:
    summary = " ".join((document.summary or "").split())
    body_parts = [
        summary,
        document.number,
        document.type.name,
        document.issuer.name,
        document.signer or "",
        document.field.name if document.field is not None else "",
    ]
    return SearchDocument(
        kind=KIND,
        object_id=document.id,
        title=search_title(document),
        lead=summary,
        # " · " between the parts: a snippet cut from the body reads as a list of facts.
        body=" · ".join(part for part in body_parts if part),
        url=document.path,
        published_at=indexed_time(document),
        category_id=None,
        language="vi",
    )


def _loaded():
    return db.select(Document).options(
        selectinload(Document.type), selectinload(Document.issuer), selectinload(Document.field)
    )


def _indexable():
    """Published documents, scheduled ones included (their time keeps them hidden until due)."""
    return (Document.state == "published") & Document.published_at.is_not(None)


def all_documents() -> Iterator[SearchDocument]:
    """Every published document, read in keyset batches (never all rows at once)."""
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(
                _loaded()
                .where(_indexable(), Document.id > last_id)
                .order_by(Document.id)
                .limit(BATCH)
            )
        )
        if not rows:
            return
        yield from map(to_search_document, rows)
        last_id = rows[-1].id


def one_document(document_id: int) -> SearchDocument | None:
    """The document as the index should hold it now, or None when it is not published."""
    row = db.session.scalar(_loaded().where(Document.id == document_id, _indexable()))
    return to_search_document(row) if row is not None else None


PROVIDER = SearchProvider(
    kind=KIND, label=LABEL, subject=SUBJECT, documents=all_documents, document=one_document
)


def published_count() -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(Document).where(Document.public_filter())
    )


def list_page_reachable() -> bool:
    """The list page answers: its route is registered (the plugin is loaded and on)."""
    return any(rule.rule == LIST_PATH for rule in current_app.url_map.iter_rules())


def compliance_checks() -> list[ComplianceCheck]:
    """Item ``documents``: legal documents published for readers (Decree 42, article 4)."""
    count = published_count()
    reachable = list_page_reachable()
    if count and reachable:
        detail = f"{count} văn bản đã công bố tại {LIST_PATH}."
    elif not reachable:
        detail = f"Trang {LIST_PATH} không mở được: bật lại phần mở rộng “documents”."
    else:
        detail = "Chưa có văn bản nào được công bố: hãy thêm và xuất bản văn bản."
    return [
        ComplianceCheck(
            key="documents",
            label="Văn bản chỉ đạo, điều hành và văn bản quy phạm pháp luật",
            reference="Nghị định 42/2022/NĐ-CP, Điều 4 (thông tin phải cung cấp trên cổng)",
            met=bool(count) and reachable,
            detail=detail,
            fix_url=ADMIN_PATH,
            order=20,
        )
    ]
