"""The shape of the site: the page tree and the category tree, loaded once per request.

Both trees are small (tens to hundreds of rows), so each is read with one
query and kept in ``flask.g``; every block and route asks these helpers
instead of walking relationships row by row (no N+1 queries).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from flask import current_app, g, has_request_context, request
from sqlalchemy import bindparam, func, inspect, literal_column, select, tuple_, union_all
from sqlalchemy.orm import (
    aliased,
    contains_eager,
    joinedload,
    load_only,
    make_transient_to_detached,
)

from portal.content.attachments import AttachmentLink, attachment_link
from portal.content.media import ImageSource, image_source
from portal.extensions import db
from portal.hosts import base_url
from portal.i18n import ENGLISH_PREFIX, current_locale
from portal.models import Article, ArticleDailyViews, Category, Page, Tag, utcnow
from portal.models.content import article_tags
from portal.text import to_local
from portal.url_rules import page_link


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
    """All pages, indexed by id, path and (kind, category).

    ``by_id`` holds every page; the lookups that serve readers (:meth:`by_path`,
    :meth:`for_category`, :meth:`tag_page`) find published pages only, so a
    draft page answers 404 and an unpublished template falls back as if absent.
    """

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
                if p.path == path and p.kind in {"home", "static", "search"} and p.published
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

    def tag_page(self) -> Page | None:
        """The page that shows every tag (kind ``tag``), or None when the site has none."""
        return next((p for p in self.by_id.values() if p.kind == "tag" and p.published), None)

    def for_category(
        self, kind: str, category: Category | None, categories: CategoryTree
    ) -> Page | None:
        """The nearest page of ``kind`` for a category: its own, a parent's, then the default.

        The default is the one in the category's language (an English category
        is shown inside the English site), else any.
        """
        pages = [p for p in self.by_id.values() if p.kind == kind and p.published]
        for candidate in categories.ancestors(category):
            match = next((p for p in pages if p.category_id == candidate.id), None)
            if match is not None:
                return match
        defaults = [p for p in pages if p.category_id is None]
        language = category.language if category is not None else None
        return next(
            (p for p in defaults if p.language == (language or "vi")),
            defaults[0] if defaults else None,
        )


def category_tree() -> CategoryTree:
    """The category tree, loaded at most once per request (with the page tree)."""
    if not has_request_context():
        return CategoryTree.load()
    if "portal_category_tree" not in g:
        _load_site_trees()
    return g.portal_category_tree


def page_tree() -> PageTree:
    """The page tree, loaded at most once per request (with the category tree)."""
    if not has_request_context():
        return PageTree.load()
    if "portal_page_tree" not in g:
        _load_site_trees()
    return g.portal_page_tree


#: Both trees in one statement: two sides, the categories on side 0 and the pages on
#: side 1, each in its tree's order. (A ``UNION`` cannot carry two kinds of rows into
#: the ORM; two outer joins on a side number can, on every database.) Built once.
_SIDES = (
    select(literal_column("0").label("side"))
    .union_all(select(literal_column("1").label("side")))
    .subquery("sides")
)
_SITE_TREES = (
    select(Category, Page)
    .select_from(_SIDES)
    .outerjoin(Category, _SIDES.c.side == 0)
    .outerjoin(Page, _SIDES.c.side == 1)
    .order_by(_SIDES.c.side, Category.position, Category.name, Page.id)
)


#: The same two trees as plain rows: every column of a category (side 0) or of a page
#: (side 1), in the same order. What a reader's request compares with the trees this
#: process keeps (:func:`_load_site_trees`).
_CATEGORY_COLUMNS = tuple(Category.__table__.c)
_PAGE_COLUMNS = tuple(Page.__table__.c)
_SITE_TREE_ROWS = (
    select(*_CATEGORY_COLUMNS, *_PAGE_COLUMNS)
    .select_from(_SIDES)
    .outerjoin(Category.__table__, _SIDES.c.side == 0)
    .outerjoin(Page.__table__, _SIDES.c.side == 1)
    # Table columns only: a plain Core statement, with none of the ORM's work per execution.
    .order_by(
        _SIDES.c.side,
        Category.__table__.c.position,
        Category.__table__.c.name,
        Page.__table__.c.id,
    )
)
#: Where an app keeps the trees its last reading request saw: (rows, categories, pages).
KEPT_TREES = "portal.site_trees"
#: Requests that may share the kept trees: they read, they do not change.
READING_METHODS = frozenset({"GET", "HEAD"})


def _load_site_trees() -> None:
    """Read the category and page trees of this request, with one statement.

    A reader page needs both (the menu and the route's category, the page and
    its ancestors), so they come in one round trip rather than two.

    A request that only reads (``GET``, ``HEAD``) reads them as plain rows and
    shares the trees the process built from the same rows before: the rows are
    everything the trees are made of, so a change by any process or server shows
    on the next request, and nothing is rebuilt when nothing changed. Their
    categories and pages are detached copies (never in a session: read them,
    never change them). A request that may write gets them from its session,
    as ORM objects it may change.
    """
    if request.method not in READING_METHODS:
        categories, pages = CategoryTree(), PageTree()
        for category, page in db.session.execute(_SITE_TREES):
            if category is not None:
                categories.by_id[category.id] = category
                categories.children.setdefault(category.parent_id, []).append(category)
            elif page is not None:
                pages.by_id[page.id] = page
        g.portal_category_tree, g.portal_page_tree = categories, pages
        return
    rows = db.session.execute(_SITE_TREE_ROWS).all()
    app = current_app._get_current_object()
    kept = app.extensions.get(KEPT_TREES)
    if kept is None or kept[0] != rows:
        kept = app.extensions[KEPT_TREES] = (rows, *_trees_from_rows(rows))
    g.portal_category_tree, g.portal_page_tree = kept[1], kept[2]


def _trees_from_rows(rows) -> tuple[CategoryTree, PageTree]:
    categories, pages = CategoryTree(), PageTree()
    category_keys, page_keys = _attribute_keys()
    width = len(category_keys)
    for row in rows:
        if row[0] is not None:
            category = _detached(Category, category_keys, row[:width])
            categories.by_id[category.id] = category
            categories.children.setdefault(category.parent_id, []).append(category)
        elif row[width] is not None:
            page = _detached(Page, page_keys, row[width:])
            pages.by_id[page.id] = page
    return categories, pages


@lru_cache(maxsize=1)
def _attribute_keys() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The attribute names of the columns of :data:`_SITE_TREE_ROWS`, category then page."""
    return tuple(
        tuple(inspect(model).get_property_by_column(column).key for column in columns)
        for model, columns in ((Category, _CATEGORY_COLUMNS), (Page, _PAGE_COLUMNS))
    )


