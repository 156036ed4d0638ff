"""The shape of the site: the page tree and the category tree, loaded once per request.

Both trees are small (tens to hundreds of rows), so each is read with one
query and kept in ``flask.g``; every block and route asks these helpers
instead of walking relationships row by row (no N+1 queries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from flask import current_app, g, has_request_context, url_for
from sqlalchemy import inspect, literal_column, select, union_all
from sqlalchemy.orm import joinedload, load_only

from portal.content.attachments import AttachmentLink, attachment_link
from portal.content.media import ImageSource, image_source
from portal.extensions import db
from portal.hosts import base_url
from portal.models import Article, Category, Page, utcnow
from portal.text import to_local


@dataclass
class CategoryTree:
    """All categories, indexed for walking up and down the tree."""

    by_id: dict[int, Category] = field(default_factory=dict)
    children: dict[int | None, list[Category]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> CategoryTree:
        tree = cls()
        rows = db.session.scalars(select(Category).order_by(Category.position, Category.name))
        for category in rows:
            tree.by_id[category.id] = category
            tree.children.setdefault(category.parent_id, []).append(category)
        return tree

    @property
    def roots(self) -> list[Category]:
        return self.children.get(None, [])

    def get(self, category_id: int | None) -> Category | None:
        return self.by_id.get(category_id) if category_id is not None else None

    def by_slug(self, slug: str) -> Category | None:
        return next((c for c in self.by_id.values() if c.slug == slug), None)

    def ancestors(self, category: Category | None) -> list[Category]:
        """The category and its parents, nearest first."""
        chain: list[Category] = []
        seen: set[int] = set()
        while category is not None and category.id not in seen:
            chain.append(category)
            seen.add(category.id)
            category = self.by_id.get(category.parent_id)
        return chain

    def descendant_ids(self, category: Category) -> list[int]:
        """The ids of the category and everything below it."""
        ids, stack = [], [category]
        while stack:
            current = stack.pop()
            if current.id in ids:
                continue
            ids.append(current.id)
            stack.extend(self.children.get(current.id, []))
        return ids


@dataclass
class PageTree:
    """All pages, indexed by id, path and (kind, category)."""

    by_id: dict[int, Page] = field(default_factory=dict)

    @classmethod
    def load(cls) -> PageTree:
        tree = cls()
        for page in db.session.scalars(select(Page).order_by(Page.id)):
            tree.by_id[page.id] = page
        return tree

    @property
    def root(self) -> Page | None:
        return next((p for p in self.by_id.values() if p.parent_id is None), None)

    def by_path(self, path: str) -> Page | None:
        return next(
            (
                p
                for p in self.by_id.values()
                if p.path == path and p.kind in {"home", "static", "search"}
            ),
            None,
        )

    def ancestors(self, page: Page) -> list[Page]:
        """The page's parents from the root down, not including the page."""
        chain: list[Page] = []
        seen = {page.id}
        current = self.by_id.get(page.parent_id)
        while current is not None and current.id not in seen:
            chain.append(current)
            seen.add(current.id)
            current = self.by_id.get(current.parent_id)
        return list(reversed(chain))

    def for_category(
        self, kind: str, category: Category | None, categories: CategoryTree
    ) -> Page | None:
        """The nearest page of ``kind`` for a category: its own, a parent's, then the default."""
        pages = [p for p in self.by_id.values() if p.kind == kind]
        for candidate in categories.ancestors(category):
            match = next((p for p in pages if p.category_id == candidate.id), None)
            if match is not None:
                return match
        return next((p for p in pages if p.category_id is None), None)


def category_tree() -> CategoryTree:
    """The category tree, loaded at most once per request."""
    if not has_request_context():
        return CategoryTree.load()
    if "portal_category_tree" not in g:
        g.portal_category_tree = CategoryTree.load()
    return g.portal_category_tree


def page_tree() -> PageTree:
    """The page tree, loaded at most once per request."""
    if not has_request_context():
        return PageTree.load()
    if "portal_page_tree" not in g:
        g.portal_page_tree = PageTree.load()
    return g.portal_page_tree


def site_now() -> datetime:
    """The current time in the site's time zone (``PORTAL_TIMEZONE``): today's date, the year."""
    return to_local(utcnow(), current_app.config["PORTAL_TIMEZONE"])


def article_url(article: Article, **values) -> str:
    """The canonical URL of an article: stable id plus the current slug."""
    # An article whose title has no Latin letters has an empty slug: its URL is the id alone.
    return url_for("reader.article", article_id=article.id, slug=article.slug or None, **values)


def home_url(**values) -> str:
    """The URL of the home page."""
    return url_for("reader.home", **values)


def category_url(category: Category, **values) -> str:
    return url_for("reader.category", slug=category.slug, **values)


def media_url(image: str) -> str:
    """URL for an article image: absolute http(s) URLs pass through, others are media files."""
    if not image:
        return ""
    if image.startswith(("https://", "http://")):
        return image
    return url_for("reader.media", filename=image)


