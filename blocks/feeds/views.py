"""The feed routes: one query for the items, cached whole, answered with 304 when unchanged."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, request

from portal import (
    ArticleQuery,
    absolute_url,
    article_url,
    cached_text,
    category_tree,
    category_url,
    fetch_article_lists,
    find_tag,
    home_path,
    image_for,
    keep_whole,
    plugin_setting,
    sanitize_html,
    site_name,
    site_time,
    tag_url,
    translate,
)

from . import xml
from .xml import ATOM_TYPE, RSS_TYPE, Channel, Enclosure, Item

PLUGIN = "feeds"
DEFAULT_COUNT = 20
MAX_COUNT = 100
#: Seconds a feed is kept by browsers, proxies and the portal cache. Content events
#: purge the portal's copy at once; a scheduled article appears within this time.
MAX_AGE = 300

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
#: Relative links in article bodies (``/media/...``) become absolute in feeds.
_RELATIVE = re.compile(r'(\s(?:src|href)=")/(?!/)')

bp = Blueprint("feeds", __name__)

MIME = {"rss": RSS_TYPE, "atom": ATOM_TYPE}


def settings() -> tuple[int, str]:
    """The number of items (1…MAX_COUNT) and the content mode (summary | full)."""
    value = plugin_setting(PLUGIN, "count")
    try:
        count = DEFAULT_COUNT if value is None else int(value)
    except (TypeError, ValueError):
        count = DEFAULT_COUNT
    mode = plugin_setting(PLUGIN, "content")
    return min(max(count, 1), MAX_COUNT), ("full" if mode == "full" else "summary")


#: The site feeds' URL prefix per language other than Vietnamese (``/en/rss.xml``).
SITE_FEED_LANGUAGES = ("en",)


def feed_url(fmt: str, *, category=None, tag=None, language: str = "vi") -> str:
    """The absolute URL of a feed (on ``PORTAL_BASE_URL``, never the request's host).

    ``language`` chooses the site feed: the Vietnamese articles (``/rss.xml``) or
    the English ones (``/en/rss.xml``).
    """
    if category is not None:
        return absolute_url(f"feeds.category_{fmt}", slug=category.slug)
    if tag is not None:
        return absolute_url(f"feeds.tag_{fmt}", slug=tag.slug)
    if language in SITE_FEED_LANGUAGES:
        return absolute_url(f"feeds.{language}_site_{fmt}")
    return absolute_url(f"feeds.site_{fmt}")


def feed_list(categories) -> list[dict]:
    """The feeds the "Nguồn tin RSS" block lists: the site's, then each category's."""
    feeds = [{"title": translate("Tin mới nhất"), "rss": feed_url("rss"), "atom": feed_url("atom")}]
    for category in categories:
        feeds.append(
            {
                "title": category.name,
                "rss": feed_url("rss", category=category),
                "atom": feed_url("atom", category=category),
            }
        )
    return feeds


# -- routes -----------------------------------------------------------------------------------


@bp.get("/rss.xml")
def site_rss():
    return _serve("rss", "site", "")


@bp.get("/atom.xml")
def site_atom():
    return _serve("atom", "site", "")


@bp.get("/en/rss.xml")
def en_site_rss():
    return _serve("rss", "site", "", language="en")


@bp.get("/en/atom.xml")
def en_site_atom():
    return _serve("atom", "site", "", language="en")


@bp.get("/chuyen-muc/<slug>/rss.xml")
def category_rss(slug: str):
    return _serve("rss", "category", slug)


@bp.get("/chuyen-muc/<slug>/atom.xml")
def category_atom(slug: str):
    return _serve("atom", "category", slug)


@bp.get("/the/<slug>/rss.xml")
def tag_rss(slug: str):
    return _serve("rss", "tag", slug)


@bp.get("/the/<slug>/atom.xml")
def tag_atom(slug: str):
    return _serve("atom", "tag", slug)


def _serve(fmt: str, kind: str, slug: str, *, language: str = "vi") -> Response:
    if kind != "site" and not _SLUG.match(slug):
        abort(404)
    count, mode = settings()
    key = f"{PLUGIN}:{fmt}:{kind}:{slug or '-'}:{language}:{count}:{mode}"
    # _build aborts with 404 for an unknown slug, before anything is stored.
    raw = cached_text(
        key,
        lambda: _build(fmt, kind, slug, count, mode, language),
        timeout=MAX_AGE,
        tags=_tags(kind),
    )
    entry = json.loads(raw)
    # The next reader without a session gets this answer before the route even runs.
    keep_whole(_tags(kind), timeout=MAX_AGE)
    response = Response(entry["body"], content_type=f"{MIME[fmt]}; charset=utf-8")
    response.set_etag(entry["etag"])
    if entry["modified"]:
        response.last_modified = datetime.fromisoformat(entry["modified"])
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response.make_conditional(request)


def _tags(kind: str) -> set[str]:
    # Tags are given and taken with an edit of the article: its event carries "articles".
    return {"articles", "categories"}


def _build(fmt: str, kind: str, slug: str, count: int, mode: str, language: str) -> str:
    """The feed as a cache entry (JSON: body, ETag, Last-Modified); 404 for an unknown slug.

    The site feed holds the articles of one language (``language``); a
    category's feed is in its category's language, a tag's in Vietnamese.
    """
    categories = category_tree()
    name = site_name()
    if kind == "category":
        category = categories.by_slug(slug)
        if category is None:
            abort(404)
        query = ArticleQuery(limit=count, category_ids=tuple(categories.descendant_ids(category)))
        page_url = absolute_url(category_url(category))
        title = f"{category.name} – {name}"
        description = category.description or f"Tin mới nhất chuyên mục {category.name}"
        feed_id = f"category/{category.id}"
        self_url = feed_url(fmt, category=category)
        language = category.language
    elif kind == "tag":
        tag = find_tag(slug)
        if tag is None:
            abort(404)
        query = ArticleQuery(limit=count, tag_ids=(tag.id,))
        page_url = absolute_url(tag_url(tag))
        title = f"{tag.name} – {name}"
        description = f"Tin mới nhất về {tag.name}"
        feed_id = f"tag/{tag.id}"
        self_url = feed_url(fmt, tag=tag)
    else:
        # The Vietnamese site's feed keeps its first id and title; another language's is its own.
        source = language == "vi"
        query = ArticleQuery(limit=count, language=language)
        page_url = absolute_url(home_path(language))
        title = name if source else f"{name} ({language})"
        description = f"Tin mới nhất từ {name}" if source else f"Latest news from {name}"
        feed_id = "site" if source else f"site/{language}"
        self_url = feed_url(fmt, language=language)

    articles = fetch_article_lists([query])[query]  # the one query of the items
    host = urlsplit(page_url).hostname or "localhost"
    items = [_item(article, categories, host, mode) for article in articles]
    newest = max(
        (max(a.updated_at, a.published_at or a.updated_at) for a in articles), default=None
    )
    updated = site_time(newest) if newest else site_time(datetime(2000, 1, 1, tzinfo=UTC))
    channel = Channel(
        id=f"tag:{host},2000:feed/{feed_id}",
        title=title,
        description=description,
        link=page_url,
        self_url=self_url,
        updated=updated,
        language=language,
        items=items,
    )
    body = xml.rss(channel) if fmt == "rss" else xml.atom(channel, site_name=name)
    etag = hashlib.sha256(body).hexdigest()[:32]
    return json.dumps(
        {
            "body": body.decode("utf-8"),
            "etag": etag,
            "modified": newest.astimezone(UTC).isoformat() if newest else "",
        }
    )


def _item(article, categories, host: str, mode: str) -> Item:
    category = categories.get(article.category_id)
    image = image_for(article)
    enclosure = None
    if image is not None and image.src:
        enclosure = Enclosure(
            url=absolute_url(image.src),
            type=image.mime_type,
            length=image.size,
            width=image.width,
            height=image.height,
        )
    content = ""
    if mode == "full" and article.body_html:
        origin = absolute_url("/")[:-1]
        content = _RELATIVE.sub(rf"\g<1>{origin}/", sanitize_html(article.body_html))
    published = article.published_at or article.created_at
    return Item(
        # Stable whatever the title (and so the slug) becomes: a tag: URI on the article's id.
        id=f"tag:{host},{article.created_at.astimezone(UTC).date().isoformat()}:article/{article.id}",
        title=article.title,
        link=absolute_url(article_url(article)),
        published=site_time(published),
        updated=site_time(max(article.updated_at, published)),
        author=article.author,
        category=category.name if category else "",
        category_term=category.slug if category else "",
        category_url=absolute_url(category_url(category)) if category else "",
        summary=article.lead,
        content_html=content,
        enclosure=enclosure,
    )