def _detached(model, keys: tuple[str, ...], values) -> Any:
    """An instance of ``model`` with these column values, detached: as if loaded and then
    let go of by its session."""
    instance = model(**dict(zip(keys, values, strict=True)))
    make_transient_to_detached(instance)
    return instance


def find_tag(slug: str) -> Tag | None:
    """The tag with this slug, or None."""
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def most_used_tag() -> Tag | None:
    """The tag the most articles carry (to preview the tag page with), or None."""
    return db.session.scalar(
        select(Tag)
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .group_by(Tag.id)
        .order_by(func.count().desc(), Tag.id)
        .limit(1)
    )


def site_now() -> datetime:
    """The current time in the site's time zone (``PORTAL_TIMEZONE``): today's date, the year."""
    return to_local(utcnow(), current_app.config["PORTAL_TIMEZONE"])


def site_name() -> str:
    """The site's name (``PORTAL_SITE_NAME``), as readers see it in titles and feeds."""
    return current_app.config["PORTAL_SITE_NAME"]


def site_time(value: datetime) -> datetime:
    """``value`` (an aware datetime, e.g. ``Article.published_at``) in the site's time zone.

    Its offset is the site's (``+07:00`` for ``Asia/Ho_Chi_Minh``): what feeds and
    machine-readable dates show.
    """
    return to_local(value, current_app.config["PORTAL_TIMEZONE"])


def article_url(article: Article, **values) -> str:
    """The canonical URL of an article: stable id plus the current slug."""
    # An article whose title has no Latin letters has an empty slug: its URL is the id alone.
    english = getattr(article, "language", "vi") == "en"  # rows without the column: Vietnamese
    endpoint = "reader.english_article" if english else "reader.article"
    return page_link(endpoint, article_id=article.id, slug=article.slug or None, **values)


def home_url(**values) -> str:
    """The URL of the home page: the English one (``/en``) on English pages."""
    if not values and has_request_context() and current_locale() == "en":
        return page_link("reader.static_page", path=ENGLISH_PREFIX.strip("/"))
    return page_link("reader.home", **values)


