"""Documents for the reader-side tests, written as the admin side writes them.

Each document is added in a unit of work with its ``published`` content event,
so the outbox indexes it for search and purges the blocks, as in production.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from blocks.documents.demo import minimal_pdf
from blocks.documents.models import (
    Document,
    DocumentFile,
    DocumentRelation,
    DocumentType,
    Field,
    Issuer,
)
from portal import Actor, ContentEvent, content_changed, db, store_plugin_file, unit_of_work

ACTOR = Actor.system("Kiểm thử")
REFERENCE_SUMMARY = "Về xây dựng và thực hiện Quy chế dân chủ ở cơ sở"


def event(action: str, document_id: int) -> ContentEvent:
    return ContentEvent(
        action, "document", document_id, frozenset({f"document:{document_id}", "documents"})
    )


@dataclass
class Vocab:
    types: dict[str, DocumentType] = field(default_factory=dict)
    issuers: dict[str, Issuer] = field(default_factory=dict)
    fields: dict[str, Field] = field(default_factory=dict)


def add_vocabularies() -> dict[str, int]:
    """Types, issuers and fields; returns their ids by slug."""
    ids = {}
    with unit_of_work(ACTOR):
        for model, entries in (
            (
                DocumentType,
                [("Chỉ thị", "chi-thi"), ("Quyết định", "quyet-dinh"), ("Công văn", "cong-van")],
            ),
            (
                Issuer,
                [("Bộ Chính trị", "bo-chinh-tri"), ("UBND tỉnh Bắc Kạn", "ubnd-tinh-bac-kan")],
            ),
            (Field, [("Giáo dục", "giao-duc"), ("Y tế", "y-te")]),
        ):
            for position, (name, slug) in enumerate(entries):
                row = model(name=name, slug=slug, position=position)
                db.session.add(row)
                db.session.flush()
                ids[slug] = row.id
    return ids


def add_document(ids, *, type="quyet-dinh", issuer="ubnd-tinh-bac-kan", number, issued_on,
                 summary, field=None, state="published", status="in_force", signer="Nguyễn Văn A",
                 published_at=None, with_file=False, effective_on=None, expires_on=None) -> int:  # fmt: skip
    with unit_of_work(ACTOR):
        document = Document(
            type_id=ids[type],
            issuer_id=ids[issuer],
            number=number,
            signer=signer,
            field_id=ids[field] if field else None,
            issued_on=issued_on,
            issued_year=issued_on.year,
            effective_on=effective_on,
            expires_on=expires_on,
            status=status,
            summary=summary,
            state=state,
            published_at=published_at
            or (datetime.now(UTC) - timedelta(hours=1) if state == "published" else None),
        )
        db.session.add(document)
        db.session.flush()
        if with_file:
            stored = store_plugin_file(
                "documents", io.BytesIO(minimal_pdf(["Chi thi 30-CT/TW"])), "Chỉ thị 30.pdf"
            )
            db.session.add(
                DocumentFile(
                    document_id=document.id,
                    position=0,
                    original_name=stored.name,
                    media_type=stored.media_type,
                    size=stored.size,
                    stored_key=stored.key,
                )  # fmt: skip
            )
        if state == "published":
            content_changed(event("published", document.id))
        return document.id


def relate(a: int, b: int) -> None:
    with unit_of_work(ACTOR):
        db.session.add_all([DocumentRelation(document_id=a, related_id=b),
                            DocumentRelation(document_id=b, related_id=a)])  # fmt: skip
        content_changed(event("edited", a))


def add_site(with_file=True) -> dict[str, int]:
    """The reference directive, 24 decisions (two pages of 20), a draft and a scheduled one.

    One unit of work for all (the inner ones join it): one commit, one delivery.
    """
    with unit_of_work(ACTOR):
        return _add_site(with_file)


def _add_site(with_file: bool) -> dict[str, int]:
    ids = add_vocabularies()
    docs = {}
    docs["reference"] = add_document(
        ids, type="chi-thi", issuer="bo-chinh-tri", number="30-CT/TW", issued_on=date(1998, 2, 18),
        summary=REFERENCE_SUMMARY, status="partly_expired", signer="Đào Duy Tùng",
        field="giao-duc", with_file=with_file, effective_on=date(1998, 2, 18),
    )  # fmt: skip
    for number in range(1, 25):
        docs[f"decision-{number}"] = add_document(
            ids, number=f"{100 + number}/QĐ-UBND", issued_on=date(2024, 1, 1) + timedelta(days=number * 10),
            summary=f"Phê duyệt kế hoạch số {number} về y tế cơ sở", field="y-te" if number % 2 else None,
        )  # fmt: skip
    docs["letter"] = add_document(
        ids, type="cong-van", number="77/UBND-VX", issued_on=date(2025, 6, 1),
        summary="Về việc tuyển sinh lớp 10", field="giao-duc", status="expired",
    )  # fmt: skip
    docs["draft"] = add_document(
        ids, number="999/QĐ-UBND", issued_on=date(2025, 7, 1), summary="Bản nháp chưa công bố",
        state="draft",
    )  # fmt: skip
    docs["scheduled"] = add_document(
        ids, number="998/QĐ-UBND", issued_on=date(2025, 7, 2), summary="Sắp công bố",
        published_at=datetime.now(UTC) + timedelta(days=3),
    )  # fmt: skip
    relate(docs["reference"], docs["letter"])
    return {**docs, **{f"id:{slug}": value for slug, value in ids.items()}}
