"""Reader pages in requests: answered whole from the cache, and sent with HTTP caching headers.

* Before a request (after every other check: plugin switches, ``?lang=``,
  content events caught up), a GET or HEAD of a reader page by a visitor
  without a session cookie is answered from :mod:`portal.page_cache` when the
  page is kept there: no page, placement or row is read.
* After a request, a page that was rendered for such a visitor and may be kept
  whole is stored, in both encodings; other text responses are compressed.
* Either way the reader gets the encoding it accepts (gzip), a strong ``ETag``,
  ``Last-Modified``, ``Cache-Control`` (public, ``max-age`` for browsers,
  ``s-maxage`` for a proxy, ``stale-while-revalidate``) and the page's cache tags
  in a surrogate-key header, so a proxy can keep it and be purged by tag
  (:mod:`portal.content.edge_purge`). A conditional request gets 304.

Signed-in users, editors and previews carry a session cookie (or are in the
admin): they never read or fill the cache, and their responses stay
``private, no-store`` (:mod:`portal.web.security`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Flask, current_app, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.http import http_date, parse_accept_header
from werkzeug.wrappers import Response

from portal import metrics
from portal.cache import cache_for
from portal.content.view_counter import count_reader_view
from portal.metrics import ROUTE_KIND, route_kind
from portal.page_cache import (
    CORE_QUERY_PARAMS,
    GZIP,
    IDENTITY,
    StoredPage,
    canonical_query,
    encoded_bodies,
    is_tracking,
    keep_page,
    kept_headers,
    load_page,
    note_served,
    rendered_page,
    served_kept_page,
)
from portal.plugins import plugins_of
from portal.web.compression import compress

#: Reader pages made of blocks: the routes whose pages may be kept whole.
PAGE_ENDPOINTS = frozenset(
    {
        "reader.home",
        "reader.category",
        "reader.english_category",
        "reader.tag",
        "reader.article",
        "reader.english_article",
        "reader.static_page",
    }
)
#: Routes whose answers are never kept, whatever they ask: the admin, sign-in, files.
PRIVATE_ENDPOINTS = ("admin.", "auth.", "static", "core.", "vendor.", "downloads.")
#: What a kept answer may be.
KEEPABLE_TYPES = frozenset(
    {
        "text/html",
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/json",
    }
)
_REQUEST = "_portal_page_request"
#: Set in the environ by :mod:`portal.web.kept_pages` when it looked the page up (and missed).
LOOKED_UP = "portal.kept_page.looked_up"
_KEPT_ENDPOINTS = "portal.page_cache.endpoints"
_KNOWN_PARAMS = "portal.page_cache.query_params"


@dataclass(frozen=True)
class PageRequest:
    """A request the whole-page cache may answer: its canonical URL and wanted encoding."""

    url: str
    encoding: str


def known_query_params(app: Flask) -> frozenset[str]:
    """Query parameters that may change a reader page: the core's, the blocks' and the site's."""
    known = app.extensions.get(_KNOWN_PARAMS)
    if known is None:
        names = set(CORE_QUERY_PARAMS) | set(app.config.get("PORTAL_PAGE_CACHE_QUERY_PARAMS", ()))
        for block in plugins_of(app).registered_blocks.values():
            names |= block.cache.query_params
        known = app.extensions[_KNOWN_PARAMS] = frozenset(names)
    return known


def has_session() -> bool:
    """Whether the visitor carries a session or remember-me cookie (may be signed in)."""
    config = current_app.config
    cookies = request.cookies
    return config["SESSION_COOKIE_NAME"] in cookies or (
        config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies
    )


def page_request() -> PageRequest | None:
    """This request as the whole-page cache sees it; None when the cache must stay out.

    Out: caching switched off, not a GET or HEAD of a reader page, a visitor
    with a session, or a query parameter no block reads (rendered as usual,
    never stored: unknown parameters never multiply entries).
    """
    app = current_app
    environ = request.environ
    if (
        not app.config.get("PORTAL_PAGE_CACHE", True)
        or environ["REQUEST_METHOD"] not in ("GET", "HEAD")
        or (request.endpoint or "").startswith(PRIVATE_ENDPOINTS)
        or (environ.get("HTTP_COOKIE") and has_session())
    ):
        return None
    url = canonical_url(environ, known_query_params(app))
    if url is None:
        return None
    return PageRequest(url, wanted_encoding(environ.get("HTTP_ACCEPT_ENCODING", "")))


