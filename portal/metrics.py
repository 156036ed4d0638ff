"""Prometheus metrics of one portal app (``PORTAL_METRICS=on``; docs/operations.md, "Metrics").

Off by default, and then nothing here costs more than one dictionary lookup per
place that could count: ``prometheus_client`` is not even imported (a reader's
worker imports only what pages need: tests/test_reader_imports.py). On, each app
gets a :class:`Metrics` of its own (its own registry, so the many apps of a test
run never share counts) and the places that count call the functions below
with their app.

With several worker processes (gunicorn), set ``PROMETHEUS_MULTIPROC_DIR`` (or
``PORTAL_METRICS_MULTIPROC_DIR``) to an empty folder writable by the workers:
each process then writes its counts to files there, and ``/metrics``, whichever
worker answers it, adds up every worker's (``prometheus_client``'s multiprocess
mode; ``deploy/gunicorn.conf.py`` empties the folder at start and marks a
stopped worker's files dead).

Figures read when ``/metrics`` is asked (no cost per request): content events
waiting or failed (one query), and how many views and visits wait in the
buffers (:func:`report_buffer`; a plugin reports its own through
``portal.report_buffer``). Those read this worker's in-process buffer, or the
shared Redis one.
"""

from __future__ import annotations

import logging
import os
from bisect import bisect_left
from collections.abc import Callable

from flask import Flask

log = logging.getLogger("portal.metrics")

EXTENSION_KEY = "portal.metrics"
#: Key of the WSGI environ: the request's kind of route, when something knew it before
#: (or better than) the endpoint Flask matched: a kept page, a search page.
ROUTE_KIND = "portal.route_kind"
_BUFFERS_KEY = "portal.metrics.buffers"
#: Environment variable that switches prometheus_client to its multiprocess mode.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Seconds; the buckets of the request latency histogram (a whole-page cache hit is
#: a fraction of a millisecond, a page rendered afresh some tens).
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
#: What ``route`` may be: a label of bounded cardinality (see :func:`route_kind`).
ROUTE_KINDS = (
    "home",
    "category",
    "article",
    "page",
    "search",
    "feed",
    "sitemap",
    "asset",
    "admin",
    "health",
    "other",
)
#: Reader endpoints whose kind is not told by their blueprint.
_READER_KINDS = {
    "reader.home": "home",
    "reader.category": "category",
    "reader.english_category": "category",
    "reader.tag": "category",
    "reader.article": "article",
    "reader.english_article": "article",
    "reader.static_page": "page",
    "reader.media": "asset",
    "static": "asset",
    "core.block_static": "asset",
    "core.favicon": "asset",
}
#: Blueprint name (the endpoint's part before the first dot) -> kind.
_BLUEPRINT_KINDS = {
    "admin": "admin",
    "feeds": "feed",
    "sitemaps": "sitemap",
    "vendor": "asset",
    "assets": "asset",
}
_kinds: dict[str | None, str] = {}


def route_kind(endpoint: str | None) -> str:
    """The kind of route an endpoint is, one of :data:`ROUTE_KINDS` (remembered)."""
    kind = _kinds.get(endpoint)
    if kind is None:
        kind = _kinds[endpoint] = _kind_of(endpoint)
    return kind


def _kind_of(endpoint: str | None) -> str:
    if not endpoint:
        return "other"
    if endpoint in _READER_KINDS:
        return _READER_KINDS[endpoint]
    blueprint, _, view = endpoint.partition(".")
    if blueprint in _BLUEPRINT_KINDS:
        return _BLUEPRINT_KINDS[blueprint]
    if blueprint.endswith("_admin"):  # a plugin's admin screens (documents_admin ...)
        return "admin"
    if view == "static":  # a plugin blueprint's own files
        return "asset"
    return "other"


def enabled(app: Flask) -> bool:
    return bool(app.config.get("PORTAL_METRICS"))


def multiprocess_dir(app: Flask) -> str | None:
    """The folder of the multiprocess mode, when one is set."""
    return app.config.get("PORTAL_METRICS_MULTIPROC_DIR") or os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """The metrics of one app; made by :func:`init_app` when ``PORTAL_METRICS`` is on."""

    def __init__(self, app: Flask) -> None:
        folder = multiprocess_dir(app)
        if folder:
            # Read by prometheus_client when it is first imported: set before that.
            os.environ.setdefault(MULTIPROC_ENV, folder)
            os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)
        import prometheus_client as prom

        self.app = app
        self.prom = prom
        self.multiprocess = MULTIPROC_ENV in os.environ
        self.registry = prom.CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.latency = prom.Histogram(
            "portal_http_request_duration_seconds",
            "Time to answer a request, by kind of route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.responses = prom.Counter(
            "portal_http_responses",
            "Responses sent, by kind of route and status code",
            ["route", "status"],
            registry=registry,
        )
        self.page_cache = prom.Counter(
            "portal_page_cache_requests",
            "Whole-page cache lookups by anonymous readers, by result (hit or miss)",
            ["result"],
            registry=registry,
        )
        self.block_cache = prom.Counter(
            "portal_block_cache_requests",
            "Block cache lookups while pages are rendered, by result (hit or miss)",
            ["result"],
            registry=registry,
        )
        self.block_failures = prom.Counter(
            "portal_block_failures",
            "Blocks that raised while a page was rendered, by block type and stage",
            ["block_type", "stage"],
            registry=registry,
        )
        self.event_failures = prom.Counter(
            "portal_event_delivery_failures",
            "Content event deliveries that failed (tried again later), by consumer",
            ["consumer"],
            registry=registry,
        )
        self.events_failed = prom.Counter(
            "portal_events_failed",
            "Content events given up after PORTAL_EVENT_MAX_ATTEMPTS attempts",
            registry=registry,
        )
        # What a request adds to, by label values, found once: a request then costs a
        # dictionary lookup and the additions themselves.
        self._adders: dict[tuple[str, int], tuple] = {}
        self._page_hit = adder(self.page_cache.labels("hit"))
        self._page_miss = adder(self.page_cache.labels("miss"))
        self._block_hit = adder(self.block_cache.labels("hit"))
        self._block_miss = adder(self.block_cache.labels("miss"))

    def observe_request(self, kind: str, status: int, seconds: float) -> None:
        adders = self._adders.get((kind, status))
        if adders is None:
            adders = self._adders[(kind, status)] = (
                observer(self.latency.labels(kind)),
                adder(self.responses.labels(kind, str(status))),
            )
        adders[0](seconds)
        adders[1](1)

    def exposition(self) -> tuple[bytes, str]:
        """The text ``/metrics`` answers, and its content type."""
        prom = self.prom
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = prom.CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        with self.app.app_context():
            read_now = _ReadNow(self.app)
            body = prom.generate_latest(registry) + prom.generate_latest(read_now.registry())
        return body, prom.CONTENT_TYPE_LATEST