def category_url(category: Category, **values) -> str:
    """``/chuyen-muc/<slug>``, or ``/en/category/<slug>`` for an English category."""
    english = getattr(category, "language", "vi") == "en"
    endpoint = "reader.english_category" if english else "reader.category"
    return page_link(endpoint, slug=category.slug, **values)


def tag_url(tag: Tag, **values) -> str:
    """The URL of a tag's page (``/the/<slug>``), listing the articles carrying it."""
    return page_link("reader.tag", slug=tag.slug, **values)


def media_url(image: str) -> str:
    """URL for an article image: absolute http(s) URLs pass through, others are media files."""
    if not image:
        return ""
    if image.startswith(("https://", "http://")):
        return image
    return page_link("reader.media", filename=image)


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
        guessed = mimetypes.guess_type(article.image.split("?", 1)[0])[0] or ""
        return ImageSource(
            src=media_url(article.image), mime_type=guessed if guessed.startswith("image/") else ""
        )
    return None


@dataclass(frozen=True)
class ArticleMedia:
    """The pictures and documents of one article page: main image and attachments."""

    image: ImageSource | None
    attachments: list[AttachmentLink]


def _with_tags(statement):
    """``statement`` (a select of articles) joined to their tags, which fill ``Article.tags``.

    Two plain ``LEFT OUTER JOIN``: the article's rows of ``article_tags`` are read
    through its primary key (``article_id`` first), then each tag by its id. A
    ``joinedload`` would nest them (``LEFT JOIN (article_tags JOIN tags)``), which
    SQLite cannot flatten: it materialised the whole ``article_tags`` table on each
    article page (2.4 s at 100,000 articles), and PostgreSQL read ``tags`` whole.
    """
    return (
        statement.outerjoin(article_tags, article_tags.c.article_id == Article.id)
        .outerjoin(Tag, Tag.id == article_tags.c.tag_id)
        .options(contains_eager(Article.tags))
        .order_by(Tag.name)  # the order of ``Article.tags``
    )


#: An article page's article (parameter ``article_id``), with what the page shows besides
#: its own columns: main image, translations (the language switcher's target), the
#: article it translates, attachments and tags. Built once per process.
_ARTICLE_PAGE = _with_tags(
    select(Article)
    .where(Article.id == bindparam("article_id"))
    .options(
        joinedload(Article.image_file),
        joinedload(Article.social_image),
        joinedload(Article.translations),
        joinedload(Article.translation_of),
        joinedload(Article.attachments),
    )
)

#: What :func:`article_media` fills in for an article loaded without it (parameter
#: ``article_id``): main image, attachments and tags.
_ARTICLE_MEDIA = _with_tags(
    select(Article)
    .where(Article.id == bindparam("article_id"))
    .options(
        load_only(Article.id),
        joinedload(Article.image_file),
        joinedload(Article.attachments),
    )
)


def load_article_page(article_id: int) -> Article | None:
    """The article with everything its page shows (image, translations, attachments,
    tags) in one statement, or None when there is no such article."""
    return (
        db.session.execute(_ARTICLE_PAGE, {"article_id": article_id}).unique().scalar_one_or_none()
    )


def article_media(article: Article) -> ArticleMedia:
    """The main image and the attachments of an article, loaded with one query.

    The same query loads the article's tags (``article.tags``), for its page.
    """
    state = inspect(article)
    if state.persistent and {"image_file", "attachments", "tags"} & state.unloaded:
        # Fills in the three relationships of the article already in the session;
        # no_autoflush: an article being previewed with unsaved changes stays unsaved.
        with db.session.no_autoflush:
            db.session.execute(_ARTICLE_MEDIA, {"article_id": article.id}).unique().all()
    return ArticleMedia(
        image=image_for(article),
        attachments=[attachment_link(item) for item in article.attachments],
    )


@dataclass(frozen=True)
class ArticleQuery:
    """One listing of public articles, newest first.

    ``category_ids`` limits the listing to those categories (``None`` = all;
    an empty tuple matches nothing); ``tag_ids`` likewise to articles carrying
    at least one of those tags; ``exclude_ids`` leaves articles out (the
    one being read, in "related" lists); ``language`` (``"vi"``, ``"en"``) to
    articles in that language, for listings not tied to a category (a Vietnamese
    home page lists no English article). ``after_id`` starts the page right
    after that article (its publication time and id) instead of skipping
    ``offset`` rows: a paginated list's next-page link names the last article
    shown. Frozen, so equal listings asked for by several blocks share one entry
    in :func:`fetch_article_lists`.
    """

    limit: int
    offset: int = 0
    after_id: int | None = None
    category_ids: tuple[int, ...] | None = None
    exclude_ids: tuple[int, ...] = ()
    tag_ids: tuple[int, ...] | None = None
    language: str | None = None


