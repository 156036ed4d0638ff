"""The tables of the menus plugin: menus, their draft items, their published versions.

Editors change the draft rows (``menus_items``); publishing copies the draft
into a new ``menus_versions`` row (a JSON snapshot), which is what readers see.
Undo withdraws the newest published version, so the one before it is shown
again; every version stays for the record.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import Model, UTCDateTime

#: What an item points at.
KINDS = ("category", "page", "tag", "plugin", "external")


class Menu(Model):
    """A named menu (``header``, ``footer``); blocks choose one by its slug."""

    __tablename__ = "menus_menus"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))


class MenuEntry(Model):
    """One item of a menu's draft: a label and a target, under a parent (two levels)."""

    __tablename__ = "menus_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    menu_id: Mapped[int] = mapped_column(
        sa.ForeignKey("menus_menus.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("menus_items.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The category, page or tag id (kinds category, page, tag); the core may delete
    #: them without telling this table, so it is a plain number, not a foreign key.
    target_id: Mapped[int | None] = mapped_column()
    #: The address (kinds plugin and external).
    url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    new_tab: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class MenuVersion(Model):
    """A published state of a menu: its items as they were when published (JSON)."""

    __tablename__ = "menus_versions"
    __table_args__ = (sa.UniqueConstraint("menu_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    menu_id: Mapped[int] = mapped_column(
        sa.ForeignKey("menus_menus.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    items: Mapped[list] = mapped_column(sa.JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    #: Set by "undo": this version is no longer shown; the newest one not withdrawn is.
    withdrawn: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
