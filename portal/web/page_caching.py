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

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

from portal.cache import cache_for
from portal.content.view_counter import count_reader_view
from portal.page_cache import (
    CORE_QUERY_PARAMS,
    GZIP,
    IDENTITY,
    StoredPage,
    canonical_query,
    is_tracking,
    load_page,
    rendered_page,
    store_page,
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
_REQUEST = "_portal_page_request"
_HIT = "_portal_page_hit"
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
    if (
        not app.config.get("PORTAL_PAGE_CACHE", True)
        or request.method not in ("GET", "HEAD")
        or request.endpoint not in PAGE_ENDPOINTS
        or has_session()
    ):
        return None
    names = {name for name in request.args if not is_tracking(name)}
    if names - known_query_params(app):
        return None
    query = canonical_query(request.args)
    # The host is not part of it: every absolute URL on a page comes from the base URL.
    url = request.script_root + request.path + (f"?{query}" if query else "")
    encoding = GZIP if request.accept_encodings[GZIP] > 0 else IDENTITY
    return PageRequest(url, encoding)


def serve_kept_page():
    """``before_request``: the kept page, when this request may have it and it is kept."""
    wanted = page_request()
    if wanted is None:
        return None
    setattr(g, _REQUEST, wanted)
    kept = load_page(cache_for(current_app), wanted.url, wanted.encoding)
    if kept is None:
        return None
    setattr(g, _HIT, True)
    if kept.article_id is not None:
        count_reader_view(kept.article_id)
    response = current_app.response_class(kept.body, status=200, headers=kept.headers)
    return with_caching_headers(response, kept, wanted.encoding)


def finish_response(response: Response) -> Response:
    """``after_request`` (the last one): keep a page that may be kept, compress the rest.

    A kept page goes out in the encoding the reader accepts, with its caching
    headers; any other text response is compressed (:mod:`portal.web.compression`),
    and an anonymous reader's page that is not kept gets ``no-cache`` and an ETag.
    """
    wanted: PageRequest | None = g.get(_REQUEST)
    if g.get(_HIT):
        return response
    rendered = rendered_page() if wanted is not None else None
    if rendered is None or not rendered[0].cacheable or not keepable(response):
        return revalidated(compress(response))
    whole, article_id = rendered
    config = current_app.config
    timeout = int(config["PORTAL_PAGE_CACHE_TIMEOUT"])
    if whole.timeout is not None:
        timeout = min(timeout, whole.timeout)
    stored = store_page(
        cache_for(current_app),
        wanted.url,
        body=response.get_data(),
        headers=response.headers.items(),
        tags=whole.tags,
        timeout=timeout,
        now=time.time(),
        article_id=article_id,
    )
    kept = stored[wanted.encoding]
    if wanted.encoding != IDENTITY:
        response.set_data(kept.body)
    return with_caching_headers(response, kept, wanted.encoding)


def keepable(response: Response) -> bool:
    """A 200 HTML page that sets no cookie and is not marked private."""
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
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


def with_caching_headers(response: Response, kept: StoredPage, encoding: str) -> Response:
    """Encoding, validators, freshness and tags of a kept page; 304 when the reader has it."""
    config = current_app.config
    if encoding != IDENTITY:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.vary.add("Cookie")
    response.set_etag(kept.etag.strip('"'))
    response.last_modified = kept.last_modified
    response.headers["Cache-Control"] = cache_control(config)
    header = config.get("PORTAL_SURROGATE_KEY_HEADER")
    if header:
        response.headers[header] = " ".join(kept.tags)
    return response.make_conditional(request)


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
    (switches synced, content events caught up) and the store after every other
    ``after_request`` (it keeps the headers they added)."""
    app.before_request(serve_kept_page)
    app.after_request_funcs.setdefault(None, []).insert(0, finish_response)
