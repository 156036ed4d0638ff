"""Notifications of the newsroom's workflow: the admin inbox and who wants which by e-mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Notification(db.Model):
    """One entry of one person's inbox: an article was submitted, sent back, published…

    Made by the ``notify`` consumer of content events
    (:mod:`portal.content.notifications`) from the workflow step
    (``note_id``, an :class:`~portal.models.content.ArticleNote`) it tells of:
    one row per step and recipient (unique), so a step delivered twice
    notifies once. ``message`` is the Vietnamese line shown in the inbox and
    the e-mail; the article's title is in it, so it still reads when the
    article is gone. ``read_at`` is empty while unread.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("note_id", "recipient_id", name="uq_notifications_note_recipient"),
        # The bell's count (unread of one person) and the inbox (one person's, newest first).
        Index("ix_notifications_unread", "recipient_id", "read_at"),
        Index("ix_notifications_inbox", "recipient_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: ``submitted``, ``sent_back``, ``published`` or ``scheduled``.
    kind: Mapped[str] = mapped_column(String(20))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    #: The workflow step told of (its note); unique with the recipient.
    note_id: Mapped[int | None] = mapped_column(ForeignKey("article_notes.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(300), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """Which kinds of notification one person gets by e-mail (``None``: the role's default).

    The inbox always has every notification; this only chooses the e-mails.
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