#: A listing of at most this many categories is read category by category (see
#: :func:`_listing_ids`); more are read with one ``IN`` and sorted.
MERGED_CATEGORIES = 16


def fetch_article_lists(
    queries: list[ArticleQuery], *, rows: bool = False
) -> dict[ArticleQuery, list[Article]]:
    """Load many listings of public articles with one query, for blocks' ``prefetch``.

    Each listing is a ``SELECT ... ORDER BY ... LIMIT ... OFFSET`` on the index
    in its order (:func:`_listing_ids`); they are glued with ``UNION ALL`` and
    joined to the articles, so ten list blocks on a page cost one round trip,
    not ten. Returns a list of articles for every query given (empty when
    nothing matches). With ``rows`` the articles are :class:`ListedArticle`
    rows (what a teaser shows, image included; no ORM object to build).
    """
    wanted = list(dict.fromkeys(queries))
    results: dict[ArticleQuery, list[Article]] = {query: [] for query in wanted}
    read = [
        query
        for query in wanted
        if query.limit > 0 and query.category_ids != () and query.tag_ids != ()
    ]
    if not read:
        return results
    values: dict[str, Any] = {"now": utcnow()}
    for number, query in enumerate(read):
        values.update(_listing_values(number, query))
    statement = _lists_statement(tuple(_listing_shape(query) for query in read), rows)
    if rows:
        for list_no, *columns in db.session.execute(statement, values):
            results[read[list_no]].append(_listed_article(columns))
    else:
        for list_no, article in db.session.execute(statement, values):
            results[read[list_no]].append(article)
    gone = [query for query in read if query.after_id is not None and not results[query]]
    if gone:  # the article a next-page link names was deleted: read the page by its number
        by_number = fetch_article_lists(
            [replace(query, after_id=None) for query in gone], rows=rows
        )
        for query in gone:
            results[query] = by_number[replace(query, after_id=None)]
    return results


#: The shape of one listing: what its statement is made of, whatever the values (which
#: categories, how many rows...): (category reading, number of categories, with tags,
#: with articles left out, of one language, read from an article on).
ListingShape = tuple[str, int, bool, bool, bool, bool]


def _listing_shape(query: ArticleQuery) -> ListingShape:
    category_ids = query.category_ids
    if category_ids is None:
        reading, count = "all", 0
    elif len(category_ids) == 1:
        reading, count = "one", 1
    elif len(category_ids) <= MERGED_CATEGORIES:
        reading, count = "merged", len(category_ids)
    else:
        reading, count = "in", 0
    return (
        reading,
        count,
        query.tag_ids is not None,
        bool(query.exclude_ids),
        query.language is not None,
        query.after_id is not None,
    )


def _listing_values(number: int, query: ArticleQuery) -> dict[str, Any]:
    """The values of listing ``number``'s parameters (see :func:`_listing_ids`)."""
    reading, _count, with_tags, with_exclusions, with_language, with_after = _listing_shape(query)
    offset = 0 if with_after else query.offset  # from the article on: nothing to skip
    values: dict[str, Any] = {f"limit_{number}": query.limit, f"offset_{number}": offset}
    if with_after:
        values[f"after_{number}"] = query.after_id
    if reading == "merged":
        values[f"depth_{number}"] = offset + query.limit
    if reading == "in":
        values[f"categories_{number}"] = list(query.category_ids or ())
    elif reading != "all":
        for index, category_id in enumerate(query.category_ids or ()):
            values[f"category_{number}_{index}"] = category_id
    if with_tags:
        values[f"tags_{number}"] = list(query.tag_ids or ())
    if with_exclusions:
        values[f"exclude_{number}"] = list(query.exclude_ids)
    if with_language:
        values[f"language_{number}"] = query.language
    return values


@dataclass(frozen=True, slots=True)
class ListedImage:
    """The main image of a :class:`ListedArticle`: the columns of its ``MediaImage`` that
    :func:`image_source` reads (its URL, resized copies and size)."""

    id: int
    stored_name: str
    mime_type: str
    width: int
    height: int
    size: int
    variants: dict[str, str]
    alt: str
    caption: str


