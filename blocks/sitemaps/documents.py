"""The XML sitemaps, written as they are read from the database.

Every sitemap is a generator of text pieces: rows come in keyset-paged batches
(``WHERE id > last ORDER BY id LIMIT n``) as plain tuples, never as ORM objects,
so memory stays flat however many articles the site has. Articles are split
into sitemaps by id ranges (sitemap ``n`` holds ids ``(n-1)*size+1 .. n*size``),
so the index lists every sitemap and its ``lastmod`` with one ``GROUP BY``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, func, select, type_coerce

import portal
from portal import Article, Category, Page, absolute_url, article_url, category_url, db

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: The sitemaps.org limits of one sitemap file.
MAX_URLS = 50_000
#: Articles per sitemap unless configured: a page's cost is its own rows' (about 25 µs each),
#: so a small page costs the same on any site (the first of a 100k site held 50,000
#: and took over a second; 1,000 take a few tens of ms), a crawler that saw an old
#: article change re-reads 1,000 addresses, not 50,000, and the page cache keeps about
#: 140 KB per page. The index lists 100 pages at 100,000 articles (50,000 at most).
PER_SITEMAP = 1_000
#: Rows read from the database at a time while streaming.
BATCH = 1000
#: The news sitemap: articles of the last two days, 1,000 at most (Google's limits).
NEWS_DAYS = 2
NEWS_MAX = 1000

#: Characters XML 1.0 does not allow at all (escaping cannot save them).
NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: str) -> str:
    """``value`` escaped for an XML element, characters XML forbids dropped."""
    return escape(NOT_XML_RE.sub("", value))


def w3c(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A W3C datetime with the site's offset (``2026-11-30T19:05:00+07:00``)."""
    if moment is None:
        return ""
    zone = zone or ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _lastmod_column():
    """When an article last changed for readers: edited, or published (if that came later)."""
    return type_coerce(
        case(
            (Article.published_at > Article.updated_at, Article.published_at),
            else_=Article.updated_at,
        ),
        Article.updated_at.type,
    )


def _newest(column):
    return type_coerce(func.max(column), Article.updated_at.type)


def _url(loc: str, lastmod: datetime | None = None, extra: str = "") -> str:
    stamp = f"<lastmod>{w3c(lastmod)}</lastmod>" if lastmod is not None else ""
    return f"<url><loc>{text(loc)}</loc>{stamp}{extra}</url>\n"


