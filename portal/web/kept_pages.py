"""Kept pages answered ahead of Flask: the whole-page cache's hit path.

A hit of the whole-page cache (:mod:`portal.page_cache`) needs nothing of
Flask: the kept entry holds the body and every header. Answered inside Flask,
a hit still paid for a request context, the URL map, the session and user
loaders and about ten request hooks, three times what the page lookup
costs. :class:`KeptPagesMiddleware` answers it before all that, so a hit
costs about what a Flask "hello world" does.

The middleware is the innermost WSGI layer: behind ProxyFix and the host
check of :mod:`portal.hosts`, in front of Flask. It answers only a request
Flask's own hook (:func:`portal.web.page_caching.serve_kept_page`) would
answer, and only when the app's ``before_request`` functions have nothing to
do for it: no session cookie (sign-in, CSRF), no ``?lang=`` (an unknown
parameter), no plugin switch or setting to read again, no content event to
deliver again; this process first catches up with other processes' purges
when the stamp file moved, as the core's hook would. Whenever
one of those is due, the request goes through Flask, which does it, and
still answers from the cache. Plugins' request hooks do not run for an answer
given here; plugins that count reader requests implement
``portal_kept_page_served`` (the statistics and the article view counter
count every hit).
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from werkzeug.datastructures import Headers
from werkzeug.http import is_resource_modified, parse_date, remove_entity_headers, unquote_etag

from portal import metrics, page_warming, plugin_settings, plugin_switches
from portal.cache import cache_for
from portal.content import coherence, outbox
from portal.content.view_counter import count_reader_view
from portal.metrics import ROUTE_KIND
from portal.page_cache import StoredPage, load_page
from portal.plugins import plugins_of
from portal.web.page_caching import (
    LOOKED_UP,
    PRIVATE_ENDPOINTS,
    canonical_url,
    known_query_params,
    wanted_encoding,
)
from portal.web.security import hsts_header

log = logging.getLogger("portal.page_cache")

HOOK = "portal_kept_page_served"
_PRIVATE_PREFIXES = "portal.kept_pages.private_prefixes"


class KeptPagesMiddleware:
    """Answer a reader's request from the whole-page cache, or pass it on to Flask."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        kept = self.kept_page(environ)
        if kept is None:
            return self.wsgi_app(environ, start_response)
        return answer(self.app, kept, environ, start_response)

    def kept_page(self, environ) -> StoredPage | None:
        """The kept page this request may be answered with; None to pass it on."""
        app = self.app
        if (
            environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or not app.config.get("PORTAL_PAGE_CACHE", True)
            or has_session_cookie(app, environ.get("HTTP_COOKIE"))
            or (environ.get("PATH_INFO") or "/").startswith(private_prefixes(app))
            or hooks_have_work(app, environ)
        ):
            return None
        url = canonical_url(environ, known_query_params(app))
        if url is None:
            return None
        environ[LOOKED_UP] = True
        try:
            kept = load_page(
                cache_for(app), url, wanted_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
            )
        except Exception:  # the cache's own errors are its to report; Flask renders the page
            log.exception("Whole-page cache: a lookup failed")
            return None
        metrics.count_page_cache(app, kept is not None)
        if kept is not None and kept.kind:
            environ[ROUTE_KIND] = kept.kind
        return kept


def has_session_cookie(app: Flask, cookie_header: str | None) -> bool:
    """Whether the Cookie header may hold a session or remember-me cookie.

    A substring test: a cookie merely named alike sends the request through
    Flask, which reads the cookies properly.
    """
    if not cookie_header:
        return False
    config = app.config
    return config["SESSION_COOKIE_NAME"] in cookie_header or (
        config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookie_header
    )