@dataclass(frozen=True, slots=True)
class ListedArticle:
    """One article of a listing as a teaser shows it, read as a plain row (``rows`` of
    :func:`fetch_article_lists`): its link (:func:`article_url`), title, lead, date and
    main image (:func:`image_for`). Not an ORM object: nothing else of the article is
    loaded, and nothing about it can be changed through it."""

    id: int
    slug: str | None
    language: str
    title: str
    lead: str
    published_at: datetime | None
    category_id: int | None
    author: str
    source: str
    image: str
    image_alt: str
    image_caption: str
    image_id: int | None
    image_file: ListedImage | None


_ARTICLE_TABLE = Article.__table__
_IMAGE_TABLE = inspect(Article).relationships["image_file"].mapper.local_table
#: The columns of a :class:`ListedArticle` (but its image), then of its :class:`ListedImage`.
_LISTED_COLUMNS = tuple(
    _ARTICLE_TABLE.c[name]
    for name in ListedArticle.__slots__
    if name != "image_file"  # the image's own columns follow
)
_LISTED_IMAGE_COLUMNS = tuple(_IMAGE_TABLE.c[name] for name in ListedImage.__slots__)


def _listed_article(columns) -> ListedArticle:
    width = len(_LISTED_COLUMNS)
    image = columns[width:]
    return ListedArticle(
        *columns[:width], image_file=ListedImage(*image) if image[0] is not None else None
    )


@lru_cache(maxsize=256)
def _lists_statement(shapes: tuple[ListingShape, ...], rows: bool = False):
    """The statement reading listings of these shapes, built once per process and shape
    (a home page asks for the same lists on every request; building and keying a
    statement of ten listings cost more than reading them). With ``rows``, the columns
    of :class:`ListedArticle` and its image instead of ORM articles."""
    parts = []
    for number, shape in enumerate(shapes):
        listing = _listing_ids(number, shape).subquery()
        # Wrapped in a sub-select: SQLite allows no LIMIT on a bare UNION member.
        parts.append(
            select(literal_column(str(number)).label("list_no"), listing.c.id.label("article_id"))
        )
    listed = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("listed")
    if rows:
        return (
            select(listed.c.list_no, *_LISTED_COLUMNS, *_LISTED_IMAGE_COLUMNS)
            .select_from(listed)
            .join(_ARTICLE_TABLE, _ARTICLE_TABLE.c.id == listed.c.article_id)
            .outerjoin(_IMAGE_TABLE, _IMAGE_TABLE.c.id == _ARTICLE_TABLE.c.image_id)
            .order_by(
                listed.c.list_no,
                _ARTICLE_TABLE.c.published_at.desc(),
                _ARTICLE_TABLE.c.id.desc(),
            )
        )
    return (
        select(listed.c.list_no, Article)
        .join(Article, Article.id == listed.c.article_id)
        # The main image comes in the same query, so image_for() costs nothing per article.
        .options(joinedload(Article.image_file))
        .order_by(listed.c.list_no, Article.published_at.desc(), Article.id.desc())
    )