def canonical_url(environ: dict, known: frozenset[str]) -> str | None:
    """The key URL of the page a request asks for: its path and the query parameters in
    ``known``, tracking ones dropped; None when it has another parameter (never kept).

    Read from the WSGI environ as Werkzeug reads ``request.path`` and ``request.args``,
    so the lookup ahead of Flask (:mod:`portal.web.kept_pages`) and the store after
    the page was rendered use the same key. The host is not part of it: every
    absolute URL on a page comes from the base URL.
    """
    root = _wsgi_text(environ.get("SCRIPT_NAME") or "").rstrip("/")
    url = root + "/" + _wsgi_text(environ.get("PATH_INFO") or "").lstrip("/")
    raw_query = environ.get("QUERY_STRING")
    if not raw_query:
        return url
    args = MultiDict(
        parse_qsl(
            raw_query.encode("latin1").decode(),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        )
    )
    if any(name not in known and not is_tracking(name) for name in args):
        return None
    query = canonical_query(args)
    return f"{url}?{query}" if query else url


def _wsgi_text(value: str) -> str:
    """A WSGI string (bytes as latin-1) as the text it is (UTF-8), as Werkzeug decodes it."""
    return value.encode("latin1").decode(errors="replace")


def wanted_encoding(accept_encoding: str) -> str:
    """gzip when the client accepts it (the header is read in full only when it has a q)."""
    if GZIP not in accept_encoding:
        return IDENTITY
    if ";" in accept_encoding and parse_accept_header(accept_encoding)[GZIP] <= 0:
        return IDENTITY
    return GZIP


def serve_kept_page():
    """``before_request``: the kept page, when this request may have it and it is kept.

    Everything it is sent with was worked out when it was kept: the hit reads
    one cache entry and sends it (or a 304).
    """
    wanted = page_request()
    if wanted is None:
        return None
    setattr(g, _REQUEST, wanted)
    if not may_be_kept(request.endpoint) or request.environ.get(LOOKED_UP):
        return None  # nothing was ever kept for this route, or the middleware missed it
    app = current_app._get_current_object()
    kept = load_page(cache_for(app), wanted.url, wanted.encoding)
    metrics.count_page_cache(app, kept is not None)
    if kept is None:
        return None
    note_served()
    if kept.kind:
        request.environ[ROUTE_KIND] = kept.kind
    if kept.article_id is not None:
        count_reader_view(
            kept.article_id,
            method=request.method,
            user_agent=request.headers.get("User-Agent", ""),
        )
    return response_for(kept)


def finish_response(response: Response) -> Response:
    """``after_request`` (the last one): keep a page that may be kept, compress the rest.

    A page kept whole goes out as kept, in the encoding the reader accepts;
    any other text response is compressed (:mod:`portal.web.compression`), and
    an anonymous reader's page that is not kept gets ``no-cache`` and an ETag.
    """
    if served_kept_page():
        return response
    wanted: PageRequest | None = g.get(_REQUEST)
    rendered = rendered_page() if wanted is not None else None
    if rendered is None or not rendered[0].cacheable or not keepable(response):
        return revalidated(compress(response))
    whole, article_id = rendered
    config = current_app.config
    timeout = int(config["PORTAL_PAGE_CACHE_TIMEOUT"])
    if whole.timeout is not None:
        timeout = min(timeout, whole.timeout)
    # A route that sets its own validators (a feed: its newest item's time) keeps them,
    # and its Cache-Control; a page gets a hash of its bytes and the time it was kept.
    own_etag, _weak = response.get_etag()
    own = (
        {name: response.headers.get(name) for name in ("Last-Modified", "Cache-Control")}
        if own_etag or "Cache-Control" in response.headers
        else None
    )
    kept_endpoints(current_app).add(request.endpoint)

    def keep(body: bytes) -> dict[str, StoredPage]:
        """Keep ``body`` in every encoding; the copies, by encoding."""
        now = time.time()
        tags = sorted(whole.tags)
        copies = {}
        for encoding, (encoded, etag) in encoded_bodies(body).items():
            if own_etag:
                etag = f'"{own_etag}"' if encoding == IDENTITY else f'"{own_etag}-{encoding}"'
            headers = base + caching_headers(config, encoding, etag, now, tags, own=own)
            copies[encoding] = StoredPage(headers, encoded, etag, now, tags, article_id, kind)
            keep_page(cache, wanted.url, encoding, copies[encoding], timeout)
        return copies

    base = kept_headers(response.headers.items())
    kind = request.environ.get(ROUTE_KIND) or route_kind(request.endpoint)
    cache = cache_for(current_app)
    if response.is_streamed:
        # A stream (a sitemap of 50,000 addresses) goes out as it is made, and is kept
        # once it was sent in full: the first byte never waits for the last.
        response.response = _kept_when_sent(response.response, keep)
        return response
    return response_for(keep(response.get_data())[wanted.encoding])


