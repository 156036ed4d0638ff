"""Benchmark: what the first reader after a publish pays, next to a warm page.

Why: a publish purges the pages that show the article (home, its category, the
article). If the next reader rendered them, a news spike would meet the cold
path exactly when it matters. The delivery of the publish's event renders them
again right away (``portal/page_warming.py``); this measures whether readers
notice, as the ratio of the first request's median latency after a publish to
a warm request's median latency, page by page.

What it does: builds the site of ``bench/big_site.py`` (``--articles``, 1,000)
in a temporary SQLite file (or ``--database-url``), then for each setting

* ``memory, same process``: the in-process cache, the reader's request served
  by the process that published (one worker, or the worker that took the
  editor's request);
* ``memory, other process``: the in-process cache, the reader served by
  another worker of the same machine (it drops its copies when it catches up
  with the stamp file; warming happened in the publisher's memory);
* ``redis, other process``: Redis (``--redis-url``, default
  ``redis://127.0.0.1:6379/13``; a prefix of its own, deleted afterwards), the
  reader served by another server;

measures the warm median of home, the article's category page 1 and the
article (``--warm`` requests each), then ``--publishes`` times: an editor
edits the newest article's title through the content layer (as the admin's
save does; its event is delivered at commit), and the first request of each
page right after is timed. Requests go through the WSGI app in process, as a
reader without cookies with ``Accept-Encoding: gzip``; "other process" is a
second app object on the same database and instance folder (for the memory
cache: its own memory, exactly as a second worker). Prints one table. This is a
measurement, never a test.

Run::

    .venv/bin/python bench/after_publish.py
    .venv/bin/python bench/after_publish.py --publishes 50 --write-docs
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import http_bench  # noqa: E402
from big_site import build_site  # noqa: E402
from sqlalchemy import select  # noqa: E402

from portal.config import database_uri  # noqa: E402
from portal.content import articles  # noqa: E402
from portal.content.unit_of_work import Actor, unit_of_work  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Article, User  # noqa: E402
from portal.testing import make_account, make_app  # noqa: E402

DOCS = ROOT / "docs" / "performance.md"
START_MARKER = "<!-- after-publish:start -->"
END_MARKER = "<!-- after-publish:end -->"
DOCS_HEADING = "## The first reader after a publish (make bench)"
DOCS_INTRO = """\
`bench/after_publish.py`: the median latency of the first request of home, the
category page and the article right after an editor's publish, next to a warm
request of the same page.
"""
SECTION_BEFORE = "## Content events per request"
HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "Mozilla/5.0 Firefox/120.0"}


def page_urls(app) -> dict[str, str]:
    """Home, the newest Vietnamese article's category and the article."""
    with app.app_context():
        article = db.session.scalar(
            select(Article)
            .where(Article.public_filter(), Article.language == "vi")
            .order_by(Article.published_at.desc(), Article.id.desc())
        )
        urls = {
            "home": "/",
            "category": f"/chuyen-muc/{article.category.slug}",
            "article": f"/bai-viet/{article.id}-{article.slug}",
        }
        db.session.remove()
    return urls


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url, headers=HEADERS)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def publish(app, article_id: int, editor_id: int, n: int) -> None:
    """An editor changes the article's title (the event is delivered at commit)."""
    with app.app_context():
        editor = db.session.get(User, editor_id)
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(editor)):
            articles.save_article(
                article,
                {"title": f"{article.title.split(' [')[0]} [{n}]"},
                editor,
                expected_version=article.version,
            )
        db.session.remove()


def measure(name: str, writer, reader, urls: dict[str, str], args) -> list[tuple]:
    client = reader.test_client()
    for url in urls.values():
        client.get(url, headers=HEADERS)  # fill the cache
    warm = {
        page: statistics.median(timed_get(client, url) for _ in range(args.warm))
        for page, url in urls.items()
    }
    with writer.app_context():
        article_id = int(urls["article"].split("/")[-1].split("-")[0])
        editor_id = make_account(writer, "editor")
        db.session.remove()
    first: dict[str, list[float]] = {page: [] for page in urls}
    for n in range(args.publishes):
        publish(writer, article_id, editor_id, n)
        for page, url in urls.items():
            first[page].append(timed_get(client, url))
    rows = []
    for page in urls:
        after = statistics.median(first[page])
        rows.append((name, page, warm[page], after, after / warm[page]))
        print(f"{name:<24} {page:<9} warm {warm[page]:7.2f} ms  first {after:7.2f} ms", flush=True)
    return rows


def table(rows: list[tuple], args) -> str:
    lines = [
        f"{args.articles:,} articles, {args.publishes} publishes, warm median of {args.warm} "
        "requests; in process (WSGI), anonymous, gzip.",
        "",
        "| Setting | Page | Warm p50 | First after a publish, p50 | Ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for name, page, warm, after, ratio in rows:
        lines.append(f"| {name} | {page} | {warm:.2f} ms | {after:.2f} ms | {ratio:.2f}× |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--publishes", type=int, default=30)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="portal-after-publish-"))
    url = args.database_url or f"sqlite:///{folder / 'site.db'}"
    print(f"building {args.articles} articles ...", flush=True)
    build_site(url, args.articles)
    instance = str(folder / "instance")

    def app_with(cache_url: str, **extra):
        config = {"PORTAL_CACHE_URL": cache_url, "PORTAL_STRICT_BLOCKS": False, **extra}
        return make_app(
            database_url=database_uri(url),
            config=config,
            fresh_database=False,
            instance_path=instance,
        )

    rows = []
    memory = app_with("memory")
    urls = page_urls(memory)
    rows += measure("memory, same process", memory, memory, urls, args)
    rows += measure("memory, other process", memory, app_with("memory"), urls, args)
    prefix = f"bench-after-publish:{uuid.uuid4().hex}:"
    redis_writer = app_with(args.redis_url, PORTAL_CACHE_PREFIX=prefix)
    redis_reader = app_with(args.redis_url, PORTAL_CACHE_PREFIX=prefix)
    try:
        rows += measure("redis, other process", redis_writer, redis_reader, urls, args)
    finally:
        import redis

        client = redis.Redis.from_url(args.redis_url)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    section = table(rows, args)
    print()
    print(section)
    if args.write_docs:
        http_bench.write_docs(
            section,
            start=START_MARKER,
            end=END_MARKER,
            heading=DOCS_HEADING,
            intro=DOCS_INTRO,
            before=SECTION_BEFORE,
        )


if __name__ == "__main__":
    main()
