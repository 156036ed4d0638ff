"""Benchmark: search latency on a 100,000-article site, SQLite or PostgreSQL.

``python bench/search.py`` builds the site of bench/big_site.py in a temporary
SQLite file; ``--database-url postgresql://...`` (or ``BENCH_DATABASE_URL``)
builds it in PostgreSQL instead (every table of that database is dropped
first). ``--reuse`` keeps a site already built there by an earlier run (same
``--articles``). Each query shape is searched ``--repeat`` times through
``portal.search.search`` (the engine in use, highlighting and snippets
included, no HTTP) after one warm-up, and the median and 95th percentile are
printed as a table, with the number of matches ("1000+" when the count stopped
at the cap). This is a measurement, never a test: nothing here asserts on time.

Two clocks: wall time, and CPU time (this thread's, plus on a local PostgreSQL
the server process's, read from /proc/<pid>/schedstat). On a busy machine the
wall time also counts the waits for a core; the CPU time is what a search
costs, and what it would take on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from big_site import build_site  # noqa: E402

from portal.config import database_uri  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import IndexedDocument  # noqa: E402
from portal.search import SearchQuery, search, search_engine  # noqa: E402
from portal.testing import make_app  # noqa: E402

#: (shape, text): one and three words, common and rare, with and without diacritics.
QUERIES = [
    ("1 word, common", "tỉnh"),
    ("1 word, common", "tinh"),
    ("1 word, rare", "Phặc"),
    ("1 word, rare", "phac"),
    ("3 words, common", "phát triển kinh tế"),
    ("3 words, common", "phat trien kinh te"),
    ("3 words, rare", "Khuổi Slưn tỉnh"),
    ("3 words, rare", "khuoi slun tinh"),
    ("3 words, none", "Khuổi Slưn Cốc Đán"),
    ("document number", "Chỉ thị số 30-CT/TW"),
    ("document number", "30-CT/TW"),
    ("1 word, page 5", "bac kan"),
    ("unfinished word", "hồng không h"),
]


def has_diacritics(text: str) -> bool:
    return any(ord(c) > 127 for c in text)


def open_site(url: str | None, articles: int, reuse: bool):
    if url and reuse:
        app = make_app(
            database_url=database_uri(url),
            fresh_database=False,
            config={"PORTAL_CACHE_URL": "none", "PORTAL_STRICT_BLOCKS": False},
        )
        with app.app_context():
            count = db.session.scalar(select(func.count()).select_from(IndexedDocument))
        if count and count >= articles:
            print(f"reusing the {count} documents indexed at {url}")
            return app
    return build_site(url, articles, progress=print)


def server_cpu_reader():
    """A function giving the CPU nanoseconds of this session's PostgreSQL process (or 0)."""
    if db.engine.dialect.name != "postgresql":
        return lambda: 0
    pid = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    path = Path(f"/proc/{pid}/schedstat")
    if not path.exists():  # a server on another machine: its CPU time is not counted
        return lambda: 0
    return lambda: int(path.read_text().split()[0])


def percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[max(0, int(len(values) * 0.95) - 1)]


def measure(app, text: str, repeat: int, page: int = 1) -> dict:
    query = SearchQuery(text, page=page)
    with app.app_context():
        results = search(query)  # warm-up
        server_cpu = server_cpu_reader()  # the session keeps its connection until rollback
        wall, cpu = [], []
        for _ in range(repeat):
            started, cpu_started, server_started = (
                time.perf_counter(),
                time.thread_time_ns(),
                server_cpu(),
            )
            search(query)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time_ns() - cpu_started + server_cpu() - server_started) / 1e6)
        db.session.rollback()
    matches = f"{results.total}" if results.total_is_exact else f"{results.total}+"
    return {
        "wall": percentiles(wall),
        "cpu": percentiles(cpu),
        "matches": matches,
        "hits": len(results.hits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or None,
        help="default: BENCH_DATABASE_URL, else a temporary SQLite file",
    )
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep a site built by an earlier run")
    args = parser.parse_args()

    app = open_site(args.database_url, args.articles, args.reuse)
    engine = search_engine(app).name
    print()
    print(f"engine: {engine}, {args.articles} articles, {args.repeat} searches per row, in ms")
    print(
        f"| {'shape':<17} | {'query':<22} | diacritics | {'matches':>7} |"
        " wall p50 | wall p95 | CPU p50 | CPU p95 |"
    )
    print(f"| {'-' * 17} | {'-' * 22} | --- | ---: | ---: | ---: | ---: | ---: |")
    for shape, text in QUERIES:
        page = 5 if "page 5" in shape else 1
        result = measure(app, text, args.repeat, page)
        print(
            f"| {shape:<17} | {text:<22} | {'yes' if has_diacritics(text) else 'no':<10} |"
            f" {result['matches']:>7} | {result['wall'][0]:>8.1f} | {result['wall'][1]:>8.1f} |"
            f" {result['cpu'][0]:>7.1f} | {result['cpu'][1]:>7.1f} |"
        )


if __name__ == "__main__":
    main()
