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
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable

log = logging.getLogger("portal.edge_purge")

#: Most bytes of tags in one request's header (proxies refuse very long headers).
MAX_HEADER_BYTES = 4000


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

    def purge(tags: frozenset[str]) -> None:
        for url in urls:
            for chunk in tag_chunks(sorted(tags)):
                send_purge(url, method, header, chunk, timeout)

    return purge


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
