"""Benchmark: time to render the main reader pages, with and without the block cache.

Run with ``make bench`` (or ``.venv/bin/python bench/render_pages.py``). It builds
the demo site in a temporary SQLite database, then requests home, a category and
an article page through the WSGI test client, with every cache off (``none``: no
block cache, no whole-page cache), then with the in-process cache. It prints
per-page latency (median, p95), the median CPU time (``time.process_time``: what this process
spent, not waiting on another), requests per second and SQL queries per request,
after a Flask hello world measured the same way in the same run (the floor any
Flask page stands on). ``--pages article`` and ``--caches none`` narrow the run; ``--metrics`` turns the
Prometheus metrics on (their cost per request: docs/operations.md, "Metrics").
This is a measurement, never a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import event, select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article, Category
from portal.testing import make_app


def build_app(cache_url: str, database_url: str | None, *, metrics: bool = False):
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = make_app(
        database_url=database_url or f"sqlite:///{folder / 'bench.db'}",
        # "none": no block cache and no whole-page cache (issue 12's "caches off").
        config={
            "PORTAL_CACHE_URL": cache_url,
            "PORTAL_PAGE_CACHE": cache_url != "none",
            "PORTAL_STRICT_BLOCKS": False,
            "PORTAL_METRICS": metrics,
        },
    )
    with app.app_context():
        load_demo()
        article = db.session.scalar(
            select(Article)
            .where(Article.public_filter(), Article.language == "vi")
            .order_by(Article.published_at.desc())
        )
        category = db.session.scalar(
            select(Category).where(Category.parent_id.is_(None), Category.language == "vi")
        )
        urls = {
            "home": "/",
            "category": f"/chuyen-muc/{category.slug}",
            "article": f"/bai-viet/{article.id}-{article.slug}",
        }
    return app, urls


def measure(app, url: str, requests: int) -> dict[str, float]:
    client = app.test_client()
    queries = 0

    def count(*_args, **_kwargs):
        nonlocal queries
        queries += 1

    with app.app_context():
        engine = db.engine
    client.get(url)  # warm up (template compilation, first cache fill)
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = timed(client, url, requests)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    result["queries"] = queries / requests
    return result


def timed(client, url: str, requests: int) -> dict[str, float]:
    """Wall-clock and CPU milliseconds of ``requests`` GETs of ``url``."""
    timings, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - started_cpu) * 1000)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "cpu_ms": statistics.median(cpu),
        "rps": 1000 / statistics.mean(timings),
        "queries": 0.0,
    }


def hello_world(requests: int) -> dict[str, float]:
    """A Flask app answering one word, through the same test client."""
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Xin chào")
    client = hello.test_client()
    client.get("/")
    return timed(client, "/", requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--pages", default="home,category,article", help="default: %(default)s")
    parser.add_argument("--caches", default="none,memory", help="default: %(default)s")
    parser.add_argument(
        "--metrics", action="store_true", help="with PORTAL_METRICS on (request metrics counted)"
    )
    args = parser.parse_args()
    pages = args.pages.split(",")

    print(
        f"{'cache':<8} {'page':<9} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>8}"
        f" {'req/s':>8} {'queries':>8}"
    )
    show("—", "hello", hello_world(args.requests))
    for cache_url in args.caches.split(","):
        app, urls = build_app(cache_url, args.database_url, metrics=args.metrics)
        for name, url in urls.items():
            if name in pages:
                show(cache_url, name, measure(app, url, args.requests))


def show(cache_url: str, name: str, result: dict[str, float]) -> None:
    print(
        f"{cache_url:<8} {name:<9} {result['median_ms']:>10.2f} {result['p95_ms']:>8.2f}"
        f" {result['cpu_ms']:>8.2f} {result['rps']:>8.0f} {result['queries']:>8.1f}"
    )


if __name__ == "__main__":
    main()
