"""The tables of the questions plugin: citizens' questions and the fields they belong to."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import Model, UTCDateTime

#: The states of a question, in the order editors meet them.
NEW, ANSWERED, PUBLISHED, HIDDEN = "new", "answered", "published", "hidden"
STATUS_LABELS = {
    NEW: "Mới, chưa trả lời",
    ANSWERED: "Đã trả lời, chưa công bố",
    PUBLISHED: "Đã công bố",
    HIDDEN: "Đã ẩn",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class QuestionField(Model):
    """A field (lĩnh vực) a reader may file a question under; admins keep the list."""

    __tablename__ = "questions_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")


class Question(Model):
    """One citizen's question and, once an editor writes it, the answer.

    ``email`` and ``phone`` are for the editors only: no reader page, feed or
    search document ever shows them. ``client_hash`` is a keyed hash of the
    sender's address, kept to count submissions per client (rate limit).
    """

    __tablename__ = "questions_items"
    __table_args__ = (
        sa.Index("ix_questions_items_status_answered_at", "status", "answered_at"),
        sa.Index("ix_questions_items_client_hash_created_at", "client_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    field_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions_fields.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default=NEW, server_default=NEW)
    answer_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    answered_by: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    client_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        """The number the reader is given on the thank-you page (``HD-2026-00042``)."""
        return reference_for(self.id, self.created_at)

    @property
    def path(self) -> str:
        return f"/hoi-dap/{self.id}"

    @property
    def is_public(self) -> bool:
        return self.status == PUBLISHED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def reference_for(question_id: int, created_at: datetime) -> str:
    return f"HD-{created_at.year}-{question_id:05d}"
