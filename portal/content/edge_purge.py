"""Purging a caching proxy by tag: the ``edge`` consumer of content events.

Reader pages tell a proxy what they are made from in a surrogate-key header
(``PORTAL_SURROGATE_KEY_HEADER``, ``Surrogate-Key`` by default:
``article:42 articles category:7 page:1 ...``). When content changes, the
outbox sends each URL of ``PORTAL_EDGE_PURGE_URLS`` a request with method
``PORTAL_EDGE_PURGE_METHOD`` (``PURGE``) whose same header lists the tags to
drop; the proxy drops every page carrying one of them (Varnish: a ban on
``obj.http.Surrogate-Key``, see docs/operations.md and deploy/varnish/). A
proxy that cannot be reached, or answers anything but 2xx, leaves the event
pending: it is retried like any consumer, so no purge is lost.

nginx cannot drop pages by tag: with ``PORTAL_EDGE_PURGE_STYLE=urls`` the
consumer works out which pages the tags name that readers see first (the
pages :mod:`portal.page_warming` renders again: home, the categories, the
article, a page) and sends one request per page and encoding to
ngx_cache_purge (deploy/nginx/purge.conf), which drops the entry kept under
that URL. Every other page expires by the proxy's own short time.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from portal.i18n import translate

log = logging.getLogger("portal.edge_purge")

#: Most bytes of tags in one request's header (proxies refuse very long headers).
MAX_HEADER_BYTES = 4000

TAGS = "tags"
URLS = "urls"
#: Most pages purged by URL for one delivery (a bulk import names thousands of
#: articles; those pages expire by the proxy's own short time instead).
MAX_URL_PURGES = 200
#: What deploy/nginx/portal.conf keys a page's copies by: gzip, or plain ("").
PROXY_ENCODINGS = ("gzip", "")


class EdgePurgeError(Exception):
    """A proxy did not confirm a purge; the event stays pending."""


def configured(app) -> bool:
    """Whether a proxy is to be purged (``PORTAL_EDGE_PURGE_URLS`` is set)."""
    return bool(purge_urls(app))


def purge_urls(app) -> list[str]:
    urls = app.config.get("PORTAL_EDGE_PURGE_URLS") or []
    if isinstance(urls, str):
        urls = [url.strip() for url in urls.split(",")]
    return [url for url in urls if url]


def purge_function(app) -> Callable[[frozenset[str]], None]:
    """What the outbox calls with the tags to purge (nothing happens without a proxy)."""
    urls = purge_urls(app)
    header = app.config.get("PORTAL_SURROGATE_KEY_HEADER") or "Surrogate-Key"
    method = app.config.get("PORTAL_EDGE_PURGE_METHOD") or "PURGE"
    timeout = float(app.config.get("PORTAL_EDGE_PURGE_TIMEOUT", 5))

    if purge_style(app) == URLS:
        return _url_purge_function(app, urls, method, timeout)

    def purge(tags: frozenset[str]) -> None:
        for url in urls:
            for chunk in tag_chunks(sorted(tags)):
                send_purge(url, method, header, chunk, timeout)

    return purge


def purge_style(app) -> str:
    """``tags`` (one request naming the tags: Varnish) or ``urls`` (one per page: nginx)."""
    return str(app.config.get("PORTAL_EDGE_PURGE_STYLE") or TAGS).strip().lower()


def settings_problems(config) -> list[str]:
    """Mistakes in the ``PORTAL_EDGE_PURGE_*`` settings, one line each (deploy checks)."""
    style = str(config.get("PORTAL_EDGE_PURGE_STYLE") or TAGS).strip().lower()
    if style not in (TAGS, URLS):
        return [
            translate(
                "PORTAL_EDGE_PURGE_STYLE là {style}; hãy dùng {tags} (Varnish) hoặc {urls} (nginx)"
            ).format(style=repr(style), tags=TAGS, urls=URLS)
        ]
    return []


def _url_purge_function(app, urls: list[str], method: str, timeout: float):
    """Purging by page: each page the tags show on first, in each encoding a proxy keeps."""
    from portal.page_warming import paths_to_warm

    host = urlsplit(str(app.config.get("PORTAL_BASE_URL") or "")).netloc

    def purge(tags: frozenset[str]) -> None:
        with app.test_request_context("/"):  # url_for, also from the command line
            paths = paths_to_warm(set(tags))[:MAX_URL_PURGES]
        for url in urls:
            base = url.rstrip("/")
            for path in paths:
                for encoding in PROXY_ENCODINGS:
                    send_url_purge(base + path, method, host, encoding, timeout)

    return purge


def send_url_purge(url: str, method: str, host: str, encoding: str, timeout: float) -> None:
    """Drop the page kept under ``url`` for readers of ``encoding``: 200 dropped, 404 none kept."""
    headers = {"Host": host} if host else {}
    if encoding:
        headers["Accept-Encoding"] = encoding
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        if exc.code == 404:  # nothing kept under that URL: nothing to drop
            return
        raise EdgePurgeError(f"{method} {url} answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise EdgePurgeError(f"{method} {url} failed: {exc}") from exc
    if not 200 <= status < 300:
        raise EdgePurgeError(f"{method} {url} answered {status}")
    log.info("Purged %s (%s) at the proxy", url, encoding or "plain")


def tag_chunks(tags: Iterable[str], limit: int = MAX_HEADER_BYTES) -> list[str]:
    """The tags as space-separated header values of at most ``limit`` bytes each."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for tag in tags:
        length = len(tag.encode("utf-8")) + 1
        if current and size + length > limit:
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(tag)
        size += length
    if current:
        chunks.append(" ".join(current))
    return chunks


def send_purge(url: str, method: str, header: str, tags: str, timeout: float) -> None:
    """One purge request; :class:`EdgePurgeError` unless the proxy answers 2xx."""
    request = urllib.request.Request(url, method=method, headers={header: tags})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        raise EdgePurgeError(f"{method} {url} answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise EdgePurgeError(f"{method} {url} failed: {exc}") from exc
    if not 200 <= status < 300:
        raise EdgePurgeError(f"{method} {url} answered {status}")
    log.info("Purged %s at %s", tags[:200], url)
