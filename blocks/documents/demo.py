"""The demo's legal documents: vocabularies, 34 published documents, each with a small PDF.

The data is ``demo_data/documents.json`` (types, issuing bodies, fields and
documents with their related ones); the numbers, dates and summaries are
written for the demonstration, in the style of a provincial portal. Each
document gets a one-page PDF drawn here (:func:`minimal_pdf`, no library), stored
like an editor's upload (``store_plugin_file``: checked by content, removed
again if the demo's transaction fails), a first revision, and a ``published``
content event, so the search indexes it and the blocks show it.

Loading adds only what is missing: vocabularies by slug, documents by issuing
body, number and year (the key that is unique anyway); loading twice adds nothing.
"""

from __future__ import annotations

import io
import json
import unicodedata
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

from portal import Actor, content_changed, db, store_plugin_file, unit_of_work

from .models import Document, DocumentFile, DocumentRelation, DocumentType, Field, Issuer

DATA_FILE = "demo_data/documents.json"
PLUGIN = "documents"


def demo_data() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(DATA_FILE).read_text("utf-8"))


# -- a one-page PDF ------------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    """ASCII for the standard Helvetica font (no Vietnamese glyphs there), PDF-escaped."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    ascii_text = kept.replace("–", "-").encode("ascii", "replace").decode("ascii")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _wrapped(text: str, width: int = 80) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page A4 PDF 1.4 showing ``lines`` (folded to ASCII) in Helvetica."""
    operations = ["BT", "/F1 12 Tf", "16 TL", "64 770 Td"]
    for line in lines:
        for part in _wrapped(line) or [""]:
            operations.append(f"({_pdf_text(part)}) Tj T*")
    operations.append("ET")
    stream = "\n".join(operations).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def document_pdf(document: Document) -> bytes:
    """The demo file of a document: its heading fields and summary."""
    return minimal_pdf(
        [
            document.issuer.name.upper(),
            f"So: {document.number}",
            f"Ngay {document.issued_on:%d/%m/%Y}",
            "",
            document.type.name.upper(),
            document.summary,
            "",
            "(Van ban mau cua trang demo blockportal.)",
            "",
            f"Nguoi ky: {document.signer}",
        ]
    )


def file_name(document: Document) -> str:
    """``chi-thi-30-ct-tw.pdf``."""
    return f"{document.slug}.pdf"


# -- loading -------------------------------------------------------------------------------------


def _ensure_vocabulary(model, entries: list[dict[str, str]]) -> dict[str, Any]:
    existing = {row.slug: row for row in db.session.scalars(db.select(model))}
    names = {row.name for row in existing.values()}
    for position, entry in enumerate(entries):
        if entry["slug"] in existing or entry["name"] in names:
            continue
        row = model(name=entry["name"], slug=entry["slug"], position=position)
        db.session.add(row)
        existing[entry["slug"]] = row
    db.session.flush()
    return existing


def _existing(issuer: Issuer, number: str, year: int) -> Document | None:
    return db.session.scalar(
        db.select(Document).where(
            Document.issuer_id == issuer.id,
            Document.number == number,
            Document.issued_year == year,
        )
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_demo(actor: Actor) -> str | None:
    """Add the demo's vocabularies and documents that are missing; return a summary."""
    from .workflow import add_revision, document_event  # the admin side's history and events

    data = demo_data()
    added = 0
    with unit_of_work(actor):
        types = _ensure_vocabulary(DocumentType, data["types"])
        issuers = _ensure_vocabulary(Issuer, data["issuers"])
        fields = _ensure_vocabulary(Field, data["fields"])
        by_key: dict[str, Document] = {}
        new_keys: set[str] = set()
        now = datetime.now(UTC)
        for entry in data["documents"]:
            issuer = issuers.get(entry["issuer"])
            kind = types.get(entry["type"])
            if issuer is None or kind is None:  # an admin renamed it away: leave the entry out
                continue
            issued_on = date.fromisoformat(entry["issued_on"])
            document = _existing(issuer, entry["number"], issued_on.year)
            if document is None:
                field = fields.get(entry.get("field") or "")
                document = Document(
                    type=kind,
                    number=entry["number"],
                    issuer=issuer,
                    signer=entry.get("signer", ""),
                    field=field,
                    issued_on=issued_on,
                    issued_year=issued_on.year,
                    effective_on=_day(entry.get("effective_on")),
                    expires_on=_day(entry.get("expires_on")),
                    status=entry.get("status", "in_force"),
                    summary=entry["summary"],
                    state="published",
                    published_at=now,
                )
                db.session.add(document)
                db.session.flush()
                stored = store_plugin_file(
                    PLUGIN, io.BytesIO(document_pdf(document)), file_name(document), kinds=("pdf",)
                )
                db.session.add(
                    DocumentFile(
                        document_id=document.id,
                        position=0,
                        original_name=stored.name,
                        media_type=stored.media_type,
                        size=stored.size,
                        stored_key=stored.key,
                    )
                )
                new_keys.add(entry["key"])
                added += 1
            by_key[entry["key"]] = document
        db.session.flush()
        _link_related(data["documents"], by_key, new_keys)
        for key in sorted(new_keys):
            document = by_key[key]
            db.session.refresh(document)
            add_revision(document, actor, "Văn bản mẫu")
            content_changed(document_event("published", document.id))
    return f"{added} văn bản" if added else None


def _link_related(entries: list[dict[str, Any]], by_key: dict[str, Document], new: set[str]):
    """Both directions of each relation that involves a newly added document."""
    pairs: set[tuple[int, int]] = set()
    for entry in entries:
        for other in entry.get("related", []):
            if entry["key"] not in by_key or other not in by_key:
                continue
            if entry["key"] not in new and other not in new:
                continue
            a, b = by_key[entry["key"]].id, by_key[other].id
            pairs.update({(a, b), (b, a)})
    existing = set(
        db.session.execute(
            db.select(DocumentRelation.document_id, DocumentRelation.related_id).where(
                DocumentRelation.document_id.in_([a for a, _ in pairs] or [0])
            )
        ).all()
    )
    for a, b in sorted(pairs - existing):
        db.session.add(DocumentRelation(document_id=a, related_id=b))
    db.session.flush()
