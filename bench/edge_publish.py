"""Benchmark: how long after an editor saves does a reader see the change through nginx?

The demo site is served by gunicorn (2 workers, Redis cache) behind nginx with the
documented configuration (deploy/nginx/portal.conf). A reader keeps the article page
and the home page hot through nginx. This process, as an editor would through the
admin, retitles the article through the content layer on the same database; from
the moment the save starts, the article and the home page are read through nginx
every 5 ms, from another thread, until both show the new title. Two set-ups, interleaved:

* **purged by URL**: deploy/nginx/purge.conf (ngx_cache_purge) included, the
  portal with ``PORTAL_EDGE_PURGE_STYLE=urls``: the content event drops the pages
  at nginx as it is delivered;
* **1 s micro-cache only**: the same nginx without purge.conf; the page shows when
  nginx's copy expires (it counts whole seconds: up to two).

Needs nginx, Debian's libnginx-mod-http-cache-purge, gunicorn and Redis at
``--redis-url``. ``--write-docs`` puts the table in docs/performance.md.

    python bench/edge_publish.py [--rounds 10] [--write-docs]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from http_bench import (  # noqa: E402
    ROOT,
    Processes,
    clean_environment,
    free_port,
    gunicorn_command,
    shipped_proxy_config,
    wait_until_serving,
    write_docs,
)

PURGE_CONF = ROOT / "deploy" / "nginx" / "purge.conf"
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")
ARTICLE = "/bai-viet/8-chu-dong-phong-chong-ret-cho-nguoi-va-vat-nuoi-trong-mua-dong"
ARTICLE_ID = 8
START_MARKER = "<!-- edge-publish:start -->"
END_MARKER = "<!-- edge-publish:end -->"
DOCS_HEADING = "## A publish seen through nginx (bench/edge_publish.py)"
DOCS_INTRO = (
    "From the start of an editor's save to the first reader request through nginx that\n"
    "shows the change, for the article and the home page listing it (demo site, SQLite,\n"
    "gunicorn 2 workers, Redis cache, nginx with `deploy/nginx/portal.conf`; readers poll\n"
    "every 5 ms). *Purged by URL* adds `deploy/nginx/purge.conf` (ngx_cache_purge) and\n"
    "`PORTAL_EDGE_PURGE_STYLE=urls`; *1 s micro-cache only* is the same nginx without it.\n"
)
MAIN_CONF = """\
{load_module}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/portal.conf;
}}
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def body_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.read().decode("utf-8")


