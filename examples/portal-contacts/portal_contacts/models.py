"""The table of the contacts plugin: named after the plugin, built by its migrations."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import Model


class Contact(Model):
    """One entry of the directory: a person (or an office) and how to reach them."""

    __tablename__ = "contacts_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    agency: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