def _kept_when_sent(source, keep):
    """The chunks of a streamed response (its ``response`` iterable), passed on as they
    come; when the last one was sent, the whole body is given to ``keep`` (a stream cut
    short is not kept)."""
    chunks: list[bytes] = []
    try:
        for chunk in source:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            chunks.append(data)
            yield data
        keep(b"".join(chunks))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def response_for(kept: StoredPage) -> Response:
    """The response of a kept page, or a 304 when the reader's copy is that page."""
    response = current_app.response_class(kept.body, status=200, headers=kept.headers)
    if "If-None-Match" in request.headers or "If-Modified-Since" in request.headers:
        return response.make_conditional(request)
    return response


def may_be_kept(endpoint: str | None) -> bool:
    """The reader pages, and plugin routes that kept an answer whole (``portal.keep_whole``)."""
    return endpoint in PAGE_ENDPOINTS or endpoint in kept_endpoints(current_app)


def kept_endpoints(app: Flask) -> set[str]:
    """Routes of plugins whose answers were kept whole by this process."""
    return app.extensions.setdefault(_KEPT_ENDPOINTS, set())


def keepable(response: Response) -> bool:
    """A 200 page (HTML, XML, a feed, JSON) that sets no cookie and is not marked private."""
    return (
        response.status_code == 200
        and response.mimetype in KEEPABLE_TYPES
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and "private" not in (response.headers.get("Cache-Control") or "")
    )


def revalidated(response: Response) -> Response:
    """An anonymous reader's page that is not kept whole: ``no-cache`` with a strong ETag.

    Browsers and proxies ask again every time (nothing tells them when it
    changes), and get a 304 without the page when it has not changed.
    """
    if (
        request.method not in ("GET", "HEAD")
        or "Cache-Control" in response.headers
        or not keepable(response)
        or has_session()
    ):
        return response
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def caching_headers(
    config,
    encoding: str,
    etag: str,
    last_modified: float,
    tags: list[str],
    *,
    own: dict[str, str | None] | None = None,
) -> list[tuple[str, str]]:
    """Encoding, validators, freshness and tags of one copy of a kept page.

    ``own``: the route's own ``Last-Modified`` and ``Cache-Control`` (a feed's, a
    sitemap's: a missing one is left out), sent instead of the time it was kept and
    the portal's freshness, when the route set its own ETag or Cache-Control.
    """
    headers = [("Vary", "Cookie, Accept-Encoding")]
    if encoding != IDENTITY:
        headers.append(("Content-Encoding", encoding))
    headers.append(("ETag", etag))
    if own is not None:
        headers += [(name, value) for name, value in own.items() if value]
    else:
        headers += [
            ("Last-Modified", http_date(last_modified)),
            ("Cache-Control", cache_control(config)),
        ]
    header = config.get("PORTAL_SURROGATE_KEY_HEADER")
    if header:
        headers.append((header, " ".join(tags)))
    return headers


def cache_control(config) -> str:
    """``public, max-age=…, s-maxage=…, stale-while-revalidate=…`` from the settings."""
    parts = ["public", f"max-age={int(config['PORTAL_HTTP_MAX_AGE'])}"]
    shared = int(config["PORTAL_HTTP_S_MAXAGE"])
    if shared >= 0:
        parts.append(f"s-maxage={shared}")
    stale = int(config["PORTAL_HTTP_STALE_WHILE_REVALIDATE"])
    if stale > 0:
        parts.append(f"stale-while-revalidate={stale}")
    return ", ".join(parts)


def init_app(app: Flask) -> None:
    """Call last in ``create_app``: the lookup runs after every other ``before_request``
    (content events caught up, plugin switches and settings synced: a change purges the
    kept pages), the store after every other ``after_request`` (it keeps the headers
    they added)."""
    app.before_request(serve_kept_page)
    app.after_request_funcs.setdefault(None, []).insert(0, finish_response)
