"""Editorial content: the category tree and articles."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.extensions import db
from portal.models.seo import SeoColumns
from portal.models.types import UTCDateTime, utcnow

ARTICLE_STATUSES = ("draft", "review", "published", "archived")
#: The rows ``ix_articles_translations`` holds: only the few articles that translate another.
TRANSLATIONS_WHERE = "translation_of_id IS NOT NULL"
#: How statuses are called on screen.
STATUS_LABELS = {
    "draft": "Bản nháp",
    "review": "Chờ duyệt",
    "published": "Đã xuất bản",
    "archived": "Đã gỡ",
}

article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The articles carrying a tag (related articles; migration 0013).
    Index("ix_article_tags_tag", "tag_id", "article_id"),
)


class Category(db.Model):
    """A section of the site (Thời sự, Kinh tế ...); categories form a tree."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # "vi" or "en": English categories live at /en/category/<slug> (portal.languages).
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")
    # The Vietnamese category this one translates (the language switcher's target).
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )

    parent: Mapped[Category | None] = relationship(
        remote_side=[id], back_populates="children", foreign_keys=[parent_id]
    )
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position", foreign_keys=[parent_id]
    )

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.slug}>"


class Article(SeoColumns, db.Model):
    """A news article ("bản tin").

    ``body_html`` is sanitized when it is saved (see :mod:`portal.text`); it is
    the only article field ever rendered unescaped.
    """

    __tablename__ = "articles"
    # One index in the order of each list (migrations 0010 and 0011), so a page of a
    # list reads as many rows as it shows however many articles the site has.
    __table_args__ = (
        # The newest public articles of one language (lists not tied to a category).
        Index("ix_articles_recent", "status", "language", "published_at", "id"),
        # The newest public articles of the whole site (feeds, sitemaps of every language).
        Index("ix_articles_published", "status", "published_at", "id"),
        # When each public article last changed, read from the index alone: the sitemap
        # index's lastmod of every sitemap (max over id ranges) never reads a row of the
        # table (migration 0014).
        Index("ix_articles_lastmod", "status", "published_at", "updated_at", "id"),
        # A category's newest public articles (category pages, deep pages included).
        Index("ix_articles_category_published", "category_id", "status", "published_at", "id"),
        # The admin's article list, recently changed first: all, by status, by creator.
        Index("ix_articles_updated", "updated_at", "id"),
        Index("ix_articles_status_updated", "status", "updated_at", "id"),
        Index("ix_articles_creator_updated", "created_by_id", "updated_at", "id"),
        # The admin's article list sorted by title, by publication time, by category
        # (migration 0018); by status and by creator it uses the two above.
        Index("ix_articles_title", "title", "id"),
        Index("ix_articles_published_at", "published_at", "id"),
        Index("ix_articles_category_updated", "category_id", "updated_at", "id"),
        # The articles showing a library image as their main image (the media list).
        Index("ix_articles_image_id", "image_id"),
        # The few articles that translate another (an article page's translations):
        # partial, so that its statistics never make SQLite scan every article instead
        # (migration 0013).
        # (PostgreSQL's predicate is added by declare_postgresql_options: naming it here
        # would load SQLAlchemy's PostgreSQL dialect into every SQLite worker, 2 MB.)
        Index(
            "ix_articles_translations",
            "translation_of_id",
            sqlite_where=text(TRANSLATIONS_WHERE),
        ),
    )

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
    # The main image from the media library; ``image`` then holds its path.
    image_id: Mapped[int | None] = mapped_column(ForeignKey("media_images.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Bumped by every UPDATE; a save based on an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    view_count: Mapped[int] = mapped_column(default=0)
    # Always its category's language (kept so by portal.content.articles), so
    # URLs, feeds and search know it without loading the category.
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")
    # The Vietnamese article this one translates (the language switcher's target).
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )

    category: Mapped[Category | None] = relationship()
    #: The English translations of this article (loaded with an article page: no extra query).
    translations: Mapped[list[Article]] = relationship(
        foreign_keys=[translation_of_id], back_populates="translation_of", viewonly=True
    )
    translation_of: Mapped[Article | None] = relationship(
        remote_side=[id],
        foreign_keys=[translation_of_id],
        back_populates="translations",
        viewonly=True,
    )
    image_file: Mapped[MediaImage | None] = relationship(foreign_keys=[image_id])
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by="Tag.name")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="article", order_by="Attachment.position", cascade="all, delete-orphan"
    )

    #: The library images its body shows (kept by :meth:`_keep_image_uses`).
    image_uses: Mapped[list[ArticleImageUse]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("body_html")
    def _keep_image_uses(self, _key: str, body: str | None) -> str | None:
        """Keep :attr:`image_uses` in step with the body, whoever writes it.

        The rows change only when the set of images does, so saving a body
        that shows the same images costs no query.
        """
        wanted = image_stems(body)
        if image_stems(self.body_html) != wanted:
            kept = [use for use in self.image_uses if use.stem in wanted]
            present = {use.stem for use in kept}
            self.image_uses = kept + [
                ArticleImageUse(stem=stem) for stem in sorted(wanted - present)
            ]
        return body

    @property
    def is_public(self) -> bool:
        """Published and due: a future publication time hides it until then."""
        return (
            self.status == "published"
            and self.published_at is not None
            and self.published_at <= utcnow()
        )

    @classmethod
    def public_filter(cls, now=None):
        """SQL condition matching :attr:`is_public`, for listings.

        ``now`` is the time to compare with: by default the current time; a
        statement built once passes a bound parameter (``bindparam("now")``).
        """
        return (
            (cls.status == "published")
            & (cls.published_at.is_not(None))
            & (cls.published_at <= (utcnow() if now is None else now))
        )

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug}>"