#: Characters left as they are in an ``_anchor`` (as Flask's ``url_for`` does).
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def absolute_url(target: str, **values) -> str:
    """The absolute public URL of a page of this site, always on ``PORTAL_BASE_URL``.

    ``target`` is a path of this site starting with ``/`` (what
    :func:`article_url`, :func:`category_url` and :func:`media_url` return)
    or an endpoint name with its values, as for ``url_for`` (which also works
    outside a request: feeds, e-mails, commands). An absolute ``http(s)``
    URL (an external image from :func:`media_url`) is returned unchanged.
    The host of the request is never used: a hostile ``Host`` header must not
    end up in a link that is cached or shown to someone else.
    """
    base = base_url(current_app)
    if target.startswith(("https://", "http://")) and not values:
        return target
    if target.startswith("/"):
        if target.startswith("//") or "\\" in target or values:
            raise ValueError(f"not a path of this site: {target!r}")
        return base.origin + target
    app = current_app._get_current_object()
    adapter = app.url_map.bind(base.netloc, url_scheme=base.scheme)
    values = dict(values)
    app.inject_url_defaults(target, values)
    anchor = values.pop("_anchor", None)
    url = adapter.build(target, values, force_external=True)
    return f"{url}#{quote(anchor, safe=ANCHOR_SAFE)}" if anchor else url


def image_for(article: Article) -> ImageSource | None:
    """The article's main image for an ``<img>``, or None when it has none.

    An image from the media library comes with ``srcset`` over its resized
    copies and its intrinsic size; an older path or external URL gives only
    ``src``. Articles from :func:`fetch_article_lists` and :func:`article_media`
    have their image loaded already, so this costs no query.
    """
    if article.image_id is not None and article.image_file is not None:
        return image_source(article.image_file)
    if article.image:
        return ImageSource(src=media_url(article.image))
    return None


@dataclass(frozen=True)
class ArticleMedia:
    """The pictures and documents of one article page: main image and attachments."""

    image: ImageSource | None
    attachments: list[AttachmentLink]


def article_media(article: Article) -> ArticleMedia:
    """The main image and the attachments of an article, loaded with one query.

    The article's tags come in the same query (the page's metadata lists them).
    """
    state = inspect(article)
    if state.persistent and {"image_file", "attachments", "tags"} & state.unloaded:
        # Fills in the two relationships of the article already in the session;
        # no_autoflush: an article being previewed with unsaved changes stays unsaved.
        with db.session.no_autoflush:
            db.session.execute(
                select(Article)
                .where(Article.id == article.id)
                .options(
                    load_only(Article.id),
                    joinedload(Article.image_file),
                    joinedload(Article.attachments),
                    joinedload(Article.tags),
                )
            ).unique().all()
    return ArticleMedia(
        image=image_for(article),
        attachments=[attachment_link(item) for item in article.attachments],
    )


@dataclass(frozen=True)
class ArticleQuery:
    """One listing of public articles, newest first.

    ``category_ids`` limits the listing to those categories (``None`` = all;
    an empty tuple matches nothing); ``exclude_ids`` leaves articles out (the
    one being read, in "related" lists). Frozen, so equal listings asked for
    by several blocks share one entry in :func:`fetch_article_lists`.
    """

    limit: int
    offset: int = 0
    category_ids: tuple[int, ...] | None = None
    exclude_ids: tuple[int, ...] = ()


def fetch_article_lists(queries: list[ArticleQuery]) -> dict[ArticleQuery, list[Article]]:
    """Load many listings of public articles with one query, for blocks' ``prefetch``.

    Each listing is a ``SELECT ... ORDER BY ... LIMIT ... OFFSET`` (so each
    one uses the listing index); they are glued with ``UNION ALL`` and joined
    to the articles, so ten list blocks on a page cost one round trip, not ten.
    Returns a list of articles for every query given (empty when nothing matches).
    """
    wanted = list(dict.fromkeys(queries))
    results: dict[ArticleQuery, list[Article]] = {query: [] for query in wanted}
    parts = []
    for number, query in enumerate(wanted):
        if query.limit <= 0 or query.category_ids == ():
            continue
        listing = select(
            literal_column(str(number)).label("list_no"), Article.id.label("article_id")
        ).where(Article.public_filter())
        if query.category_ids is not None:
            listing = listing.where(Article.category_id.in_(query.category_ids))
        if query.exclude_ids:
            listing = listing.where(Article.id.not_in(query.exclude_ids))
        listing = (
            listing.order_by(Article.published_at.desc(), Article.id.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        # Wrapped in a sub-select: SQLite allows no LIMIT on a bare UNION member.
        parts.append(select(listing.subquery()))
    if not parts:
        return results
    listed = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("listed")
    rows = db.session.execute(
        select(listed.c.list_no, Article)
        .join(Article, Article.id == listed.c.article_id)
        # The main image comes in the same query, so image_for() costs nothing per article.
        .options(joinedload(Article.image_file))
        .order_by(listed.c.list_no, Article.published_at.desc(), Article.id.desc())
    )
    for list_no, article in rows:
        results[wanted[list_no]].append(article)
    return results
