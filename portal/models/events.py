"""The outbox: content events written in the transaction of the change they describe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

#: ``status`` of an outbox row.
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
EVENT_STATUSES = (PENDING, DELIVERED, FAILED)


class OutboxEvent(db.Model):
    """A content event waiting for (or done with) delivery to its consumers.

    Written in the same transaction as the change, so a committed change
    always has its event and a rolled-back one never does. ``pending`` lists
    the consumers (``cache``, ``plugin:<name>``) still to be told; each
    delivery attempt removes the ones that succeeded. After too many attempts
    the row is ``failed`` and shown to admins, never silently dropped.
    ``claimed_until`` keeps two processes from delivering one row at once.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int | None] = mapped_column()
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Who made the change: an account's name, or the import and its file.
    actor: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    pending: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
