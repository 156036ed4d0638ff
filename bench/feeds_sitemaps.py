"""Benchmark: time and peak memory of the sitemaps and the RSS feed at 1k, 10k and 100k articles.

``python bench/feeds_sitemaps.py [--sizes 1000,10000,100000] [--database-url URL]``
builds the site of bench/big_site.py at each size (a temporary SQLite file by
default; ``--database-url``/``BENCH_DATABASE_URL`` for PostgreSQL, whose tables
are dropped first), then requests ``/sitemap.xml``, ``/sitemap-articles-1.xml``
and ``/rss.xml`` through the WSGI test client, reading the body chunk by chunk
without keeping it (as a server writing to a socket would). For each it prints
the median time of ``--repeat`` requests, the size of the answer and the peak
of Python memory allocated while answering (tracemalloc, measured on one extra
request). A URL that answers 404 (its feature is not merged in this checkout)
is skipped. Memory that does not grow from 10k to 100k articles shows the
answer is streamed from the database, not built from every article at once.
This is a measurement, never a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from big_site import build_site  # noqa: E402

URLS = ("/sitemap.xml", "/sitemap-articles-1.xml", "/rss.xml")


def fetch(client, url: str) -> tuple[int, int]:
    """(status, bytes) of one request, reading the body without keeping it."""
    response = client.get(url, buffered=False)
    size = 0
    try:
        for chunk in response.response:
            size += len(chunk)
    finally:
        response.close()
    return response.status_code, size


def measure(app, url: str, repeat: int) -> dict | None:
    client = app.test_client()
    status, size = fetch(client, url)  # warm-up (templates, first queries)
    if status == 404:
        return None
    if status != 200:
        raise SystemExit(f"{url} answered {status}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch(client, url)
        timings.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    fetch(client, url)
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return {"ms": statistics.median(timings), "bytes": size, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or None,
        help="default: BENCH_DATABASE_URL, else a temporary SQLite file per size",
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        app = build_site(args.database_url, size, index=False, progress=print)
        for url in URLS:
            result = measure(app, url, args.repeat)
            if result is None:
                print(f"{url}: 404 (not in this checkout), skipped")
                continue
            rows.append((size, url, result))
    print()
    print("| articles | URL | median ms | answer KB | peak memory KB |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size, url, result in rows:
        print(
            f"| {size} | {url} | {result['ms']:.1f} | {result['bytes'] / 1024:.1f} |"
            f" {result['peak'] / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