def later(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None


def article_sitemaps(size: int) -> list[tuple[int, datetime | None]]:
    """``(number, lastmod)`` of every non-empty articles sitemap, from the summaries kept as
    articles change (:mod:`.summaries`): one row per sitemap, no article read."""
    from .summaries import current  # (the summaries are worked out with this module's SQL)

    return [(summary.number, summary.lastmod) for summary in current(size) if summary.public_count]


def newest_article() -> datetime | None:
    """When a public article last changed (the home page and category lists show them).

    The later of the newest publication and the newest edit of a public article: two
    seeks, in ``ix_articles_published`` and ``ix_articles_status_updated`` (from the
    newest edit down to the first article already public), instead of the maximum
    over every public article (one index entry each: 60 ms at 100,000 articles).
    """

    newest_publication = (
        select(Article.published_at)
        .where(Article.public_filter())
        .order_by(Article.published_at.desc())
        .limit(1)
    )
    # The publication time is compared through coalesce(), which no index can answer:
    # otherwise SQLite reads every public article's entry of ix_articles_lastmod and
    # sorts them rather than walk ix_articles_status_updated from the newest edit.
    published_at = func.coalesce(Article.published_at, Article.published_at)
    newest_edit = (
        select(Article.updated_at)
        .where(Article.status == "published", published_at <= portal.site_now())
        .order_by(Article.updated_at.desc())
        .limit(1)
    )
    published, edited = db.session.execute(
        select(
            type_coerce(newest_publication.scalar_subquery(), Article.updated_at.type),
            type_coerce(newest_edit.scalar_subquery(), Article.updated_at.type),
        )
    ).one()
    return later(published, edited)


def pages_lastmod() -> datetime | None:
    """The newest change of a page that has an address (its own sitemap adds the articles')."""
    return db.session.scalar(
        select(type_coerce(func.max(Page.updated_at), Page.updated_at.type)).where(
            Page.path.is_not(None), Page.published.is_(True)
        )
    )


def news_lastmod() -> datetime | None:
    """The newest publication in the news sitemap, None when it is empty."""
    return db.session.scalar(
        select(_newest(Article.published_at)).where(
            Article.public_filter(), Article.published_at >= _news_since()
        )
    )


def index_entries(size: int) -> list[SitemapEntry]:
    """The sitemaps the index lists, in order: pages, news (when not empty), articles."""
    articles = article_sitemaps(size)
    newest = later(*(lastmod for _, lastmod in articles))
    entries = [SitemapEntry(absolute_url("sitemaps.pages"), later(pages_lastmod(), newest))]
    newest_news = news_lastmod()
    if newest_news is not None:
        entries.append(SitemapEntry(absolute_url("sitemaps.news"), newest_news))
    entries.extend(
        SitemapEntry(absolute_url("sitemaps.articles", number=number), lastmod)
        for number, lastmod in articles
    )
    return entries


def index_document(entries: list[SitemapEntry]) -> Iterator[str]:
    yield XML_DECLARATION
    yield f'<sitemapindex xmlns="{SITEMAP_NS}">\n'
    for entry in entries:
        stamp = f"<lastmod>{w3c(entry.lastmod)}</lastmod>" if entry.lastmod else ""
        yield f"<sitemap><loc>{text(entry.loc)}</loc>{stamp}</sitemap>\n"
    yield "</sitemapindex>\n"


# ---------------------------------------------------------------------------
# Pages: home, categories, pages with an address, tags
# ---------------------------------------------------------------------------

#: Page kinds served at their own path (the reader's static-page route).
PATH_KINDS = ("home", "static", "search")


def _newest_publication_by_category() -> dict[int, datetime | None]:
    """Each category's newest public article's publication: what its listing last gained.

    One seek per category in ``ix_articles_category_published`` (category, status,
    published_at, id): the cost does not grow with the articles. (The newest *change*
    of any article of a category would need every public article's row, 0.6 s on a
    site of 100,000; an edited article's own sitemap entry carries its change.)
    """
    newest = (
        select(Article.published_at)
        .where(Article.category_id == Category.id, Article.public_filter())
        .order_by(Article.published_at.desc())
        .limit(1)
        .correlate(Category)
        .scalar_subquery()
    )
    rows = db.session.execute(select(Category.id, type_coerce(newest, Article.published_at.type)))
    return {category_id: published for category_id, published in rows if published is not None}


def pages_document() -> Iterator[str]:
    """Home, categories (their newest publication), pages with a path, tag pages."""
    newest_by_category = _newest_publication_by_category()
    newest = later(*newest_by_category.values())
    pages = db.session.execute(
        select(Page.path, Page.kind, Page.updated_at)
        .where(Page.path.is_not(None), Page.kind.in_(PATH_KINDS), Page.published.is_(True))
        .where(Page.noindex.is_(False))  # an editor asked search engines to leave it out
        .order_by(Page.path)
    ).all()
    home = absolute_url(portal.home_url())
    home_page = next((p for p in pages if p.path == "/"), None)
    seen = {home}
    yield XML_DECLARATION
    yield f'<urlset xmlns="{SITEMAP_NS}">\n'
    if home_page is not None or not _home_left_out():
        yield _url(home, later(home_page.updated_at if home_page else None, newest))
    for category in _categories_in_tree_order():
        loc = absolute_url(category_url(category))
        if loc not in seen:
            seen.add(loc)
            yield _url(loc, newest_by_category.get(category.id))
    for page in pages:
        if not page.path.startswith("/") or page.path.startswith("//"):
            continue  # not an address of this site; the reader would not serve it either
        loc = absolute_url(quote(page.path, safe="/-._~!$&'()*+,;=:@%"))
        if loc not in seen:
            seen.add(loc)
            yield _url(loc, page.updated_at)
    yield from _tag_urls(seen)
    yield "</urlset>\n"


def _home_left_out() -> bool:
    """Whether the home page asks search engines not to index it (noindex)."""
    return bool(
        db.session.scalar(select(Page.id).where(Page.path == "/", Page.noindex.is_(True)).limit(1))
    )


def _categories_in_tree_order() -> list:
    """Categories as the menu shows them: each followed by its children (position, name)."""
    rows = db.session.execute(
        select(Category.id, Category.parent_id, Category.slug, Category.language).order_by(
            Category.position, Category.name
        )
    ).all()
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    known = {row.id for row in rows}
    ordered, seen = [], set()
    # A parent that no longer exists should not hide its children: they follow the roots.
    orphans = [row for row in rows if row.parent_id is not None and row.parent_id not in known]
    stack = list(reversed(children.get(None, []) + orphans))
    while stack:
        row = stack.pop()
        if row.id in seen:
            continue
        seen.add(row.id)
        ordered.append(row)
        stack.extend(reversed(children.get(row.id, [])))
    return ordered


def _tag_urls(seen: set[str]) -> Iterator[str]:
    """Pages of tags that public articles carry, when the portal has tag pages.

    Needs ``portal.tag_url`` and ``portal.Tag`` and a page of kind ``tag`` (the
    one page that shows every tag); tags are read in keyset-paged batches.
    """
    tag_url = getattr(portal, "tag_url", None)
    tag_model = getattr(portal, "Tag", None)
    if tag_url is None or tag_model is None:
        return
    if db.session.scalar(select(Page.id).where(Page.kind == "tag").limit(1)) is None:
        return
    # Each tag is looked up in its own links (ix_article_tags_tag) up to its first public
    # article: the cost follows the tags, not the articles (a join grouped by tag read
    # every public article's row).
    links = Article.tags.property.secondary
    public = select(Article.id).where(Article.id == links.c.article_id, Article.public_filter())
    carried = select(links.c.article_id).where(links.c.tag_id == tag_model.id, public.exists())
    carried = carried.exists()
    last_id = 0
    while True:
        rows = db.session.execute(
            select(tag_model.id, tag_model.slug)
            .where(carried, tag_model.id > last_id)
            .order_by(tag_model.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            loc = absolute_url(tag_url(row))
            if loc not in seen:
                seen.add(loc)
                yield _url(loc)
        last_id = rows[-1].id


# ---------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------


def _id_range(number: int, size: int) -> tuple[int, int]:
    return (number - 1) * size + 1, number * size


def articles_summary(number: int, size: int) -> tuple[int, datetime | None]:
    """How many public articles sitemap ``number`` holds, and the newest lastmod among them."""
    first, last = _id_range(number, size)
    public = Article.public_filter() & Article.noindex.is_(False)
    # Only the id range in WHERE, the rest in the aggregates: a range scan of the primary
    # key, whatever index the planner would otherwise pick for the status (SQLite does).
    count, newest = db.session.execute(
        select(
            func.sum(case((public, 1), else_=0)),
            _newest(case((public, _lastmod_column()))),
        ).where(Article.id.between(first, last))
    ).one()
    return int(count or 0), newest


#: A slug as the portal makes them: nothing in it needs quoting in a URL or escaping in XML.
PLAIN_SLUG_RE = re.compile(r"[a-z0-9-]+")
#: An article id no real site reaches, to find where the id goes in an article's URL.
_MARKER_ID = 987654321987
_MARKER_SLUG = "slug-marker-of-the-sitemap"
#: The reader's article route of each content language (English ones live under /en/article/).
ENDPOINTS = {"vi": "reader.article", "en": "reader.english_article"}


class ArticleLocs:
    """Absolute article URLs without building a route per row (50,000 ``url_for`` are slow).

    The reader's route is asked once for a marker id and slug; each article's
    URL is then the pieces around them with its own id and slug, exactly what
    ``absolute_url(article_url(article))`` gives (tests compare the two).
    """

    def __init__(self) -> None:
        self.pieces = {language: self._pieces(endpoint) for language, endpoint in ENDPOINTS.items()}
        self.escaped = {
            language: (text(before), text(between), text(after), bare)
            for language, (before, between, after, bare) in self.pieces.items()
        }

    @staticmethod
    def _pieces(endpoint: str) -> tuple[str, str, str, tuple[str, str]]:
        with_slug = absolute_url(endpoint, article_id=_MARKER_ID, slug=_MARKER_SLUG)
        before, after = with_slug.split(str(_MARKER_ID), 1)
        between, after = after.split(_MARKER_SLUG, 1)
        bare = tuple(absolute_url(endpoint, article_id=_MARKER_ID).split(str(_MARKER_ID), 1))
        return before, between, after, bare

    def __call__(self, article_id: int, slug: str | None, language: str = "vi") -> str:
        before, between, after, bare = self.pieces.get(language) or self.pieces["vi"]
        if not slug:
            return f"{bare[0]}{article_id}{bare[1]}"
        if not PLAIN_SLUG_RE.fullmatch(slug):
            slug = quote(slug, safe="!$&'()*+,/:;=@")  # as werkzeug's default converter
        return f"{before}{article_id}{between}{slug}{after}"

    def xml(self, article_id: int, slug: str | None, language: str = "vi") -> str:
        """``text(self(article_id, slug, language))``, without escaping a plain slug's URL.

        Escaping works character by character, so the escaped pieces around a slug
        that needs none (the portal's own) are the escaped whole.
        """
        if slug and PLAIN_SLUG_RE.fullmatch(slug):
            before, between, after, _bare = self.escaped.get(language) or self.escaped["vi"]
            return f"{before}{article_id}{between}{slug}{after}"
        return text(self(article_id, slug, language))


def articles_document(number: int, size: int) -> Iterator[str]:
    """The public articles of ids ``(number-1)*size+1 .. number*size``, read in batches."""
    first, last = _id_range(number, size)
    lastmod = _lastmod_column().label("lastmod")
    loc_of = ArticleLocs()
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    yield XML_DECLARATION
    yield f'<urlset xmlns="{SITEMAP_NS}">\n'
    public = case((Article.public_filter() & Article.noindex.is_(False), 1), else_=0).label(
        "public"
    )
    after = first - 1
    while True:
        # Keyset paging on the primary key alone (see articles_summary): hidden articles
        # are read and skipped here, so each batch is a short range scan, never a sort.
        rows = db.session.execute(
            select(Article.id, Article.slug, Article.language, lastmod, public)
            .where(Article.id > after, Article.id <= last)
            .order_by(Article.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        yield "".join(
            f"<url><loc>{loc_of.xml(row.id, row.slug, row.language)}</loc>"
            f"<lastmod>{w3c(row.lastmod, zone)}</lastmod></url>\n"
            for row in rows
            if row.public
        )
        after = rows[-1].id
        if len(rows) < BATCH or after >= last:
            break  # the range is read: no query to learn that nothing follows
    yield "</urlset>\n"


# ---------------------------------------------------------------------------
# News
# ---------------------------------------------------------------------------


def _news_since() -> datetime:
    return portal.site_now() - timedelta(days=NEWS_DAYS)


def news_document(site_name: str) -> Iterator[str]:
    """Google News sitemap: public articles of the last two days, newest first, 1,000 at most."""
    rows = db.session.execute(
        select(Article.id, Article.slug, Article.language, Article.title, Article.published_at)
        .where(Article.public_filter(), Article.published_at >= _news_since())
        .where(Article.noindex.is_(False))
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(NEWS_MAX)
    ).all()
    yield XML_DECLARATION
    yield f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n'
    for row in rows:
        publication = (
            f"<news:publication><news:name>{text(site_name)}</news:name>"
            f"<news:language>{row.language}</news:language></news:publication>"
        )
        news = (
            f"<news:news>{publication}"
            f"<news:publication_date>{w3c(row.published_at)}</news:publication_date>"
            f"<news:title>{text(row.title)}</news:title></news:news>"
        )
        yield _url(absolute_url(article_url(row)), extra=news)
    yield "</urlset>\n"