#: The part of a library image's stored name that its URL and every resized copy's
#: share: ``uploads/<2 hex>/<24 hex>`` (see ``portal.content.media.STORED_NAME_RE``).
IMAGE_STEM_RE = re.compile(r"uploads/[0-9a-f]{2}/[0-9a-f]{24}")


def image_stems(body: str | None) -> set[str]:
    """The stems of the library images named in an article's body."""
    return set(IMAGE_STEM_RE.findall(body or ""))


class ArticleImageUse(db.Model):
    """A library image shown inside an article's body, by the stem of its stored name.

    Lets the media library say which articles show an image with an index
    lookup instead of searching every article's body (migration 0012). Kept
    by :meth:`Article._keep_image_uses`.
    """

    __tablename__ = "article_image_uses"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    stem: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Tag(db.Model):
    """A keyword shared by articles ("Chỉ thị 30", "Du lịch cộng đồng")."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(120), unique=True)


class ArticleRevision(db.Model):
    """The article as it was after one save; any revision can be compared and restored."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    #: The editable fields (title, slug, lead, body_html, image ..., tags) as saved.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(300), default="")


class ArticleNote(db.Model):
    """A workflow step with its comment: submitted, sent back, published, unpublished."""

    __tablename__ = "article_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")


class Attachment(db.Model):
    """A document (PDF, Office) attached to an article, stored under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(300))
    mime_type: Mapped[str] = mapped_column(String(150))
    size: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="attachments")


class MediaImage(db.Model):
    """An uploaded image, re-encoded, with resized variants for ``srcset``.

    ``stored_name`` and the ``variants`` (width → file name) are paths inside
    the media folder; the original upload is never kept as it came.
    """

    __tablename__ = "media_images"
    # The library, newest first (admin media list).
    __table_args__ = (Index("ix_media_images_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(300), default="")
    mime_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    size: Mapped[int] = mapped_column()
    variants: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    alt: Mapped[str] = mapped_column(String(500), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def declare_postgresql_options() -> None:
    """Give the models' partial indexes their predicate on PostgreSQL (``create_all``
    there builds what migration 0013 builds). Called when the app's database is
    PostgreSQL, whose dialect is then loaded anyway."""
    index = next(i for i in Article.__table__.indexes if i.name == "ix_articles_translations")
    index.dialect_options["postgresql"]["where"] = text(TRANSLATIONS_WHERE)
