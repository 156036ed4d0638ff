"""Benchmark: how each kind of page grows from 1,000 to 100,000 articles, caches off.

``python bench/list_growth.py [--sizes 1000,100000] [--requests 30] [--database-url URL]
[--write-docs]`` builds the site of bench/big_site.py at each size (a temporary
SQLite file; also PostgreSQL when ``--database-url``/``BENCH_DATABASE_URL``
is given, after SQLite: every table of that database is dropped first), with the block cache
and the whole-page cache off (``PORTAL_CACHE_URL=none``, ``PORTAL_PAGE_CACHE=0``,
as bench/http_bench.py's "cold" runs). It then requests every kind of page in
process through ``app.test_client()`` (no HTTP, no server): the reader's home,
a category's first page and its page 500 (or its last page on a smaller site),
asked by its number (``?trang=500``) and as a reader reaches it, through the
"Trang sau" link of page 499 (``?trang=500&sau=<last article of page 499>``),
an article, a search, the feed and an article sitemap; the admin's article list
(signed in as an admin, as ``portal.testing.signed_in_client`` does), its last
page (the pager's "Trang cuối" link when there is one, else ``?page=<last>``),
the media library and a text search in the article list. Each URL is asked once
to warm up, then ``--requests`` times; the table shows the median (p50) in
milliseconds at each size and the ratio of the largest to the smallest size
(issue 12's target: at most 1.2). On SQLite every size is built first (a file
each) and the sizes are asked in turns, so both see the same load of the
machine; ``--sqlite-files 1000=a.db,100000=b.db`` measures sites built by an
earlier run instead. PostgreSQL has one database: each size is built and
measured in turn.

``--write-docs`` puts the table between ``<!-- list-growth:start -->`` and
``<!-- list-growth:end -->`` in docs/performance.md (the section is added when
missing). This is a measurement, never a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import http_bench  # noqa: E402
from big_site import build_site  # noqa: E402

from portal.testing import make_account, make_app, signed_in_client  # noqa: E402

START_MARKER = "<!-- list-growth:start -->"
END_MARKER = "<!-- list-growth:end -->"
DOCS_HEADING = "## Growth from 1k to 100k articles, caches off (bench/list_growth.py)"
DOCS_INTRO = """\
`bench/list_growth.py` builds the site of `bench/big_site.py` with 1,000 and with
100,000 articles and asks each kind of page in process (the WSGI test client, no
HTTP) with the block cache and the page cache off; the table is the median of the
requests at each size and the ratio between them (issue 12 asks for at most 1.2×).
Written by `python bench/list_growth.py --write-docs` (`make bench`)."""
SECTION_BEFORE = "## Content events per request"

DEEP_PAGE = 500
SEARCH_WORDS = "phát triển"
ADMIN_SEARCH_WORDS = "ba be"


def get(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def first_link(page: str, prefix: str) -> str:
    match = re.search(rf'href="({re.escape(prefix)}[^"?#]+)"', page)
    if match is None:
        raise SystemExit(f"no link starting with {prefix} on the home page")
    return match.group(1)


def deepest_page(client, path: str, wanted: int = DEEP_PAGE) -> int:
    """``wanted`` if the listing has that many pages, else its last page (binary search)."""

    def exists(number: int) -> bool:
        return get(client, f"{path}?trang={number}")[0] == 200

    if exists(wanted):
        return wanted
    low, high = 1, wanted  # page `low` exists, page `high` does not
    while high - low > 1:
        middle = (low + high) // 2
        if exists(middle):
            low = middle
        else:
            high = middle
    return low


def linked_page(client, path: str, number: int) -> str:
    """Page ``number`` of the listing as a reader reaches it: the "Trang sau" link of the
    page before, which names that page's last article (``?trang=N&sau=ID``)."""
    if number <= 1:
        return path
    status, page = get(client, f"{path}?trang={number - 1}")
    link = re.search(r'href="(\?[^"]*)" rel="next"', page)
    if status != 200 or link is None:
        raise SystemExit(f"{path}?trang={number - 1} has no link to page {number}")
    return path + html.unescape(link.group(1))


def article_sitemap(client) -> str:
    """``/sitemap.xml``, or the article sitemap it points to when it is an index."""
    status, text = get(client, "/sitemap.xml")
    if status != 200:
        raise SystemExit(f"/sitemap.xml answered {status}")
    if "<sitemapindex" not in text:
        return "/sitemap.xml"
    locations = re.findall(r"<loc>([^<]+)</loc>", text)
    chosen = next((loc for loc in locations if "article" in loc), locations[0])
    return urllib.parse.urlsplit(chosen).path


def admin_last_page(client) -> str:
    """The admin article list's last page: its "last" link, else ``?page=<pages>``."""
    status, page = get(client, "/admin/articles")
    if status != 200:
        raise SystemExit(f"/admin/articles answered {status}")
    link = re.search(r'<a href="([^"]+)" rel="last"', page)
    if link is not None:
        return html.unescape(link.group(1))
    pages = re.search(r"Trang 1/(\d+)", page)
    return f"/admin/articles?page={pages.group(1) if pages else 1}"