def _listing_ids(number: int, shape: ListingShape):
    """The ids (and publication times) of one listing's page, newest first, read from an index.

    Listing ``number``'s values are bound parameters named after it (``limit_<n>``,
    ``category_<n>_<i>``...; :func:`_listing_values`), so one statement serves every
    listing of its shape.

    Every listing has an index in its order (migrations 0010, 0011): the newest
    of one language ``ix_articles_recent`` (status, language, published_at, id),
    of the whole site ``ix_articles_published`` (status, published_at, id), of a
    category ``ix_articles_category_published`` (category_id, status,
    published_at, id). The rows before the page (``OFFSET``) are skipped inside
    that index, which holds every column the listing reads: no article row is
    touched until the page's own, and none outside the listing is read at all.

    A listing of several categories (a category and its subcategories) is read
    category by category: each category's part is a range of its index, in
    order, cut at ``offset + limit`` rows, and only those parts are merged and
    sorted. A single ``category_id IN (...)`` would read and sort every public
    article of those categories, for page 1 as for page 500. So the work of a
    page grows with its depth (``offset``, bounded by ``MAX_PAGE`` of the
    article list) and the number of categories, never with the size of the
    site: page 500 of a category costs the same with 10,000 articles in it as
    with 100,000.

    Read from an article on (``after_<n>``: the next-page link names the last
    article of the page before) there is no skip at all: each part starts in its
    index right after that article's (published_at, id), a seek, so page 500
    reached through the links costs what page 2 does. An article that no longer
    exists gives no position and so no rows; :func:`fetch_article_lists` then
    reads the page by its number.
    """
    reading, count, with_tags, with_exclusions, with_language, with_after = shape
    conditions = [Article.public_filter(bindparam("now"))]
    if with_tags:
        conditions.append(
            select(article_tags.c.article_id)
            .where(
                article_tags.c.article_id == Article.id,
                article_tags.c.tag_id.in_(bindparam(f"tags_{number}", expanding=True)),
            )
            .exists()
        )
    if with_exclusions:
        conditions.append(Article.id.not_in(bindparam(f"exclude_{number}", expanding=True)))
    if with_language:
        conditions.append(Article.language == bindparam(f"language_{number}"))
    if with_after:
        after = aliased(Article, name=f"after_{number}")
        after_id = bindparam(f"after_{number}")
        after_published = select(after.published_at).where(after.id == after_id).scalar_subquery()
        conditions.append(
            tuple_(Article.published_at, Article.id) < tuple_(after_published, after_id)
        )
    newest_first = (Article.published_at.desc(), Article.id.desc())
    limit, offset = bindparam(f"limit_{number}"), bindparam(f"offset_{number}")
    if reading == "merged":
        parts = [
            select(
                select(Article.id, Article.published_at)
                .where(Article.category_id == bindparam(f"category_{number}_{index}"), *conditions)
                .order_by(*newest_first)
                .limit(bindparam(f"depth_{number}"))
                .subquery()
            )
            for index in range(count)
        ]
        merged = union_all(*parts).subquery("by_category")
        return (
            select(merged.c.id, merged.c.published_at)
            .order_by(merged.c.published_at.desc(), merged.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
    if reading == "one":
        conditions.append(Article.category_id == bindparam(f"category_{number}_0"))
    elif reading == "in":
        conditions.append(
            Article.category_id.in_(bindparam(f"categories_{number}", expanding=True))
        )
    return (
        select(Article.id, Article.published_at)
        .where(*conditions)
        .order_by(*newest_first)
        .limit(limit)
        .offset(offset)
    )


def fetch_related_articles(article: Article, limit: int) -> list[Article]:
    """Public articles related to ``article``, with one query whatever ``limit`` is.

    Those sharing the most tags with it come first (newest first among equals),
    then the newest of its category fill the list up. Never the article itself,
    never one twice. An article with neither tags nor a category has none.
    """
    return related_articles_later(article, limit).value


def related_articles_later(article: Article, limit: int, *, links: bool = False) -> Later:
    """:func:`fetch_related_articles`, read later: with the other listings asked for by then.

    For ``prefetch``: the related articles and the "most read" list of a page
    (:func:`most_read_later`) are read with one statement, when the first of them
    is wanted (``.value``). With ``links`` the list may hold :class:`ArticleLink`
    rows instead of articles (enough for a link: no ORM object to build).
    """
    if limit <= 0:
        return Later.done([])
    by_category = article.category_id is not None
    parameters = {"article_id": article.id, "limit": limit}
    if by_category:
        parameters["category_id"] = article.category_id
    return _listings().add(
        ("related", by_category), parameters, lambda rows: [a for a, _s in rows], links=links
    )


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """What a list of links shows of a public article: enough for :func:`article_url`, its
    title and its date. Read as a plain row, with no ORM object to build: "Tin liên quan"
    and "Đọc nhiều" on every article page (see ``links`` of :func:`related_articles_later`).
    """

    id: int
    slug: str | None
    language: str
    title: str
    published_at: datetime | None


@dataclass(frozen=True)
class MostRead:
    """One article of a "most read" list and its views within the window."""

    article: Article
    views: int


def fetch_most_read(days: int, limit: int, *, today: date | None = None) -> list[MostRead]:
    """The public articles most read over the last ``days`` days, with one query.

    The window is ``days`` calendar days of the site's time zone ending today
    (``days=7``: today and the six days before), counted from the daily rows
    the view counter writes; ties go to the newer article. Views still waiting
    in the counter's buffer are not in them yet.
    """
    return most_read_later(days, limit, today=today).value


def most_read_later(
    days: int, limit: int, *, today: date | None = None, links: bool = False
) -> Later:
    """:func:`fetch_most_read`, read later with the other listings asked for by then
    (see :func:`related_articles_later`; with ``links``, each :class:`MostRead`'s
    ``article`` may be an :class:`ArticleLink`)."""
    if days <= 0 or limit <= 0:
        return Later.done([])
    last_day = today or site_now().date()
    parameters = {
        "first_day": last_day - timedelta(days=days - 1),
        "last_day": last_day,
        "limit": limit,
    }
    return _listings().add(
        ("most_read", False),
        parameters,
        lambda rows: [MostRead(article, int(score)) for article, score in rows],
        links=links,
    )


class Later:
    """A listing asked for now and read later (``.value``), in one statement with every
    other listing of the request still waiting then."""

    def __init__(self, batch: _Listings | None = None, make=None) -> None:
        self._batch = batch
        self._make = make
        self._rows: list = []
        self._value: Any = None
        self._error: BaseException | None = None
        self._read = batch is None

    @classmethod
    def done(cls, value: Any) -> Later:
        """A listing known without reading anything (nothing to list)."""
        later = cls()
        later._value = value
        return later

    @property
    def value(self) -> Any:
        """The listing (read now, with the others waiting, if it was not yet)."""
        if not self._read:
            self._batch.read()
        if self._error is not None:
            raise self._error
        if self._make is not None:
            self._value, self._make = self._make(self._rows), None
        return self._value


#: The kinds of listing :class:`_Listings` reads, each a function of its number in the
#: statement: (columns list_no, article_id, score, published_at), and its own ORDER BY
#: and LIMIT. Ordered in the end by score, then newest first.
#: Of each tag an article carries, how many of the articles tagged last are candidates to
#: be related to it (see _related_part).
RELATED_PER_TAG = 50


def _related_part(number: int, by_category: bool):
    """Public articles sharing tags with article ``article_id_<n>`` (score: how many), then,
    with ``by_category``, the newest of category ``category_id_<n>`` (score 0); at most
    ``limit_<n>``, never the article itself.

    Each kind of candidate is read from its index: of each of the article's tags,
    the :data:`RELATED_PER_TAG` articles tagged last, through ``ix_article_tags_tag``
    (never the whole ``article_tags``), and only the ``limit`` newest of the category
    through ``ix_articles_category_published`` (an article of the category sharing no
    tag is shown only if it is among those). So the page costs the same on a site ten
    times bigger, however many articles carry its tags.
    """
    article_id = bindparam(f"article_id_{number}")
    limit = bindparam(f"limit_{number}")
    its = article_tags.alias(f"its_tags_{number}")
    other = article_tags.alias(f"other_tags_{number}")
    # Of each of its tags, only the RELATED_PER_TAG articles tagged last (the highest ids):
    # the id of the last of those, sought in ix_article_tags_tag, bounds the range read.
    # (A tag that thousands of articles carry would otherwise make every article page
    # that shows it count them all: 2.5 ms at 100,000 articles with 300 per tag.)
    newest_of_tag = article_tags.alias(f"tag_newest_{number}")
    cutoff = (
        select(newest_of_tag.c.article_id)
        .where(newest_of_tag.c.tag_id == its.c.tag_id)
        .order_by(newest_of_tag.c.article_id.desc())
        .limit(1)
        .offset(RELATED_PER_TAG - 1)
        .scalar_subquery()
    )
    best = (
        select(other.c.article_id.label("article_id"), func.count().label("score"))
        .select_from(its.join(other, other.c.tag_id == its.c.tag_id))
        .where(
            its.c.article_id == article_id,
            other.c.article_id != article_id,
            other.c.article_id >= func.coalesce(cutoff, 0),
        )
        .group_by(other.c.article_id)
        .subquery(f"shared_tags_{number}")
    )
    if by_category:
        newest = (
            select(Article.id.label("article_id"), literal_column("0").label("score"))
            .where(
                Article.category_id == bindparam(f"category_id_{number}"),
                Article.public_filter(bindparam("now")),
                Article.id != article_id,
            )
            .order_by(Article.published_at.desc(), Article.id.desc())
            .limit(limit)
            .subquery(f"newest_{number}")
        )
        candidates = union_all(
            select(best.c.article_id, best.c.score), select(newest.c.article_id, newest.c.score)
        ).subquery(f"candidates_{number}")
        best = (
            select(candidates.c.article_id, func.max(candidates.c.score).label("score"))
            .group_by(candidates.c.article_id)
            .subquery(f"related_{number}")
        )
    return (
        _scored_rows(number, best.c.score)
        .select_from(best)
        .join(Article, Article.id == best.c.article_id)
        .where(Article.public_filter(bindparam("now")))
        .order_by(best.c.score.desc(), Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )


def _scored_rows(number: int, score):
    """The columns every part of a batch gives: (list_no, article_id, score, published_at)."""
    return select(
        literal_column(str(number)).label("list_no"),
        Article.id.label("article_id"),
        score.label("score"),
        Article.published_at.label("published_at"),
    )


def _most_read_part(number: int, _unused: bool):
    """Public articles by their views (score) from day ``first_day_<n>`` to
    ``last_day_<n>``; at most ``limit_<n>``."""
    views = func.sum(ArticleDailyViews.views).label("views")
    ranked = (
        select(ArticleDailyViews.article_id, views)
        .where(
            ArticleDailyViews.day >= bindparam(f"first_day_{number}"),
            ArticleDailyViews.day <= bindparam(f"last_day_{number}"),
        )
        .group_by(ArticleDailyViews.article_id)
        .subquery(f"ranked_{number}")
    )
    return (
        _scored_rows(number, ranked.c.views)
        .join(ranked, ranked.c.article_id == Article.id)
        .where(Article.public_filter(bindparam("now")), ranked.c.views > 0)
        .order_by(ranked.c.views.desc(), Article.published_at.desc(), Article.id.desc())
        .limit(bindparam(f"limit_{number}"))
    )


_PARTS = {"related": _related_part, "most_read": _most_read_part}
#: The statement of each shape of batch (which listings, in which order, as articles or
#: as links): built once.
_BATCH_STATEMENTS: dict[tuple, Any] = {}
#: The columns of an :class:`ArticleLink`, in its order.
_LINK_COLUMNS = (Article.id, Article.slug, Article.language, Article.title, Article.published_at)


def _batch_statement(shape: tuple[tuple[str, bool], ...], links: bool = False):
    statement = _BATCH_STATEMENTS.get((shape, links))
    if statement is None:
        # Each part wrapped in a sub-select: SQLite allows no LIMIT on a bare UNION member.
        parts = [
            select(_PARTS[kind](number, flag).subquery(f"part_{number}"))
            for number, (kind, flag) in enumerate(shape)
        ]
        listed = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("listed")
        if links:  # plain columns: rows, no ORM object
            statement = select(listed.c.list_no, listed.c.score, *_LINK_COLUMNS)
        else:
            statement = (
                select(listed.c.list_no, Article, listed.c.score)
                # The main image in the same statement: image_for() costs nothing per article.
                .options(joinedload(Article.image_file))
            )
        statement = _BATCH_STATEMENTS[(shape, links)] = statement.join(
            Article, Article.id == listed.c.article_id
        ).order_by(
            listed.c.list_no,
            listed.c.score.desc(),
            listed.c.published_at.desc(),
            listed.c.article_id.desc(),
        )
    return statement


class _Listings:
    """The listings waiting to be read in this request (or this call, outside one)."""

    def __init__(self) -> None:
        self.waiting: list[tuple[tuple[str, bool], dict[str, Any], Later]] = []
        #: Whether every listing waiting may be read as :class:`ArticleLink` rows.
        self.links = True

    def add(
        self, kind: tuple[str, bool], parameters: dict[str, Any], make, *, links: bool = False
    ) -> Later:
        later = Later(self, make)
        self.waiting.append((kind, parameters, later))
        self.links = self.links and links
        return later

    def read(self) -> None:
        """Read every waiting listing with one statement: as links when every one of them
        may be (else as articles, for all)."""
        waiting, self.waiting = self.waiting, []
        links, self.links = self.links, True
        shape = tuple(kind for kind, _parameters, _later in waiting)
        values: dict[str, Any] = {"now": utcnow()}
        for number, (_kind, parameters, _later) in enumerate(waiting):
            values.update({f"{name}_{number}": value for name, value in parameters.items()})
        try:
            rows = db.session.execute(_batch_statement(shape, links), values).all()
        except Exception as exc:
            for _kind, _parameters, later in waiting:
                later._error, later._read = exc, True
            raise
        if links:
            for list_no, score, *link in rows:
                waiting[list_no][2]._rows.append((ArticleLink(*link), score))
        else:
            for list_no, article, score in rows:
                waiting[list_no][2]._rows.append((article, score))
        for _kind, _parameters, later in waiting:
            later._read = True


def _listings() -> _Listings:
    if not has_request_context():
        return _Listings()
    if "portal_listings" not in g:
        g.portal_listings = _Listings()
    return g.portal_listings
