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

"other process" publishes from a Python process of its own (this script with
``--publisher``), as another worker or server would;

measures the warm median of home, the article's category page 1 and the
article (``--warm`` requests each), then ``--publishes`` times: an editor
edits the newest article's title through the content layer (as the admin's
save does; its event is delivered at commit), and the first request of each
page right after is timed. Requests go through the WSGI app in process, as a
reader without cookies with ``Accept-Encoding: gzip``; "other process" is a
second OS process on the same database and instance folder (for the memory
cache: its own memory, exactly as a second worker). Prints one table. This is a
measurement, never a test.

Run::

    .venv/bin/python bench/after_publish.py
    .venv/bin/python bench/after_publish.py --publishes 50 --write-docs
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
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
request of the same page (requests in a tight loop) and to the first request
after the same pause without a publish. A process idle for a moment answers its
next request several times slower than in a tight loop (CPU caches and clock
speed; measured: 0.19 ms in a loop, 1.16 ms after 0.3 s of sleep, for the same
kept page), publish or not, so "publish / pause" is what the publish costs the
reader; under a news spike the workers are never idle. "Other process": the
editor publishes from an OS process of its own, as another worker or server would.
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


class Publisher:
    """The editor's side, in this process (the reader's own worker published)."""

    def __init__(self, app, article_id: int) -> None:
        self.app = app
        self.article_id = article_id
        self.editor_id = make_account(app, "editor")

    def publish(self, n: int) -> None:
        publish(self.app, self.article_id, self.editor_id, n)

    def close(self) -> None:
        pass


class PublisherProcess:
    """The editor's side in an OS process of its own (another worker or server), so the
    reader's process does none of the publishing work, as in production."""

    def __init__(self, database_url: str, instance: str, config: dict, article_id: int) -> None:
        spec = json.dumps(
            {"url": database_url, "instance": instance, "config": config, "article": article_id}
        )
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--publisher", spec],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("ready")

    def _expect(self, word: str) -> None:
        line = self.process.stdout.readline().strip()
        if line != word:
            raise SystemExit(f"the publisher process said {line!r}, not {word!r}")

    def publish(self, n: int) -> None:
        self.process.stdin.write(f"{n}\n")
        self.process.stdin.flush()
        self._expect("published")

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(30)


def serve_publishes(spec: str) -> None:
    """``--publisher SPEC``: publish once per number read from stdin, say so on stdout."""
    settings = json.loads(spec)
    app = make_app(
        database_url=settings["url"],
        config=settings["config"],
        fresh_database=False,
        instance_path=settings["instance"],
    )
    publisher = Publisher(app, settings["article"])
    print("ready", flush=True)
    for line in sys.stdin:
        publisher.publish(int(line))
        print("published", flush=True)


def article_id_of(urls: dict[str, str]) -> int:
    return int(urls["article"].split("/")[-1].split("-")[0])


def measure(name: str, publisher, reader, urls: dict[str, str], args) -> list[tuple]:
    client = reader.test_client()
    for url in urls.values():
        client.get(url, headers=HEADERS)  # fill the cache
    warm = {
        page: statistics.median(timed_get(client, url) for _ in range(args.warm))
        for page, url in urls.items()
    }
    first: dict[str, list[float]] = {page: [] for page in urls}
    paused: dict[str, list[float]] = {page: [] for page in urls}
    for n in range(args.publishes):
        started = time.perf_counter()
        publisher.publish(n)
        pause = time.perf_counter() - started
        for page, url in urls.items():
            first[page].append(timed_get(client, url))
        # The same pause without a publish: a process idle for a moment answers its next
        # request several times slower than one in a tight loop (CPU caches, clock speed),
        # publish or not. This says what the publish itself costs the reader.
        time.sleep(pause)
        for page, url in urls.items():
            paused[page].append(timed_get(client, url))
    rows = []
    for page in urls:
        after = statistics.median(first[page])
        idle = statistics.median(paused[page])
        rows.append((name, page, warm[page], idle, after))
        print(
            f"{name:<24} {page:<9} warm {warm[page]:7.2f} ms  after a pause {idle:7.2f} ms  "
            f"after a publish {after:7.2f} ms",
            flush=True,
        )
    return rows


def table(rows: list[tuple], args) -> str:
    lines = [
        f"{args.articles:,} articles, {args.publishes} publishes, warm median of {args.warm} "
        "requests; in process (WSGI), anonymous, gzip.",
        "",
        "| Setting | Page | Warm p50 (a tight loop) | First after the same pause, no publish | "
        "First after a publish | Publish / pause | Publish / warm |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, page, warm, idle, after in rows:
        lines.append(
            f"| {name} | {page} | {warm:.2f} ms | {idle:.2f} ms | {after:.2f} ms | "
            f"{after / idle:.2f}× | {after / warm:.2f}× |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--publishes", type=int, default=30)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--publisher", help=argparse.SUPPRESS)  # the other process's side
    args = parser.parse_args()
    if args.publisher:
        serve_publishes(args.publisher)
        return

    folder = Path(tempfile.mkdtemp(prefix="portal-after-publish-"))
    url = args.database_url or f"sqlite:///{folder / 'site.db'}"
    print(f"building {args.articles} articles ...", flush=True)
    build_site(url, args.articles)
    instance = str(folder / "instance")

    def config_with(cache_url: str, **extra) -> dict:
        return {"PORTAL_CACHE_URL": cache_url, "PORTAL_STRICT_BLOCKS": False, **extra}

    def app_with(config: dict):
        return make_app(
            database_url=database_uri(url),
            config=config,
            fresh_database=False,
            instance_path=instance,
        )

    def other_process(config: dict) -> PublisherProcess:
        return PublisherProcess(database_uri(url), instance, config, article_id_of(urls))

    rows = []
    memory = app_with(config_with("memory"))
    urls = page_urls(memory)
    rows += measure(
        "memory, same process", Publisher(memory, article_id_of(urls)), memory, urls, args
    )
    publisher = other_process(config_with("memory"))
    try:
        rows += measure("memory, other process", publisher, memory, urls, args)
    finally:
        publisher.close()
    prefix = f"bench-after-publish:{uuid.uuid4().hex}:"
    redis_config = config_with(args.redis_url, PORTAL_CACHE_PREFIX=prefix)
    publisher = other_process(redis_config)
    try:
        rows += measure("redis, other process", publisher, app_with(redis_config), urls, args)
    finally:
        publisher.close()
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