def reader_urls(client) -> list[tuple[str, str]]:
    status, home = get(client, "/")
    if status != 200:
        raise SystemExit(f"the home page answered {status}")
    category = first_link(home, "/chuyen-muc/")
    deep = deepest_page(client, category)
    return [
        ("home", "/"),
        ("category, page 1", category),
        (f"category, page {DEEP_PAGE} (or last)", f"{category}?trang={deep}"),
        (f"category, page {DEEP_PAGE} (or last), by its link", linked_page(client, category, deep)),
        ("article", first_link(home, "/bai-viet/")),
        ("search", "/tim-kiem?q=" + urllib.parse.quote_plus(SEARCH_WORDS)),
        ("feed", "/rss.xml"),
        ("sitemap page", article_sitemap(client)),
    ]


def admin_urls(client) -> list[tuple[str, str]]:
    return [
        ("admin article list", "/admin/articles"),
        ("admin article list, last page", admin_last_page(client)),
        ("admin list by title", "/admin/articles?sort=title&dir=asc"),
        ("admin list by publication", "/admin/articles?sort=published&dir=desc"),
        ("admin list by category", "/admin/articles?sort=category&dir=desc"),
        ("admin media list", "/admin/media"),
        ("admin media, unused", "/admin/media?use=unused"),
        ("admin text search", "/admin/articles?q=" + urllib.parse.quote_plus(ADMIN_SEARCH_WORDS)),
    ]


def timed(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    response.get_data()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def prepare_site(url: str | None, size: int, reuse: str | None = None):
    """(kind, path, client) of every page to measure on a site of ``size`` articles."""
    settings = {"PORTAL_CACHE_URL": "none", "PORTAL_PAGE_CACHE": False}
    if reuse:
        app = make_app(
            database_url=f"sqlite:///{reuse}",
            fresh_database=False,
            config={**settings, "PORTAL_STRICT_BLOCKS": False},
        )
    else:
        progress = lambda message: log(f"[{size}] {message}")  # noqa: E731
        app = build_site(url, size, config=settings, progress=progress)
    reader = app.test_client()
    admin = signed_in_client(app, make_account(app, "admin"))
    pages = []
    for name, path in reader_urls(reader):
        # The deep page's number differs between sizes: one row per kind of page.
        kind = name.replace(" (or last)", "")
        pages.append((kind, path, reader))
    pages += [(name, path, admin) for name, path in admin_urls(admin)]
    return pages


def measure(sites: dict[int, list], requests: int) -> dict[int, dict[str, float]]:
    """p50 of each page at each size, the sizes asked in turn (interleaved rounds).

    Taking turns puts the sizes under the same load of the machine, so their
    ratio holds even when something else runs meanwhile.
    """
    timings: dict[int, dict[str, list[float]]] = {size: {} for size in sites}
    kinds = [kind for kind, _path, _client in next(iter(sites.values()))]
    for number, kind in enumerate(kinds):
        for pages in sites.values():
            _kind, path, client = pages[number]
            timed(client, path)  # warm-up: templates, first queries
        for _round in range(requests):
            for size, pages in sites.items():
                _kind, path, client = pages[number]
                timings[size].setdefault(kind, []).append(timed(client, path))
        for size, pages in sites.items():
            log(f"[{size}] {kind:<32} {statistics.median(timings[size][kind]):8.1f} ms"
                f"  {pages[number][1]}")  # fmt: skip
    return {
        size: {kind: statistics.median(values) for kind, values in by_kind.items()}
        for size, by_kind in timings.items()
    }


def table(sizes: list[int], results: dict[int, dict[str, float]], database: str) -> str:
    small, large = sizes[0], sizes[-1]
    lines = [
        f"| page ({database}) | "
        + " | ".join(f"p50 ms at {size:,}" for size in sizes)
        + f" | {large // small}× articles: ratio |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: |",
    ]
    for kind in results[small]:
        values = [results[size].get(kind) for size in sizes]
        cells = " | ".join(f"{value:.1f}" if value is not None else "—" for value in values)
        ratio = values[-1] / values[0] if values[0] and values[-1] is not None else None
        lines.append(f"| {kind} | {cells} | {f'{ratio:.2f}' if ratio else '—'} |")
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or None,
        help="PostgreSQL (its tables are dropped); default: a temporary SQLite file per size",
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="PostgreSQL only (with --database-url)"
    )
    parser.add_argument(
        "--sqlite-files",
        default="",
        help="reuse SQLite sites built before: 1000=/path/a.db,100000=/path/b.db",
    )
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    sizes = sorted(int(size) for size in args.sizes.split(","))
    reuse = dict(item.split("=", 1) for item in args.sqlite_files.split(",") if item)
    tables = []
    if not (args.no_sqlite and args.database_url):
        # One SQLite file per size: every size is built first, then measured in turns.
        sites = {size: prepare_site(None, size, reuse.get(str(size))) for size in sizes}
        tables.append(table(sizes, measure(sites, args.requests), "SQLite"))
        print(tables[-1] + "\n", flush=True)
    if args.database_url:
        # One database: each size is built in it and measured before the next.
        results = {}
        for size in sizes:
            results.update(measure({size: prepare_site(args.database_url, size)}, args.requests))
        tables.append(table(sizes, results, "PostgreSQL"))
        print(tables[-1] + "\n", flush=True)
    section = "\n\n".join(tables)
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
