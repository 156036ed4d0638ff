"""The whole-page cache: anonymous readers' pages kept whole, answered before anything loads.

A reader without a session asking for a page (home, a category, an article, a
tag, a static page) is answered from a copy of the whole response kept in the
site's cache (in-process or Redis: one round trip), before the page tree,
placements or any row is read (DESIGN.md §6). The copy is keyed on the
canonical URL: scheme, host, path and the query parameters the page's blocks
read (``CachePolicy.query_params``), with tracking parameters (``utm_*``,
``fbclid``, ``gclid`` ...) dropped; the language is part of the path. A
request with any other parameter is rendered as usual and never stored, so
``?x=1``, ``?x=2`` ... never multiply entries.

A page is kept when it was rendered for an anonymous reader, answered 200 with
HTML, set no cookie and every block on it could be cached
(:class:`WholePage`). Its entry carries the tags of every block and of the page,
article, category or tag it shows, so the content events that purge the block
cache purge it too, and a publish shows on the next request. It lives no
longer than its shortest-lived block. Each entry holds one encoding of the
body; the gzip one is made once, when the page is stored.

This module is the cache itself (keys, entries, tags); :mod:`portal.web.page_caching`
wires it into requests and works out the HTTP caching headers kept with each copy.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from flask import g, has_request_context

from portal.cache import CacheBackend
from portal.content import tags as tag_names

#: Query parameters that only say where a reader came from: never part of a key.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "zarsrc",
        "ref_src",
    }
)
TRACKING_PREFIXES = ("utm_",)
#: Query parameters the core's page metadata reads (page number, the search words).
CORE_QUERY_PARAMS = frozenset({"trang", "q"})
KEY_PREFIX = "wholepage:"
#: Encodings an entry can hold, best first; ``identity`` is the body as rendered.
GZIP = "gzip"
IDENTITY = "identity"
#: Headers never kept with a page as rendered: per-response ones, and those the caching
#: layer sets itself for each encoding (kept with each copy, see portal.web.page_caching).
UNKEPT_HEADERS = frozenset(
    {
        "set-cookie",
        "date",
        "content-length",
        "content-encoding",
        "etag",
        "last-modified",
        "cache-control",
        "expires",
        "age",
        "vary",
    }
)


def is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_query(args, keep: frozenset[str] | None = None) -> str:
    """The query string that matters: tracking parameters dropped, sorted; only ``keep`` if given."""
    pairs = sorted(
        (name, value)
        for name, value in args.items(multi=True)
        if not is_tracking(name) and (keep is None or name in keep)
    )
    return urlencode(pairs)


@dataclass
class WholePage:
    """What a page being rendered is made from, and whether it may be kept whole.

    The renderer adds the tags of every block (from the block cache or from the
    rendering) and refuses the page when a block must not be cached, failed, or
    belongs to a missing plugin. ``timeout`` is the shortest time-out of its blocks.
    """

    tags: set[str] = field(default_factory=set)
    cacheable: bool = True
    timeout: int | None = None

    def refuse(self) -> None:
        self.cacheable = False

    def add_tags(self, tags: Iterable[str]) -> None:
        self.tags.update(tags)

    def expire_within(self, seconds: int) -> None:
        self.timeout = seconds if self.timeout is None else min(self.timeout, seconds)


def page_tags(*, page_ids: Iterable[int | None], article=None, category=None) -> set[str]:
    """Tags of what a page shows besides its blocks: its pages, its article and category.

    (A tag's page lists articles: its blocks carry the article-list tags.)

    Every whole page also carries :data:`portal.content.tags.WHOLE_PAGES`, which a
    plugin switch purges (its blocks appear or go on every page).
    """
    tags = {tag_names.WHOLE_PAGES}
    tags.update(tag_names.page(page_id) for page_id in page_ids if page_id is not None)
    if article is not None and article.id is not None:
        tags.add(tag_names.article(article.id))
    if category is not None and category.id is not None:
        tags.add(tag_names.category(category.id))
    return tags


_RENDERED = "_portal_whole_page"
_SERVED = "_portal_kept_page_served"


def served_kept_page() -> bool:
    """Whether this request is being answered with a kept page (its headers are all set)."""
    return has_request_context() and g.get(_SERVED, False)


def note_served() -> None:
    setattr(g, _SERVED, True)


def note_rendered(whole: WholePage, *, article_id: int | None = None) -> None:
    """The renderer says: this request's page is made of blocks, and from these tags.

    Only the first page rendered in a request counts (a route rendering a page
    within another would otherwise overwrite it).
    """
    if has_request_context() and _RENDERED not in g:
        setattr(g, _RENDERED, (whole, article_id))


def keep_whole(tags: Iterable[str], *, timeout: int | None = None) -> None:
    """A plugin's route says: keep my answer to this request whole for readers without a session.

    ``tags`` name what the answer is made from (as ``cached_text``'s), so the
    content events that name them drop it; ``timeout`` (seconds) bounds what no
    event announces. Kept only when the answer is a 200 of HTML, XML, a feed or
    JSON that sets no cookie, for a request without a session whose query
    string holds only known parameters; from then on the route's URL is
    answered from the cache before the route runs (the plugin's view is not
    called, nor are its ``before_request`` functions).
    """
    checked = {str(tag) for tag in tags}
    if not checked or any(not tag or any(ch.isspace() for ch in tag) for tag in checked):
        raise ValueError(f"keep_whole() needs tags without spaces, got {sorted(checked)!r}")
    whole = WholePage(tags=checked | {tag_names.WHOLE_PAGES})
    if timeout is not None:
        whole.expire_within(int(timeout))
    note_rendered(whole)


def rendered_page() -> tuple[WholePage, int | None] | None:
    """What :func:`note_rendered` kept for this request, if anything."""
    return g.get(_RENDERED)


def page_key(url: str, encoding: str) -> str:
    """The cache key of the page at canonical ``url`` in ``encoding``."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
    return f"{KEY_PREFIX}{digest}:{encoding}"


@dataclass
class StoredPage:
    """A whole response as kept: status 200, every header it is sent with, its body in one
    encoding. (The Content-Security-Policy is kept too: a plugin's settings, the
    allow-list among them, purge every page when they change.)"""

    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    last_modified: float
    tags: list[str]
    #: The article the page shows: its view is counted on every hit.
    article_id: int | None = None
    #: The kind of route it answers (portal.metrics.route_kind), for the request metrics.
    kind: str | None = None

    def dump(self) -> bytes:
        head = {
            "headers": self.headers,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "tags": self.tags,
            "article_id": self.article_id,
            "kind": self.kind,
        }
        return json.dumps(head, ensure_ascii=True).encode("ascii") + b"\n" + self.body

    @classmethod
    def load(cls, raw) -> StoredPage | None:
        """The page kept in ``raw``; None for a miss or a value of another shape."""
        if not isinstance(raw, bytes):
            return None
        head, newline, body = raw.partition(b"\n")
        if not newline:
            return None
        parsed = _parsed_head(head)
        if parsed is None:
            return None
        headers, etag, last_modified, tags, article_id, kind = parsed
        return cls(list(headers), body, etag, last_modified, list(tags), article_id, kind)


@lru_cache(maxsize=512)
def _parsed_head(head: bytes) -> tuple | None:
    """The fields of a kept page's first line; remembered, as a hit reads the same line
    again and again (a new version of the page has a new ETag, so a new line)."""
    try:
        data = json.loads(head)
        return (
            tuple((str(k), str(v)) for k, v in data["headers"]),
            str(data["etag"]),
            float(data["last_modified"]),
            tuple(str(t) for t in data["tags"]),
            data.get("article_id"),
            data.get("kind"),
        )
    except (ValueError, KeyError, TypeError):
        return None


def encoded_bodies(body: bytes) -> dict[str, tuple[bytes, str]]:
    """The body in every encoding kept, with its strong ETag (each names its exact bytes)."""
    digest = hashlib.sha256(body).hexdigest()[:24]
    return {IDENTITY: (body, f'"{digest}"'), GZIP: (_gzipped(body), f'"{digest}-gz"')}


def kept_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers of a rendered page worth keeping with it (not per-response ones)."""
    return [(k, v) for k, v in headers if k.lower() not in UNKEPT_HEADERS]


def keep_page(cache: CacheBackend, url: str, encoding: str, page: StoredPage, timeout: int) -> None:
    """Keep ``page`` (one encoding of the page at ``url``) for ``timeout`` seconds, by its tags."""
    cache.set(page_key(url, encoding), page.dump(), timeout, frozenset(page.tags))


def _gzipped(body: bytes) -> bytes:
    # mtime=0: the same body always gives the same bytes (and the same ETag).
    return gzip.compress(body, compresslevel=6, mtime=0)


def load_page(cache: CacheBackend, url: str, encoding: str) -> StoredPage | None:
    """The kept page at ``url`` in ``encoding``, with one cache read."""
    return StoredPage.load(cache.get(page_key(url, encoding)))
