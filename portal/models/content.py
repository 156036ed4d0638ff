"""Editorial content: the category tree and articles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

ARTICLE_STATUSES = ("draft", "review", "published", "archived")


class Category(db.Model):
    """A section of the site (Thời sự, Kinh tế ...); categories form a tree."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.slug}>"


class Article(db.Model):
    """A news article ("bản tin").

    ``body_html`` is sanitized when it is saved (see :mod:`portal.text`); it is
    the only article field ever rendered unescaped.
    """

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_listing", "status", "category_id", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identifier from an import source; makes re-imports idempotent.
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    slug: Mapped[str] = mapped_column(String(500), index=True)
    lead: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # A path inside the media folder ("demo/1.jpg") or an absolute http(s) URL.
    image: Mapped[str] = mapped_column(String(1000), default="")
    image_caption: Mapped[str] = mapped_column(Text, default="")
    image_alt: Mapped[str] = mapped_column(String(500), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()

    @property
    def is_public(self) -> bool:
        """Published and due: a future publication time hides it until then."""
        return (
            self.status == "published"
            and self.published_at is not None
            and self.published_at <= utcnow()
        )

    @classmethod
    def public_filter(cls):
        """SQL condition matching :attr:`is_public`, for listings."""
        return (
            (cls.status == "published")
            & (cls.published_at.is_not(None))
            & (cls.published_at <= utcnow())
        )

    @classmethod
    def text_filter(cls, text: str):
        pattern = f"%{text}%"
        return or_(cls.title.ilike(pattern), cls.lead.ilike(pattern))

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug}>"
