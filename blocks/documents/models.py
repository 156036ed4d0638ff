"""The tables of the legal documents plugin (văn bản): vocabularies, documents, files, history.

Every table starts with ``documents_`` and is built by the plugin's own migrations
(``blocks/documents/migrations``). The reader side (docs-reader) and the admin
side both read these classes; only the admin side writes them, always inside a
unit of work.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import Model, UTCDateTime, slugify

#: Legal status of a document, with the labels readers and editors see.
STATUS_LABELS = {
    "in_force": "Còn hiệu lực",
    "partly_expired": "Hết hiệu lực một phần",
    "expired": "Hết hiệu lực",
}
STATUSES = tuple(STATUS_LABELS)

#: Workflow state, like articles: written, waiting for a publisher, public.
STATE_LABELS = {
    "draft": "Bản nháp",
    "pending": "Chờ duyệt",
    "published": "Đã xuất bản",
}
STATES = tuple(STATE_LABELS)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Vocabulary:
    """A short list an admin keeps: a name, its slug (for reader filters) and a position."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.slug}>"


class DocumentType(_Vocabulary, Model):
    """Loại văn bản: Chỉ thị, Quyết định, Công văn ..."""

    __tablename__ = "documents_types"


class Issuer(_Vocabulary, Model):
    """Cơ quan ban hành: UBND tỉnh Bắc Kạn, Tỉnh ủy, Sở ..."""

    __tablename__ = "documents_issuers"


class Field(_Vocabulary, Model):
    """Lĩnh vực: Giáo dục, Y tế, Đất đai ..."""

    __tablename__ = "documents_fields"


class DocumentRelation(Model):
    """One link between two documents; the admin stores both directions."""

    __tablename__ = "documents_relations"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("documents_items.id", ondelete="CASCADE"), primary_key=True
    )
    related_id: Mapped[int] = mapped_column(
        sa.ForeignKey("documents_items.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Document(Model):
    """A legal document (văn bản): its number, issuer, dates, legal status and files.

    The number is unique per issuing body and year of issue (``30-CT/TW`` of
    Tỉnh ủy in 2024 exists once). ``version`` is bumped by every UPDATE, so a
    save based on an older version is refused (optimistic locking).
    """

    __tablename__ = "documents_items"
    __table_args__ = (
        sa.UniqueConstraint(
            "issuer_id", "issued_year", "number", name="uq_documents_items_issuer_year_number"
        ),
        sa.Index("ix_documents_items_listing", "state", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(sa.ForeignKey("documents_types.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(100))
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("documents_issuers.id"), index=True)
    signer: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    field_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents_fields.id"), index=True)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    issued_year: Mapped[int] = mapped_column()
    effective_on: Mapped[date | None] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(
        sa.String(20), default="in_force", server_default="in_force"
    )
    summary: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(20), default="draft", server_default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow, onupdate=_utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    type: Mapped[DocumentType] = relationship()
    issuer: Mapped[Issuer] = relationship()
    field: Mapped[Field | None] = relationship()
    files: Mapped[list[DocumentFile]] = relationship(
        back_populates="document",
        order_by="DocumentFile.position, DocumentFile.id",
        cascade="all, delete-orphan",
    )
    related: Mapped[list[Document]] = relationship(
        secondary="documents_relations",
        primaryjoin="Document.id == DocumentRelation.document_id",
        secondaryjoin="Document.id == DocumentRelation.related_id",
        order_by="Document.issued_on.desc()",
        viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        """How the document is named: "Chỉ thị 30-CT/TW"."""
        return f"{self.type.name} {self.number}"

    @property
    def slug(self) -> str:
        """ASCII slug of type and number: ``chi-thi-30-ct-tw``."""
        return slugify(self.title) or "van-ban"

    @property
    def path(self) -> str:
        """The reader URL: ``/van-ban/<id>-<slug>``."""
        return f"/van-ban/{self.id}-{self.slug}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def is_public(self) -> bool:
        """Published and due: readers see it, search finds it."""
        return (
            self.state == "published"
            and self.published_at is not None
            and self.published_at <= _utcnow()
        )

    @classmethod
    def public_filter(cls, now=None):
        """SQL condition matching :attr:`is_public`, for listings.

        ``now`` is the time to compare with: by default the current time; a
        statement built once passes a bound parameter (``bindparam("now")``).
        """
        return (
            (cls.state == "published")
            & (cls.published_at.is_not(None))
            & (cls.published_at <= (_utcnow() if now is None else now))
        )

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.number}>"


class DocumentFile(Model):
    """A file of a document (PDF, DOC, DOCX), stored under a random key, checked by content."""

    __tablename__ = "documents_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("documents_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    original_name: Mapped[str] = mapped_column(sa.String(300))
    media_type: Mapped[str] = mapped_column(sa.String(150))
    size: Mapped[int] = mapped_column()
    stored_key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)

    document: Mapped[Document] = relationship(back_populates="files")

    @property
    def path(self) -> str:
        """The download URL: ``/van-ban/tep/<id>/<file name>``."""
        return f"/van-ban/tep/{self.id}/{quote(self.original_name)}"

    def __repr__(self) -> str:
        return f"<DocumentFile {self.id} {self.original_name}>"


class DocumentRevision(Model):
    """The document as it was after one save; any revision can be compared and restored."""

    __tablename__ = "documents_revisions"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "number", name="uq_documents_revisions_document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("documents_items.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    #: The editable fields as saved (ids of vocabularies, ISO dates, related ids, files).
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_name: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
