"""Benchmark: the portal over HTTP, against a Flask hello world and nginx serving a file.

Why: the other benchmarks call the app through the WSGI test client (one process,
no sockets, no server). This one measures what a reader's browser meets: the
portal served by gunicorn (2 sync workers) on 127.0.0.1 and loaded by ``wrk``
(``-t2 -c32``), next to the two ends of the scale measured the same way in the
same run: a Flask hello-world app behind the same gunicorn (the least a Flask
page can cost) and nginx serving a saved copy of the article page from a file
(what a page costs with no Python at all). Ratios to those two say how much of
a page's cost is the portal's own, whatever the machine.

What it does:

1. builds the site of ``bench/big_site.py`` (the demo site plus ``--articles``
   generated articles) in a temporary SQLite file, and in PostgreSQL when
   ``--postgres URL`` (or ``BENCH_DATABASE_URL``) is given: every table of that
   database is dropped first, and the database is created when missing; the
   database named ``test`` (the test suite's) is refused;
2. starts, per database, two gunicorns on free ports: "warm" (the default
   configuration: whole-page cache and block cache in process memory,
   ``PORTAL_CACHE_URL=memory``) and "cold" (``PORTAL_CACHE_URL=none``,
   ``PORTAL_PAGE_CACHE=0``); the hello-world app (written to a temporary file)
   under gunicorn; nginx (temporary config) serving the article page's bytes as
   saved from the portal (the gzipped ones with ``gzip_static`` for a client that
   accepts gzip: the same bytes the portal sends), and in front of the warm SQLite
   portal with the one-second micro-cache shipped in ``deploy/nginx/portal.conf``
   (the row "nginx 1 s cache");
3. finds real URLs in the site: the home page, the first category of the home
   page and its page 50 (or its last page when it has fewer), the first
   article of the home page, a search (``/tim-kiem?q=phát triển``), the feed
   ``/rss.xml`` and the article sitemap that ``/sitemap.xml`` points to;
4. warms every URL up with a short ``wrk`` run, then measures in interleaved
   rounds (hello, nginx, then every portal URL; repeated) with one
   ``wrk -t2 -c32 -d<duration>s --latency`` run per URL per round, and prints one
   markdown table: the median over the rounds of requests per second and of
   the 50th-percentile latency, and the ratios to hello world and (for the
   article) to nginx.

Requests are anonymous (no cookies) and carry ``Accept-Encoding: gzip`` as
browsers send it (``--no-gzip`` to leave it out); the table's last column says
what came back. gunicorn's sync workers close the connection after every
answer, nginx keeps it open: that is part of the difference.

Run::

    .venv/bin/python bench/http_bench.py                       # 1,000 articles, SQLite, 3 x 5 s
    .venv/bin/python bench/http_bench.py --rounds 1 --duration 2   # a quick try
    .venv/bin/python bench/http_bench.py --postgres postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/http_bench.py --articles 100000 --site-dir /tmp/big --reuse
    .venv/bin/python bench/http_bench.py --write-docs          # what `make bench` runs

Options: ``--articles N`` (1,000), ``--rounds N`` (3), ``--duration S`` (5 s per
wrk run), ``--warmup S`` (1 s per URL), ``--connections N`` (32),
``--postgres URL``, ``--site-dir DIR`` (keep the SQLite site there instead of a
temporary folder) and ``--reuse`` (use a site already built there or at
``--postgres`` when it holds as many generated articles: building 100,000 takes
a quarter of an hour), ``--no-gzip``, ``--write-docs`` (replace the figures
between ``<!-- http-bench:start -->`` and ``<!-- http-bench:end -->`` in
docs/performance.md). Needs ``wrk`` and ``nginx`` (``apt-get install -y wrk
nginx-light``; without nginx its row is left out) and gunicorn (the ``dev``
and ``server`` extras). Every process it starts is stopped when it ends, on
Ctrl-C too. This is a measurement, never a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROXY_CONFIG = ROOT / "deploy" / "nginx" / "portal.conf"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

DOCS = ROOT / "docs" / "performance.md"
START_MARKER = "<!-- http-bench:start -->"
END_MARKER = "<!-- http-bench:end -->"
DOCS_HEADING = "## HTTP throughput against hello-world (make bench)"
DOCS_INTRO = """\
`bench/http_bench.py` (in `make bench`) serves the site of `bench/big_site.py`
(1,000 generated articles; `--articles 100000` for the big one) with gunicorn,
2 sync workers on 127.0.0.1, next to a Flask hello-world app served the same way
and nginx serving a saved copy of the article page from a file (the same bytes the
portal sends: gzipped for a client that accepts gzip), and
loads each URL with `wrk -t2 -c32 --latency` in interleaved rounds (hello, nginx,
then every portal page, repeated); each row is the median over the rounds.
"Warm" is the default configuration (whole-page and block cache in process
memory), "cold" has both off (`PORTAL_CACHE_URL=none`, `PORTAL_PAGE_CACHE=0`);
requests are anonymous, without cookies. gunicorn's sync workers close the
connection after each answer while nginx keeps it open, which is part of what
the nginx ratio shows. "nginx 1 s cache" is the article through nginx with the
micro-cache of `deploy/nginx/portal.conf` ([operations](operations.md#whole-pages-and-a-caching-proxy))
in front of the warm SQLite portal.
"""
SECTION_BEFORE = "## Content events per request"

SEARCH_WORDS = "phát triển"
DEEP_PAGE = 50
WRK_THREADS = 2
GUNICORN_WORKERS = 2
NGINX_WORKERS = 2
HELLO_APP = '''\
"""A Flask hello world, the floor of what a page served by Flask and gunicorn costs."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Xin chào"
'''
NGINX_CONF = """\
daemon off;
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    gzip off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/html;
        # The article's bytes as the portal sent them: gzipped ones from article.html.gz
        # for a client that accepts gzip, the plain ones otherwise.
        location / {{ default_type "text/html; charset=utf-8"; gzip_static on; }}
    }}
    # deploy/nginx/portal.conf, the documented micro-cache, in front of the warm portal
    # on SQLite.
    include {folder}/portal.conf;
}}
"""


# --- processes ------------------------------------------------------------------------


class Processes:
    """Every server this run starts, each in a process group of its own, stopped on exit."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, command: list[str], *, log: Path, env=None, cwd=None):
        with open(log, "wb") as output:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches this script only; it stops them
            )
        self.started.append((name, process, log))
        return process

    def log_tail(self, process: subprocess.Popen) -> str:
        for _name, started, log in self.started:
            if started is process:
                return "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        return ""

    def stop_all(self) -> None:
        while self.started:
            _name, process, _log = self.started.pop()
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen) -> None:
    """TERM the group the process leads (gunicorn's workers, nginx's), KILL it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, processes: Processes) -> None:
    """Poll ``url`` until it answers at all; fail with the server's log if it died."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited:\n{processes.log_tail(process)}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if not 200
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within 60 s:\n{processes.log_tail(process)}")


def gunicorn_command(app: str, port: int, chdir: Path) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "-w", str(GUNICORN_WORKERS)]
    command += ["-b", f"127.0.0.1:{port}", "--chdir", str(chdir)]
    if gunicorn_has_control_socket():
        command.append("--no-control-socket")  # gunicorn 24+ would make ~/.gunicorn/
    return [*command, app]


_CONTROL_SOCKET: list[bool] = []


def gunicorn_has_control_socket() -> bool:
    if not _CONTROL_SOCKET:
        help_text = subprocess.run(
            [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True
        ).stdout
        _CONTROL_SOCKET.append("--no-control-socket" in help_text)
    return _CONTROL_SOCKET[0]


def clean_environment() -> dict[str, str]:
    """This environment without the portal's settings: each server gets exactly its own."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PORTAL_") and key != "DATABASE_URL"
    }


# --- the sites ------------------------------------------------------------------------


@dataclass
class Site:
    """A built site: its database, its instance folder, and the servers serving it."""

    database: str  # "SQLite" or "PostgreSQL"
    url: str  # SQLAlchemy-style URL of the database
    instance: Path
    servers: dict[str, str] = field(default_factory=dict)  # mode -> base URL
    pages: list[tuple[str, str]] = field(default_factory=list)  # (name, path)
    masters: dict[str, int] = field(default_factory=dict)  # mode -> gunicorn master's pid


def count_generated_articles(url: str) -> int:
    """How many of big_site's articles (``external_id`` "bench:N") the database holds."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from portal.config import database_uri

    engine = create_engine(database_uri(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            query = "SELECT count(*) FROM articles WHERE external_id LIKE 'bench:%'"
            return connection.execute(text(query)).scalar() or 0
    except Exception:  # no database, no table: nothing built there
        return 0
    finally:
        engine.dispose()


@contextlib.contextmanager
def build_progress(url: str, total: int):
    """A progress bar of the articles written so far, read from a connection of its own.

    Yields the function to print a message without mixing it into the bar.
    """
    finished = threading.Event()
    started = time.monotonic()
    tty = sys.stderr.isatty()
    screen = threading.Lock()

    def say(message: str) -> None:
        with screen:
            print(("\r\x1b[K" if tty else "") + message, file=sys.stderr, flush=True)

    def show() -> None:
        last_line = 0.0
        while not finished.wait(1.0):
            done = min(total, count_generated_articles(url))
            elapsed = time.monotonic() - started
            filled = int(30 * done / max(total, 1))
            bar = f"  [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} articles, {elapsed:.0f} s"
            if tty:
                with screen:
                    print(f"\r\x1b[K{bar}", end="", file=sys.stderr, flush=True)
            elif elapsed - last_line >= 10:
                say(bar)
                last_line = elapsed

    ticker = threading.Thread(target=show, daemon=True)
    ticker.start()
    try:
        yield say
    finally:
        finished.set()
        ticker.join()
        if tty:
            with screen:
                print("\r\x1b[K", end="", file=sys.stderr, flush=True)


def without_password(url: str) -> str:
    """The URL to print: a PostgreSQL password never reaches the terminal or a log."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_or_reuse_site(site: Site, articles: int, reuse: bool) -> None:
    """Build the demo site plus ``articles`` generated ones, unless ``reuse`` finds it built."""
    if reuse and count_generated_articles(site.url) == articles:
        log(
            f"{site.database}: reusing the site with {articles:,} articles at {without_password(site.url)}"
        )
        return
    from big_site import build_site

    from portal.extensions import db

    log(
        f"{site.database}: building the demo site and {articles:,} articles ({without_password(site.url)})"
    )
    with build_progress(site.url, articles) as say:
        app = build_site(
            site.url,
            articles,
            config={"INSTANCE_PATH": str(site.instance)},
            progress=lambda message: say(f"  {message}"),
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # no connection of the builder stays open during the runs


def ensure_postgres_database(url: str) -> None:
    """Create the database of ``url`` when missing; never touch the test suite's databases."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database or ""
    if name == "test" or re.fullmatch(r"test_gw\d+", name):
        raise SystemExit(f"refusing the database {name!r}: it is the test suite's; use e.g. /bench")
    server = target.set(drivername="postgresql", database="postgres")
    conninfo = server.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            log(f"PostgreSQL: creating the database {name}")
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def start_portal(site: Site, mode: str, processes: Processes, run_dir: Path) -> None:
    """Serve the site with gunicorn in one cache mode; remember its base URL."""
    port = free_port()
    env = clean_environment()
    env["PORTAL_INSTANCE_PATH"] = str(site.instance)
    if site.database != "SQLite":
        env["DATABASE_URL"] = site.url
    if mode == "cold":
        env.update(PORTAL_CACHE_URL="none", PORTAL_PAGE_CACHE="0")
    else:
        env["PORTAL_CACHE_URL"] = "memory"
    log_file = run_dir / f"gunicorn-{site.database.lower()}-{mode}.log"
    process = processes.start(
        f"portal {site.database} {mode}",
        gunicorn_command("wsgi:app", port, ROOT),
        log=log_file,
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + "/", process, processes)
    site.servers[mode] = base
    site.masters[mode] = process.pid


def workers_resident_mb(master: int) -> float:
    """The largest resident set (VmRSS) among the gunicorn master's worker processes, in MB.

    Read after the measuring rounds, when every worker has served every URL many
    times: issue 12 asks for at most 80 MB per worker at 100,000 articles.
    """
    largest = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            if int(fields.get("PPid", "0")) == master and "VmRSS" in fields:
                largest = max(largest, int(fields["VmRSS"].split()[0]))
    return largest / 1024


def resident_memory_line(sites: list[Site]) -> str:
    """One sentence: each portal server's largest worker RSS after the rounds."""
    parts = [
        f"{site.database} {mode} {workers_resident_mb(pid):.0f} MB"
        for site in sites
        for mode, pid in site.masters.items()
    ]
    return "Largest worker resident memory (VmRSS) after the rounds: " + ", ".join(parts) + "."


def start_hello(processes: Processes, run_dir: Path) -> str:
    folder = run_dir / "hello"
    folder.mkdir()
    (folder / "hello_app.py").write_text(HELLO_APP, encoding="utf-8")
    port = free_port()
    process = processes.start(
        "hello",
        gunicorn_command("hello_app:app", port, folder),
        log=run_dir / "gunicorn-hello.log",
        env=clean_environment(),
        cwd=folder,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + "/", process, processes)
    return base + "/"


def start_nginx(
    article_html: bytes,
    article_gzip: bytes | None,
    backend: str,
    processes: Processes,
    run_dir: Path,
) -> tuple[str, str] | None:
    """Serve the saved article page from a file, and the portal at ``backend`` through the
    documented micro-cache: (the file's URL, the proxy's base URL); None without nginx."""
    nginx = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
    )
    if nginx is None:
        log("nginx not found (apt-get install -y nginx-light): its row is left out")
        return None
    folder = run_dir / "nginx"
    (folder / "html").mkdir(parents=True)
    (folder / "html" / "article.html").write_bytes(article_html)
    if article_gzip is not None:
        (folder / "html" / "article.html.gz").write_bytes(article_gzip)
    # nginx's workers may run as another user (root's drop to nobody): let them read the page.
    run_dir.chmod(0o711)
    folder.chmod(0o711)
    (folder / "html").chmod(0o755)
    for saved in (folder / "html").iterdir():
        saved.chmod(0o644)
    port, proxy_port = free_port(), free_port()
    backend_port = int(backend.rsplit(":", 1)[1].strip("/"))
    config = folder / "nginx.conf"
    config.write_text(
        NGINX_CONF.format(
            workers=NGINX_WORKERS,
            folder=folder,
            port=port,
        ),
        encoding="utf-8",
    )
    (folder / "portal.conf").write_text(
        shipped_proxy_config(folder, proxy_port, backend_port), encoding="utf-8"
    )
    process = processes.start(
        "nginx",
        [nginx, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config)],
        log=run_dir / "nginx.log",
    )
    url = f"http://127.0.0.1:{port}/article.html"
    wait_until_serving(url, process, processes)
    return url, f"http://127.0.0.1:{proxy_port}"


def shipped_proxy_config(folder: Path, proxy_port: int, backend_port: int) -> str:
    """deploy/nginx/portal.conf as shipped, pointed at this run's ports and folder."""
    text = PROXY_CONFIG.read_text(encoding="utf-8")
    for shipped, here in (
        ("listen 80;", f"listen 127.0.0.1:{proxy_port};"),
        ("http://127.0.0.1:8000", f"http://127.0.0.1:{backend_port}"),
        ("/var/cache/nginx/portal", str(folder / "cache")),
    ):
        if shipped not in text:
            raise SystemExit(f"{PROXY_CONFIG} no longer says {shipped!r}: update this bench")
        text = text.replace(shipped, here)
    return text


# --- finding the pages ----------------------------------------------------------------


def http_get(url: str, *, gzip: bool = False, timeout: float = 120) -> tuple[int, dict, bytes]:
    """(status, headers, body) of an anonymous GET, without following anything."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def first_link(html: str, prefix: str) -> str:
    match = re.search(rf'href="({re.escape(prefix)}[^"?#]+)"', html)
    if match is None:
        raise SystemExit(f"no link starting with {prefix} on the home page")
    return match.group(1)


def deepest_page(base: str, path: str, wanted: int = DEEP_PAGE) -> int:
    """``wanted`` if the listing has that many pages, else its last page (binary search)."""

    def exists(number: int) -> bool:
        return http_get(f"{base}{path}?trang={number}")[0] == 200

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


def article_sitemap(base: str) -> str:
    """``/sitemap.xml``, or the article sitemap it points to when it is an index."""
    status, _headers, body = http_get(base + "/sitemap.xml")
    if status != 200:
        raise SystemExit(f"/sitemap.xml answered {status}")
    text = body.decode("utf-8", errors="replace")
    if "<sitemapindex" not in text:
        return "/sitemap.xml"
    locations = re.findall(r"<loc>([^<]+)</loc>", text)
    chosen = next((loc for loc in locations if "article" in loc), locations[0])
    return urllib.parse.urlsplit(chosen).path


def find_pages(base: str) -> list[tuple[str, str]]:
    """(name, path) of the pages to measure, read from the site itself."""
    status, _headers, body = http_get(base + "/")
    if status != 200:
        raise SystemExit(f"the home page answered {status}")
    home = body.decode("utf-8", errors="replace")
    category = first_link(home, "/chuyen-muc/")
    article = first_link(home, "/bai-viet/")
    deep = deepest_page(base, category)
    return [
        ("home", "/"),
        ("category, page 1", category),
        (f"category, page {deep}", f"{category}?trang={deep}"),
        ("article", article),
        ("search", "/tim-kiem?q=" + urllib.parse.quote_plus(SEARCH_WORDS)),
        ("feed", "/rss.xml"),
        ("sitemap page", article_sitemap(base)),
    ]


def describe_answer(url: str, gzip: bool) -> str:
    """What ``url`` answers to the benchmark's headers: status, encoding, size."""
    status, headers, body = http_get(url, gzip=gzip)
    encoding = headers.get("Content-Encoding", "identity")
    return f"{status} {encoding} {format_size(len(body))}"


# --- measuring ------------------------------------------------------------------------


@dataclass
class Target:
    """One row of the table: a URL on one server, and what each round measured."""

    page: str
    mode: str
    database: str
    url: str
    answer: str = ""
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def median_rps(self) -> float:
        return statistics.median(self.rps) if self.rps else 0.0

    @property
    def median_p50(self) -> float:
        return statistics.median(self.p50_ms) if self.p50_ms else 0.0


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    errors: str  # "" when every answer was 2xx/3xx and no socket error happened


LATENCY_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Requests/sec, the 50 % latency (ms) and any errors from ``wrk --latency`` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    if rps is None:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{output}")
    errors = []
    socket_errors = re.search(r"Socket errors: (.+)", output)
    if socket_errors:
        errors.append("socket errors: " + socket_errors.group(1).strip())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors.append(f"{non_2xx.group(1)} non-2xx/3xx")
    p50_ms = float(p50.group(1)) * LATENCY_UNITS_MS[p50.group(2)] if p50 else float("nan")
    return WrkResult(float(rps.group(1)), p50_ms, "; ".join(errors))


def run_wrk(url: str, seconds: int, connections: int, gzip: bool) -> WrkResult:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "30s"]
    if gzip:
        command += ["-H", "Accept-Encoding: gzip"]
    finished = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 120
    )
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}:\n{finished.stdout}{finished.stderr}")
    return parse_wrk(finished.stdout)


def measure_in_rounds(targets: list[Target], args) -> None:
    """Warm every URL up, then one wrk run per target per round, in the same order each round."""
    for target in targets:
        log(f"warm-up {args.warmup} s: {target.page} ({target.mode} {target.database})")
        run_wrk(target.url, args.warmup, args.connections, not args.no_gzip)
    for round_number in range(1, args.rounds + 1):
        for target in targets:
            result = run_wrk(target.url, args.duration, args.connections, not args.no_gzip)
            target.rps.append(result.rps)
            target.p50_ms.append(result.p50_ms)
            if result.errors:
                target.errors.append(result.errors)
            log(
                f"round {round_number}/{args.rounds}: {target.page:<20} {target.mode:<5}"
                f" {target.database:<10} {result.rps:>9.1f} req/s  p50 {result.p50_ms:.2f} ms"
                + (f"  ({result.errors})" if result.errors else "")
            )


# --- reporting ------------------------------------------------------------------------


def format_rps(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def format_ratio(value: float) -> str:
    """Two decimals, or two significant digits below 0.1 (a cold page is 0.0014 of nginx)."""
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def format_size(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"


def markdown_table(targets: list[Target], hello: Target, nginx: Target | None) -> str:
    lines = [
        "| page | mode | database | req/s | p50 ms | × hello req/s | × nginx file req/s | answer |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for target in targets:
        versus_hello = target.median_rps / hello.median_rps if hello.median_rps else 0.0
        versus_nginx = ""
        if nginx is not None and nginx.median_rps and target.page in ("article", nginx.page):
            versus_nginx = format_ratio(target.median_rps / nginx.median_rps)
        answer = target.answer
        if target.errors:
            answer += f"; {len(target.errors)} run(s) with errors: {target.errors[-1]}"
        lines.append(
            f"| {target.page} | {target.mode} | {target.database} |"
            f" {format_rps(target.median_rps)} | {target.median_p50:.2f} |"
            f" {format_ratio(versus_hello)} | {versus_nginx} | {answer} |"
        )
    return "\n".join(lines)


def command_output(command: list[str]) -> str:
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError:
        return "?"
    lines = (finished.stdout + finished.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def machine_facts(sites: list[Site]) -> str:
    """One sentence of what the figures depend on: cores, versions, load."""
    nproc = command_output(["nproc"])
    versions = [
        f"{nproc} cores (`nproc`){cpu_model()}",
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    for site in sites:
        if site.database == "PostgreSQL":
            versions.append(f"PostgreSQL {postgres_version(site.url)} on 127.0.0.1")
    gunicorn = command_output([sys.executable, "-m", "gunicorn", "--version"])
    versions.append(re.sub(r"\(version (.+)\)", r"\1", gunicorn))
    versions.append(command_output(["wrk", "-v"]).split(" [")[0])
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    versions.append(command_output([nginx, "-v"]).replace("nginx version: ", ""))
    return ", ".join(versions)


def cpu_model() -> str:
    """ ", Intel(R) Xeon(R) ..." from /proc/cpuinfo, or nothing where there is none."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return ", " + " ".join(line.split(":", 1)[1].split())
    return ""


def postgres_version(url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from portal.config import database_uri

    engine = create_engine(database_uri(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar()).split(" ")[0]
    finally:
        engine.dispose()


def report(targets, hello, nginx, sites, args, load_before: float) -> str:
    """The generated part of the docs section: date, machine, settings, the table, the URLs."""
    load_after = os.getloadavg()[0]
    headers = "no `Accept-Encoding`" if args.no_gzip else "`Accept-Encoding: gzip`"
    lines = [
        f"Figures of {dt.date.today().isoformat()}: {machine_facts(sites)}; "
        f"load average {load_before:.2f} before the run, {load_after:.2f} after.",
        f"{args.articles:,} generated articles plus the demo; "
        f"`wrk -t{WRK_THREADS} -c{args.connections} -d{args.duration}s --latency`, "
        f"{args.rounds} round{'s' if args.rounds != 1 else ''}, median over the rounds; "
        f"anonymous requests (no cookies) with {headers} on every run.",
        "",
        markdown_table(targets, hello, nginx),
        "",
        resident_memory_line(sites),
        "",
        "URLs: "
        + "; ".join(f"{name} `{path}`" for name, path in sites[0].pages if name not in ("home",))
        + ".",
    ]
    return "\n".join(lines)


def write_docs(
    section: str,
    *,
    start: str = START_MARKER,
    end: str = END_MARKER,
    heading: str = DOCS_HEADING,
    intro: str = DOCS_INTRO,
    before: str = SECTION_BEFORE,
) -> None:
    """Put ``section`` between the markers in docs/performance.md (adding them if missing).

    Other benchmarks keep their own sections the same way, with their own markers.
    """
    text = DOCS.read_text(encoding="utf-8")
    block = f"{start}\n{section}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _old, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        new = f"{heading}\n\n{intro}\n{block}\n\n"
        if before in text:
            text = text.replace(before, new + before, 1)
        else:
            text = text.rstrip("\n") + "\n\n" + new.rstrip("\n") + "\n"
    DOCS.write_text(text, encoding="utf-8")
    log(f"wrote the figures into {DOCS.relative_to(ROOT)}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the run --------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of wrk per URL first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL") or None,
        help="also PostgreSQL at this URL (default: BENCH_DATABASE_URL); its tables are dropped",
    )
    parser.add_argument("--site-dir", type=Path, help="keep the SQLite site here (default: temp)")
    parser.add_argument(
        "--reuse", action="store_true", help="use a site already built with as many articles"
    )
    parser.add_argument("--no-gzip", action="store_true", help="send no Accept-Encoding")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    return parser.parse_args()


def stop_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C does: through the ``finally`` that stops the servers."""

    def handler(_signum, _frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, handler)


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")


def prepare_sites(args, run_dir: Path) -> list[Site]:
    site_dir = args.site_dir.resolve() if args.site_dir else run_dir / "sqlite"
    sqlite_instance = site_dir / "instance"
    sqlite_instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    sites = [Site("SQLite", f"sqlite:///{sqlite_instance / 'portal.db'}", sqlite_instance)]
    if args.postgres:
        ensure_postgres_database(args.postgres)
        postgres_instance = run_dir / "postgres-instance"
        postgres_instance.mkdir(mode=0o700)
        sites.append(Site("PostgreSQL", args.postgres, postgres_instance))
    for site in sites:
        build_or_reuse_site(site, args.articles, args.reuse)
    return sites


def main() -> None:
    args = parse_arguments()
    require_wrk()
    stop_on_sigterm()
    load_before = os.getloadavg()[0]
    run_dir = Path(tempfile.mkdtemp(prefix="portal-http-bench-"))
    processes = Processes()
    try:
        sites = prepare_sites(args, run_dir)
        log("starting the servers")
        hello_url = start_hello(processes, run_dir)
        for site in sites:
            for mode in ("warm", "cold"):
                start_portal(site, mode, processes, run_dir)
            site.pages = find_pages(site.servers["cold"])
        article_path = dict(sites[0].pages)["article"]
        article_url = sites[0].servers["cold"] + article_path
        _status, _headers, article_html = http_get(article_url)
        _status, _headers, article_gzip = http_get(article_url, gzip=True)
        started = start_nginx(
            article_html,
            None if args.no_gzip else article_gzip,
            sites[0].servers["warm"],
            processes,
            run_dir,
        )
        nginx_url, proxy_url = started if started else (None, None)

        gzip = not args.no_gzip
        hello = Target("Flask hello world", "—", "—", hello_url)
        nginx = Target("nginx, article from a file", "—", "—", nginx_url) if nginx_url else None
        portal_targets = [
            Target(name, mode, site.database, site.servers[mode] + path)
            for site in sites
            for mode in ("warm", "cold")
            for name, path in site.pages
        ]
        if proxy_url:
            portal_targets.append(
                Target("article", "nginx 1 s cache", sites[0].database, proxy_url + article_path)
            )
        targets = [hello, *([nginx] if nginx else []), *portal_targets]
        for target in targets:
            target.answer = describe_answer(target.url, gzip)
            if not target.answer.startswith("200 "):
                raise SystemExit(f"{target.url} answered {target.answer}")
        measure_in_rounds(targets, args)
        section = report(targets, hello, nginx, sites, args, load_before)
        print()
        print(section)
        if args.write_docs:
            write_docs(section)
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        raise SystemExit(130) from None
    finally:
        processes.stop_all()
        shutil.rmtree(run_dir, ignore_errors=True)  # --site-dir is elsewhere and kept


if __name__ == "__main__":
    main()
