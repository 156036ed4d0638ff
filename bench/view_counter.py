"""Benchmark: the article page with the view counter off, buffered (the default), and
with a naive counter that runs an UPDATE in every request (what the buffer avoids).

Run with ``.venv/bin/python bench/view_counter.py``. It builds the demo site in
a temporary SQLite file (or ``--database-url``), then requests one article page
through the WSGI test client as an anonymous reader with a browser's user
agent: first from one thread, then from ``--threads`` threads at once (each
with its own client), and prints requests per second and the UPDATE
statements run per request. A measurement, never a test: nothing here asserts
on time.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from flask import request
from sqlalchemy import event, select, update

from portal.cache import cache_for
from portal.content.demo import load_demo
from portal.content.view_counter import counter_for
from portal.extensions import db
from portal.models import Article
from portal.testing import make_app

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}
MODES = {
    "off": {"PORTAL_VIEW_COUNTER": False},
    "buffered": {"PORTAL_VIEW_COUNTER": True},  # defaults: every 60 s or 1000 views
    "naive": {"PORTAL_VIEW_COUNTER": False},  # plus the hook below
}


def count_in_every_request(app) -> None:
    """The naive counter: UPDATE ... SET view_count = view_count + 1 and commit, per view."""

    @app.after_request
    def add_view(response):
        if request.endpoint == "reader.article" and response.status_code == 200:
            table = Article.__table__
            db.session.execute(
                update(table)
                .where(table.c.id == request.view_args["article_id"])
                .values(view_count=table.c.view_count + 1, updated_at=table.c.updated_at)
            )
            db.session.commit()
        return response


def build_app(mode: str, database_url: str | None, cache_url: str, cache_prefix: str):
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-views-"))
    app = make_app(
        database_url=database_url or f"sqlite:///{folder / 'bench.db'}",
        instance_path=str(folder / "instance"),
        config={
            "PORTAL_CACHE_URL": cache_url,
            "PORTAL_CACHE_PREFIX": cache_prefix,
            "PORTAL_STRICT_BLOCKS": False,
            **MODES[mode],
        },
    )
    if mode == "naive":
        count_in_every_request(app)
    with app.app_context():
        load_demo()
        article = db.session.scalar(
            select(Article).where(Article.public_filter()).order_by(Article.published_at.desc())
        )
        return app, f"/bai-viet/{article.id}-{article.slug}", article.id


def run(app, url: str, requests: int, threads: int) -> tuple[float, int]:
    """Requests per second over all threads, and the UPDATE statements seen."""
    with app.app_context():
        engine = db.engine
    updates = 0
    lock = threading.Lock()

    def count(_conn, _cursor, statement, *_args):
        nonlocal updates
        if statement.lstrip().upper().startswith("UPDATE"):
            with lock:
                updates += 1

    clients = [app.test_client() for _ in range(threads)]
    for client in clients:
        client.get(url, headers=BROWSER)  # warm up
    event.listen(engine, "before_cursor_execute", count)
    per_thread = requests // threads
    failures = []

    def read(client):
        for _ in range(per_thread):
            status = client.get(url, headers=BROWSER).status_code
            if status != 200:
                failures.append(status)

    workers = [threading.Thread(target=read, args=(client,)) for client in clients]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", count)
    if failures:
        raise SystemExit(f"{url} answered {sorted(set(failures))}")
    return per_thread * threads / elapsed, updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument(
        "--cache-url",
        default="memory",
        help="block cache, and view buffer when redis:// (default: memory, in-process)",
    )
    parser.add_argument("--cache-prefix", default="portal-bench:", help="Redis key prefix")
    args = parser.parse_args()

    print(
        f"{'counter':<11} {'threads':>7} {'req/s':>8} {'UPDATEs/request':>16} {'views stored':>13}"
    )
    for mode in MODES:
        app, url, article_id = build_app(mode, args.database_url, args.cache_url, args.cache_prefix)
        for threads in (1, args.threads):
            rps, updates = run(app, url, args.requests, threads)
            with app.app_context():
                counter_for(app).flush()
                stored = db.session.get(Article, article_id).view_count
            print(
                f"{mode:<11} {threads:>7} {rps:>8.0f} {updates / args.requests:>16.2f} {stored:>13}"
            )
        cache_for(app).clear()  # with Redis: every key under the prefix, views included
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