def hooks_have_work(app: Flask, environ) -> bool:
    """Whether a ``before_request`` function of the core would do something now.

    Catching up with other processes' purges is done here when it is due (what
    the core's hook would do first): it is what the first request after every
    publish meets, and a kept page is still the answer afterwards. Each other
    check is a clock or ``stat`` comparison that changes nothing; when one says
    yes, the request goes through Flask and the hook does its work there.
    """
    if outbox.sweep_due(app) or plugin_switches.sync_due(app) or plugin_settings.sync_due(app):
        return True
    if coherence.is_behind(app):
        if environ.get(page_warming.WARMING):
            return True  # a page rendered again by a delivery: Flask's hook leaves it be
        try:
            coherence.catch_up(app)
        except Exception:  # Flask's hook tries again and reports it as it does
            log.exception("Whole-page cache: catching up with other processes failed")
            return True
    return False


def private_prefixes(app: Flask) -> tuple[str, ...]:
    """Path prefixes of routes whose answers are never kept (admin, sign-in, files).

    Worked out once from the URL map, so a request for a static file does
    not cost a cache lookup.
    """
    prefixes = app.extensions.get(_PRIVATE_PREFIXES)
    if prefixes is None:
        found = set()
        for rule in app.url_map.iter_rules():
            prefix = rule.rule.split("<", 1)[0]
            if rule.endpoint.startswith(PRIVATE_ENDPOINTS) and len(prefix) > 1:
                found.add(prefix)
        prefixes = app.extensions[_PRIVATE_PREFIXES] = tuple(sorted(found))
    return prefixes


def answer(app: Flask, kept: StoredPage, environ, start_response):
    """Send ``kept`` (or a 304 when the reader's copy is that page), after noting the hit."""
    headers = kept.headers
    hsts = hsts_header(app)
    if hsts and environ.get("wsgi.url_scheme") == "https":
        headers = Headers(headers)
        headers.setdefault("Strict-Transport-Security", hsts)
        headers = headers.to_wsgi_list()
    unchanged = (
        "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
    ) and not_modified(environ, Headers(headers))
    with app.app_context():
        note_hit(app, kept, environ, None if unchanged else content_type_of(headers))
    if unchanged:
        kept_headers = Headers(headers)
        remove_entity_headers(kept_headers)
        start_response("304 Not Modified", kept_headers.to_wsgi_list())
        return []
    start_response("200 OK", [*headers, ("Content-Length", str(len(kept.body)))])
    return [b"" if environ["REQUEST_METHOD"] == "HEAD" else kept.body]


def content_type_of(headers: list[tuple[str, str]]) -> str:
    return next((value for name, value in headers if name.lower() == "content-type"), "")


def not_modified(environ, headers: Headers) -> bool:
    """Whether a conditional request names the kept page (its ETag, or not modified since)."""
    etag = headers.get("ETag")
    last_modified: datetime | None = parse_date(headers.get("Last-Modified"))
    return not is_resource_modified(
        environ,
        etag=unquote_etag(etag)[0] if etag else None,
        last_modified=last_modified,
    )


def note_hit(app: Flask, kept: StoredPage, environ, content_type: str | None) -> None:
    """Count the article's view; tell the plugins (the statistics) a page was sent
    (``content_type`` None: a 304, the reader's copy was still good)."""
    if kept.article_id is not None:
        count_reader_view(
            kept.article_id,
            method=environ["REQUEST_METHOD"],
            user_agent=environ.get("HTTP_USER_AGENT", ""),
        )
    if content_type is None:
        return
    plugins = plugins_of(app)
    for impl in plugins.manager.hook.portal_kept_page_served.get_hookimpls():
        if impl.plugin_name in plugins.switched_off:
            continue
        try:
            impl.function(environ=environ, content_type=content_type)
        except Exception:
            log.exception("Plugin %r failed in %s", impl.plugin_name, HOOK)


def install(app: Flask) -> None:
    """Put the middleware in front of Flask; call before any other WSGI middleware is added,
    so it sits behind them (proxy headers applied, host checked)."""
    app.wsgi_app = KeptPagesMiddleware(app, app.wsgi_app)