def adder(counter) -> Callable[[float], None]:
    """``add(amount)`` for a counter (child): its value's own ``inc`` when it has one.

    ``Counter.inc`` checks its labels and amount and looks for an exemplar on every
    call, then calls its value's ``inc``; calling that directly halves the cost of a
    count. (Any other shape of prometheus_client: the public method.)
    """
    value = getattr(counter, "_value", None)
    return value.inc if callable(getattr(value, "inc", None)) else counter.inc


def observer(histogram) -> Callable[[float], None]:
    """``observe(seconds)`` for a histogram (child), adding to its sum and its one bucket
    directly (as ``Histogram.observe`` does, less its checks per call)."""
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    if not (
        isinstance(bounds, list)
        and isinstance(buckets, list)
        and len(bounds) == len(buckets)
        and bounds[-1] == float("inf")
        and callable(getattr(total, "inc", None))
    ):
        return histogram.observe
    adds = [bucket.inc for bucket in buckets]
    add_total = total.inc

    def observe(amount: float) -> None:
        add_total(amount)
        adds[bisect_left(bounds, amount)](1)  # the first bound >= amount: its bucket

    return observe


class _ReadNow:
    """Figures read when ``/metrics`` is asked: content events waiting, buffer depths."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def registry(self):
        from prometheus_client import CollectorRegistry

        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        return registry

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        events = GaugeMetricFamily(
            "portal_events_undelivered",
            "Content events not delivered yet (pending) or given up (failed)",
            labels=["status"],
        )
        try:
            from portal.content.outbox import undelivered_counts
            from portal.extensions import db

            try:
                counts = undelivered_counts()
            finally:
                db.session.remove()
            for status, count in sorted(counts.items()):
                events.add_metric([status], count)
        except Exception as exc:  # the database away: the other figures still go out
            log.warning("Metrics: content events could not be counted: %s", exc)
        yield events
        depth = GaugeMetricFamily(
            "portal_buffer_depth",
            "Items waiting in a buffer to be written to the database (views, visits)",
            labels=["buffer"],
        )
        for name, read in sorted(self.app.extensions.get(_BUFFERS_KEY, {}).items()):
            try:
                depth.add_metric([name], float(read()))
            except Exception as exc:  # Redis away: this buffer is left out
                log.warning("Metrics: the depth of buffer %r could not be read: %s", name, exc)
        yield depth


def of(app: Flask) -> Metrics | None:
    """The app's metrics; None when they are off."""
    return app.extensions.get(EXTENSION_KEY)


def init_app(app: Flask) -> None:
    """Make the app's metrics when ``PORTAL_METRICS`` is on (imports prometheus_client)."""
    if enabled(app):
        app.extensions[EXTENSION_KEY] = Metrics(app)


def report_buffer(app: Flask, name: str, depth: Callable[[], int]) -> None:
    """Show ``depth()`` (items waiting in buffer ``name``) as ``portal_buffer_depth``.

    Called when the buffer is made; ``depth`` is called only when ``/metrics`` is
    asked, so it may do a Redis round trip. Nothing is kept when metrics are off.
    """
    if of(app) is not None:
        app.extensions.setdefault(_BUFFERS_KEY, {})[name] = depth


# -- the places that count: each costs a lookup when metrics are off ----------------------


def count_page_cache(app: Flask, hit: bool) -> None:
    metrics = app.extensions.get(EXTENSION_KEY)
    if metrics is not None:
        (metrics._page_hit if hit else metrics._page_miss)(1)


def count_block_cache(app: Flask, hits: int, misses: int) -> None:
    metrics = app.extensions.get(EXTENSION_KEY)
    if metrics is not None:
        if hits:
            metrics._block_hit(hits)
        if misses:
            metrics._block_miss(misses)


def count_block_failure(app: Flask, block_type: str, stage: str) -> None:
    metrics = app.extensions.get(EXTENSION_KEY)
    if metrics is not None:
        metrics.block_failures.labels(block_type, stage).inc()


def count_event_failures(app: Flask, consumers: list[str], *, given_up: bool) -> None:
    metrics = app.extensions.get(EXTENSION_KEY)
    if metrics is not None:
        for consumer in consumers:
            metrics.event_failures.labels(consumer).inc()
        if given_up:
            metrics.events_failed.inc()
