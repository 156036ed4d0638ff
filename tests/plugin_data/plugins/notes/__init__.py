"""A plugin that owns a table, written only against docs/plugins/data.md."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import Model

PORTAL_MIGRATIONS = "migrations"


class Note(Model):
    __tablename__ = "notes_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(200))
    pinned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
