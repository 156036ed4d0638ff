"""Pages and the block placements on them (DESIGN.md §5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.seo import SeoColumns
from portal.models.types import UTCDateTime, utcnow

PAGE_KINDS = ("home", "category", "article", "search", "static", "tag")


class Page(SeoColumns, db.Model):
    """A page of the site: a kind, a layout, placements; pages form a tree.

    * ``home``, ``static`` and ``search`` pages are reached by their ``path``.
    * ``category`` pages list a category (``category_id``) or, with no
      category, serve every category that has no page of its own.
    * ``article`` pages are templates: an article is shown on the nearest
      article page of its category, up the category tree, then the one with
      no category (the site default).
    * the ``tag`` page is the template of every tag's page (``/the/<slug>``):
      no path, no category, one per site.

    A page shows its parent's placements in a region unless the region is in
    ``blocked_regions``.
    """

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    path: Mapped[str | None] = mapped_column(String(300), unique=True)
    layout: Mapped[str] = mapped_column(String(100), default="one_column")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    blocked_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "vi" or "en": the language of its content and interface (``<html lang>``).
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")
    # The Vietnamese page this one translates (the language switcher's target).
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="SET NULL"), index=True
    )
    # False: a draft page (new, or taken off the site): readers get 404, menus and
    # sitemaps leave it out; editors still open and preview it (portal.content.pages).
    published: Mapped[bool] = mapped_column(default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Page | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    placements: Mapped[list[Placement]] = relationship(
        back_populates="page",
        order_by="(Placement.region, Placement.position)",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Page {self.id} {self.kind} {self.path or self.title}>"


class Placement(db.Model):
    """One block on one page: which block type, where, and its settings.

    The block *type* is a class found through plugins; this row is the value.
    If the plugin is gone the row stays untouched, so reinstalling restores it.
    """

    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), index=True)
    region: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    block_name: Mapped[str] = mapped_column(String(100))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    hidden: Mapped[bool] = mapped_column(default=False)
    # Bumped on every change; part of the cache key so edits show at once.
    version: Mapped[int] = mapped_column(default=1)

    page: Mapped[Page] = relationship(back_populates="placements")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Placement {self.id} {self.block_name}@{self.region}:{self.position}>"


class PageDraft(db.Model):
    """Unpublished changes to a page's arrangement, shared by everyone editing it.

    ``document`` holds the layout, blocked regions and placements as they will
    be after publishing (see :mod:`portal.content.page_drafts`). ``version`` goes up on
    every change; a change made against an older version is refused, so two
    admins never overwrite each other silently.
    """

    __tablename__ = "page_drafts"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    base_revision: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_name: Mapped[str] = mapped_column(String(300), default="")


class PageRevision(db.Model):
    """A published state of a page's arrangement; any one can be restored."""

    __tablename__ = "page_revisions"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_by_name: Mapped[str] = mapped_column(String(300), default="")