class Setup:
    """One portal behind one nginx, purged by URL or not."""

    def __init__(self, name: str, purged: bool, work: Path, redis_url: str) -> None:
        self.name = name
        self.purged = purged
        self.folder = work / name.replace(" ", "-")
        self.folder.mkdir()
        self.proxy_port = free_port()
        self.portal_port = free_port()
        self.proxy = f"http://127.0.0.1:{self.proxy_port}"
        self.settings = {
            "PORTAL_INSTANCE_PATH": str(work / "instance"),
            "PORTAL_CACHE_URL": redis_url,
            "PORTAL_CACHE_PREFIX": f"edge-bench-{self.folder.name}:",
            "PORTAL_BASE_URL": self.proxy,
        }
        if purged:
            self.settings |= {
                "PORTAL_EDGE_PURGE_URLS": f"{self.proxy}/_purge",
                "PORTAL_EDGE_PURGE_STYLE": "urls",
            }

    def start(self, processes: Processes, nginx: str) -> None:
        env = clean_environment() | self.settings
        portal = processes.start(
            f"portal ({self.name})",
            gunicorn_command("wsgi:app", self.portal_port, ROOT),
            log=self.folder / "gunicorn.log",
            env=env,
            cwd=ROOT,
        )
        wait_until_serving(f"http://127.0.0.1:{self.portal_port}/", portal, processes)
        conf = shipped_proxy_config(self.folder, self.proxy_port, self.portal_port)
        (self.folder / "portal.conf").write_text(conf, encoding="utf-8")
        load = ""
        if self.purged:
            (self.folder / "portal-purge.d").mkdir()
            shutil.copy(PURGE_CONF, self.folder / "portal-purge.d" / "purge.conf")
            load = f"load_module {PURGE_MODULE};"
        user = "user root;" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(
            MAIN_CONF.format(load_module=load, folder=self.folder) + user + "\n", encoding="utf-8"
        )
        proxy = processes.start(
            f"nginx ({self.name})",
            [
                nginx,
                "-p",
                str(self.folder),
                "-e",
                str(self.folder / "error.log"),
                "-c",
                str(self.folder / "nginx.conf"),
            ],  # fmt: skip
            log=self.folder / "nginx.log",
        )
        wait_until_serving(self.proxy + "/", proxy, processes)

    def seconds_until_seen(self, title: str) -> float:
        """Retitle the article as an editor; seconds until both pages show it through nginx."""
        from portal.content import articles
        from portal.content.unit_of_work import Actor, unit_of_work
        from portal.extensions import db
        from portal.models import Article, User

        for path in (ARTICLE, "/"):  # hot at nginx, as on a busy site
            body_of(self.proxy + path)
            body_of(self.proxy + path)
        app = self.app()
        with app.app_context():
            editor_id = db.session.scalar(db.select(User.id).where(User.role == "admin"))
        seen: list[float] = []
        start = time.perf_counter()
        reader = threading.Thread(target=self._read_until, args=(title, start, seen))
        reader.start()  # readers keep asking while the editor's save is under way
        with app.app_context():
            editor = db.session.get(User, editor_id)
            article = db.session.get(Article, ARTICLE_ID)
            with unit_of_work(Actor.of_user(editor)):
                articles.save_article(
                    article, {"title": title}, editor, expected_version=article.version
                )
        reader.join()
        if not seen:
            raise SystemExit(f"{self.name}: the new title never showed through nginx")
        return seen[0]

    def _read_until(self, title: str, start: float, seen: list[float]) -> None:
        waiting = {ARTICLE, "/"}
        while waiting and time.perf_counter() - start < 30:
            waiting = {path for path in waiting if title not in body_of(self.proxy + path)}
            if waiting:
                time.sleep(0.005)
        if not waiting:
            seen.append(time.perf_counter() - start)

    _app = None

    def app(self):
        if self._app is None:
            saved = dict(os.environ)
            os.environ.update(self.settings)
            try:
                from portal.app import create_app

                self._app = create_app()
            finally:
                os.environ.clear()
                os.environ.update(saved)
        return self._app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx or not PURGE_MODULE.exists():
        raise SystemExit("needs nginx and ngx_cache_purge: apt-get install nginx-light "
                         "libnginx-mod-http-cache-purge")  # fmt: skip
    processes = Processes()
    with tempfile.TemporaryDirectory(prefix="edge-bench-") as temporary:
        work = Path(temporary)
        work.chmod(0o711)  # nginx's workers read their folders as another user
        log("Building the demo site (SQLite) ...")
        env = clean_environment() | {"PORTAL_INSTANCE_PATH": str(work / "instance")}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi", "portal"]
        subprocess.run([*flask, "setup"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run(
            [
                *flask,
                "create-user",
                "--email",
                "bench@example.vn",
                "--name",
                "Bench",
                "--role",
                "admin",
                "--password",
                "mat-khau-bench-1",
            ],  # fmt: skip
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        setups = [
            Setup("purged by URL", True, work, args.redis_url),
            Setup("1 s micro-cache only", False, work, args.redis_url),
        ]
        try:
            for setup in setups:
                setup.start(processes, nginx)
            seen: dict[str, list[float]] = {setup.name: [] for setup in setups}
            for number in range(args.rounds):
                for setup in setups:
                    took = setup.seconds_until_seen(f"Tin mới số {number} ({setup.name})")
                    seen[setup.name].append(took)
                    log(f"round {number + 1}: {setup.name}: {took * 1000:.0f} ms")
                    time.sleep(0.3)
        finally:
            processes.stop_all()
    lines = [
        "| nginx set-up | p50 (ms) | max (ms) | rounds |",
        "|---|---:|---:|---:|",
    ]
    for name, times in seen.items():
        lines.append(
            f"| {name} | {statistics.median(times) * 1000:.0f} | {max(times) * 1000:.0f} "
            f"| {len(times)} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        write_docs(
            table,
            start=START_MARKER,
            end=END_MARKER,
            heading=DOCS_HEADING,
            intro=DOCS_INTRO,
            before="## Content events per request",
        )


if __name__ == "__main__":
    main()
