"""Which requests are a reader's visit, and noting them (a request hook, see docs/statistics.md).

Counted: a successful ``GET`` answered with an HTML page, to someone not
signed in, from a browser. Left out: staff, files and feeds, errors, robots
(by their User-Agent) and pages a browser only fetches in advance (prefetch
and prerender headers: the reader may never look at them).
"""

from __future__ import annotations

import atexit
import re

from flask import Flask, Request, Response, current_app, request
from flask_login import current_user

from portal import guarded_redis, plugin_in_use, plugin_setting, report_buffer

from .counter import MemoryBuffer, RedisBuffer, SightingBuffer, VisitorCounter

PLUGIN = "statistics"
EXTENSION_KEY = "statistics.counter"

#: User agents of programs rather than people (case-insensitive). Headless browsers
#: (``HeadlessChrome``: monitoring, screenshots, our own browser tests) are programs too.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|scrape|preview|monitor|checker|headless"
    r"|curl|wget|python|java/|go-http|okhttp|httpclient|libwww|facebookexternalhit|lighthouse"
    r"|phantomjs|selenium|playwright|puppeteer|httpie|postman|axios|node-fetch",
    re.IGNORECASE,
)
#: Headers by which browsers announce a fetch in advance (prefetch, prerender, link preview).
PREFETCH_HEADERS = ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")
PREFETCH_WORDS = re.compile(r"prefetch|prerender|preview", re.IGNORECASE)


def looks_like_bot(user_agent: str) -> bool:
    """A missing User-Agent, or one naming a crawler, a headless browser or an HTTP library."""
    return not user_agent.strip() or bool(BOT_PATTERN.search(user_agent))


def is_prefetch(headers) -> bool:
    return any(PREFETCH_WORDS.search(headers.get(name, "")) for name in PREFETCH_HEADERS)


def is_visit_request(req: Request) -> bool:
    """Whether a request by someone not signed in, answered with a page, is a person reading it."""
    return (
        req.method == "GET"
        and not req.path.startswith(("/admin", "/auth", "/static"))
        and not looks_like_bot(req.headers.get("User-Agent", ""))
        and not is_prefetch(req.headers)
    )


def is_reader_visit(req: Request, response: Response) -> bool:
    """Whether this request/response pair is a person reading a page."""
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not getattr(current_user, "is_authenticated", False)
        and is_visit_request(req)
    )


def counter_for(app: Flask) -> VisitorCounter:
    """The app's visitor counter, created on first use (Redis buffer when the cache is Redis)."""
    counter = app.extensions.get(EXTENSION_KEY)
    if counter is None:
        url = str(app.config.get("PORTAL_CACHE_URL") or "")
        if url.startswith(("redis://", "rediss://", "unix://")):
            buffer: SightingBuffer = RedisBuffer(
                app.config.get("PORTAL_CACHE_PREFIX", ""),
                push_seconds=plugin_setting(PLUGIN, "push_seconds"),
                guard=guarded_redis(app, url),
            )
        else:
            buffer = MemoryBuffer()
        created = VisitorCounter(
            app,
            buffer,
            flush_seconds=plugin_setting(PLUGIN, "flush_seconds"),
            flush_visitors=plugin_setting(PLUGIN, "flush_visitors"),
        )
        counter = app.extensions.setdefault(EXTENSION_KEY, created)
        if counter is created:
            report_buffer(app, "statistics_visits", buffer.depth)
        if counter is created and not app.testing:  # (a test suite's databases are gone by then)
            atexit.register(counter.at_exit)
    return counter


def note_visit(response: Response) -> Response:
    """``after_request``: count the visit when it is one."""
    if is_reader_visit(request, response) and plugin_in_use(PLUGIN):
        note(request)
    return response


def note_kept_page(environ, content_type: str) -> None:
    """A page answered from the whole-page cache ahead of Flask (kept only for visitors
    without a session): count the visit when it is one."""
    if content_type.startswith("text/html") and plugin_in_use(PLUGIN):
        req = Request(environ)
        if is_visit_request(req):
            note(req)


def note(req: Request) -> None:
    counter_for(current_app._get_current_object()).see(
        req.remote_addr or "", req.headers.get("User-Agent", "")
    )
