"""What an editor typed but has not saved yet, kept by the editor's autosave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Autosave(db.Model):
    """The fields of one form as one account last typed them (see portal.content.autosaves).

    ``form_key`` names the form: ``article:12``, ``article:new``,
    ``page:3:properties``, ``page:3:block:p14`` … ``base_version`` is the
    version of the saved thing the typing started from (the article's version,
    the page draft's edit version), so a restored autosave still meets the
    edit-conflict check when it is saved. Never a revision: saving the form
    for real deletes it.
    """

    __tablename__ = "autosaves"
    __table_args__ = (UniqueConstraint("user_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    form_key: Mapped[str] = mapped_column(String(200))
    base_version: Mapped[str] = mapped_column(String(100), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
