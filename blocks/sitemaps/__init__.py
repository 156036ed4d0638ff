"""Sitemaps, robots.txt and the HTML sitemap page ("Sơ đồ trang web").

* ``/sitemap.xml``: a sitemaps.org index of ``/sitemap-pages.xml`` (home,
  categories, pages with an address, tag pages), ``/sitemap-news.xml`` (when
  something was published in the last two days) and ``/sitemap-articles-<n>.xml``
  (public articles by id ranges, ``articles_per_sitemap`` each: 1,000 unless
  configured, 50,000 at most).
* ``/sitemap-news.xml``: the Google News sitemap of the last two days.
* ``/robots.txt``: the text admins edit (setting ``robots_txt``), then the
  ``Sitemap:`` line.
* The block ``site_map``: the category tree and the static pages as nested lists.

Every URL is absolute on ``PORTAL_BASE_URL`` (``portal.absolute_url``), never
on the request's Host. The XML is streamed from the database
(:mod:`.documents`), never built from all articles at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, request, stream_with_context
from wtforms import Form, StringField
from wtforms.validators import Length

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    Category,
    ContentEvent,
    PluginSetting,
    absolute_url,
    category_tree,
    category_url,
    home_url,
    hookimpl,
    keep_whole,
    page_tree,
    plugin_setting,
    strip_text,
)

from . import documents, summaries
from .compliance import sitemap_check
from .robots import DEFAULT_ROBOTS, MAX_BYTES, check_robots, robots_body

PLUGIN = "sitemaps"
#: The folder of this plugin's migrations (the kept summaries); ``portal init-db`` applies them.
PORTAL_MIGRATIONS = "migrations"


def _check_seconds(value: int) -> None:
    if value < 0:
        raise ValueError("Cần một số giây từ 0 trở lên.")


def _check_size(value: int) -> None:
    if not 1 <= value <= documents.MAX_URLS:
        raise ValueError(f"Cần một số từ 1 đến {documents.MAX_URLS:,}.".replace(",", "."))


PLUGIN_SETTINGS = [
    PluginSetting(
        "robots_txt",
        "str",
        default=DEFAULT_ROBOTS,
        editable=True,
        multiline=True,
        check=check_robots,
        label="Nội dung robots.txt",
        help=(
            f"Chú thích (#) và chỉ thị User-agent, Allow, Disallow, Crawl-delay, Sitemap; "
            f"tối đa {MAX_BYTES // 1024} KB. Dòng “Sitemap:” của trang luôn được thêm ở cuối."
        ),
    ),
    PluginSetting(
        "articles_per_sitemap",
        "int",
        default=documents.PER_SITEMAP,
        check=_check_size,
        help=(
            "Articles per /sitemap-articles-<n>.xml (ids (n-1)*size+1 .. n*size); "
            "1,000 by default, 50,000 at most"
        ),
    ),
    PluginSetting(
        "cache_seconds",
        "int",
        default=300,
        check=_check_seconds,
        help="max-age of the Cache-Control header of the sitemaps and robots.txt",
    ),
]

bp = Blueprint("sitemaps", __name__)

XML_TYPE = "application/xml; charset=utf-8"
#: What the sitemaps list: articles (and their tags), categories, pages.
SITEMAP_TAGS = ("articles", "categories", "pages")


def _cached(response: Response, lastmod: datetime | None) -> Response:
    """Public for a few minutes, Last-Modified from the content, 304 when unchanged."""
    seconds = int(plugin_setting(PLUGIN, "cache_seconds"))
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    if lastmod is not None:
        response.last_modified = lastmod
    return response.make_conditional(request)


def _xml(pieces: Iterator[str], lastmod: datetime | None) -> Response:
    response = Response(stream_with_context(pieces), content_type=XML_TYPE)
    # No Content-Length: counting it would read the whole stream into memory first.
    response.automatically_set_content_length = False
    # A reader without a session gets the next copy whole from the page cache, before the
    # route runs (the stream is read once, when it is kept); any article, category or page
    # event drops it, and it lives no longer than its max-age (scheduled articles).
    keep_whole(SITEMAP_TAGS, timeout=int(plugin_setting(PLUGIN, "cache_seconds")))
    return _cached(response, lastmod)


def _size() -> int:
    return int(plugin_setting(PLUGIN, "articles_per_sitemap"))


@bp.get("/sitemap.xml")
def index():
    entries = documents.index_entries(_size())
    newest = documents.later(*(entry.lastmod for entry in entries))
    return _xml(documents.index_document(entries), newest)


@bp.get("/sitemap-pages.xml")
def pages():
    newest = documents.later(documents.pages_lastmod(), documents.newest_article())
    return _xml(documents.pages_document(), newest)


@bp.get("/sitemap-articles-<int:number>.xml")
def articles(number: int):
    size = _size()
    if number < 1:
        abort(404)
    count, newest = documents.articles_summary(number, size)
    if count == 0:
        abort(404)  # past the last sitemap (or a range with no public article)
    return _xml(documents.articles_document(number, size), newest)


@bp.get("/sitemap-news.xml")
def news():
    newest = documents.news_lastmod()
    site_name = current_app.config["PORTAL_SITE_NAME"]
    return _xml(documents.news_document(site_name), newest)


@bp.get("/robots.txt")
def robots():
    body = robots_body(plugin_setting(PLUGIN, "robots_txt") or "", absolute_url("sitemaps.index"))
    response = Response(body, content_type="text/plain; charset=utf-8")
    return _cached(response, None)


# ---------------------------------------------------------------------------
# The HTML sitemap block
# ---------------------------------------------------------------------------


@dataclass
class MapItem:
    """One link of the HTML sitemap and the links under it."""

    label: str
    url: str
    children: list[MapItem] = field(default_factory=list)


class SiteMapSettings(Form):
    title = StringField(
        "Tiêu đề",
        description="Để trống để không hiện tiêu đề (trang đã có tiêu đề riêng).",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default="",
    )


def _category_items(category: Category, tree, seen: set[int]) -> MapItem:
    seen.add(category.id)
    children = [
        _category_items(child, tree, seen)
        for child in tree.children.get(category.id, [])
        if child.id not in seen
    ]
    return MapItem(category.name, category_url(category), children)


def _page_items(parent_id: int | None, tree, seen: set[int]) -> list[MapItem]:
    """Static pages under ``parent_id``; pages of other kinds are walked through, not shown."""
    items: list[MapItem] = []
    for page in sorted(tree.by_id.values(), key=lambda p: (p.title or "", p.id)):
        if page.parent_id != parent_id or page.id in seen:
            continue
        seen.add(page.id)
        below = _page_items(page.id, tree, seen)
        if page.kind == "static" and page.published and page.path and page.path.startswith("/"):
            items.append(MapItem(page.title, page.path, below))
        else:
            items.extend(below)
    return items


class SiteMap(Block):
    name = "site_map"
    label = "Sơ đồ trang web"
    description = (
        "Danh sách lồng nhau của các chuyên mục và các trang thông tin tĩnh "
        "(sơ đồ trang theo Thông tư 32/2017/TT-BTTTT)."
    )
    group = "Điều hướng"
    settings_form = SiteMapSettings
    template = "site_map/site_map.html"
    css = ("site_map.css",)
    # Category changes purge it; new or renamed static pages show within five minutes.
    cache = CachePolicy(timeout=300, vary_on={"locale"}, tags={"categories"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        categories = category_tree()
        seen: set[int] = set()
        category_items = [_category_items(root, categories, seen) for root in categories.roots]
        pages = page_tree()
        static_items = _page_items(None, pages, set())
        return {
            "home_link": home_url(),
            # ids of the headings, unique when two sitemaps share a page (or a preview).
            "anchor": ctx.placement_id or "xem-truoc",
            "category_items": category_items,
            "page_items": static_items,
        }


@hookimpl
def portal_register_blocks():
    return [SiteMap]


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(bp)


@hookimpl
def portal_content_changed(event: ContentEvent):
    """An article changed: the summary of its sitemap is worked out again, so the index
    reads no article (:mod:`.summaries`)."""
    article_ids = [
        int(tag.partition(":")[2])
        for tag in event.tags
        if tag.startswith("article:") and tag.partition(":")[2].isdigit()
    ]
    if article_ids or event.subject == "article":
        summaries.article_changed(article_ids, _size())


@hookimpl
def portal_compliance_checks():
    return [sitemap_check()]
