"""``/healthz`` and ``/readyz``: what a load balancer or an orchestrator asks a server.

* ``/healthz``: the process is alive and answers. No query, no cache, no file:
  a restart is the cure only when this fails.
* ``/readyz``: the server can do its work: the database answers, the media and
  attachment storage (folders or S3 bucket) take a file, and the schema (the core's and each loaded
  plugin's migrations) is at its newest revision. Any of those failing gives a
  503, so the balancer sends readers elsewhere. The cache is reported too, but
  a Redis away never makes a server unready: every server would be in the same
  state, and pages are served without it (:mod:`portal.redis_guard`).

Both are answered by :class:`HealthMiddleware`, the outermost WSGI layer:
outside the page routes (the catch-all page route would answer ``/healthz``
with a 404 after a query), ahead of the host check (a balancer asks by the
server's address) and of every request hook (sessions, content events: work
and queries a probe must not cause), never kept by any cache. ``/readyz``
answers JSON, ``/healthz`` text. Reading the migration state does not load
Alembic into a worker: the revisions are read from the migration files'
``revision`` / ``down_revision`` lines and the database's version tables.
"""

from __future__ import annotations

import json
import re
import time
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, text

from portal.cache import MemoryBackend, NullBackend, cache_for
from portal.extensions import db
from portal.metrics import ROUTE_KIND
from portal.text import first_line

PATHS = ("/healthz", "/readyz")
_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(.+)$", re.M)


class HealthMiddleware:
    """Answer ``/healthz`` and ``/readyz`` before anything else runs."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if path not in PATHS or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        environ[ROUTE_KIND] = "health"
        if path == "/healthz":
            status, body, kind = "200 OK", b"ok\n", "text/plain; charset=utf-8"
        else:
            with self.app.app_context():
                ready, report = readiness()
            status = "200 OK" if ready else "503 Service Unavailable"
            body, kind = json.dumps(report, ensure_ascii=False).encode(), "application/json"
        start_response(
            status,
            [
                ("Content-Type", kind),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]


def install(app: Flask) -> None:
    """Make the probes the outermost WSGI layer; call after every other middleware."""
    app.wsgi_app = HealthMiddleware(app, app.wsgi_app)


def readiness() -> tuple[bool, dict]:
    """(ready, the report ``/readyz`` answers)."""
    started = time.monotonic()
    checks = {
        "database": _check(_database),
        "storage": _check(_storage),
        "migrations": _check(_migrations),
        "cache": _check(_cache),
    }
    ready = all(checks[name]["ok"] for name in ("database", "storage", "migrations"))
    took = round((time.monotonic() - started) * 1000, 1)
    return ready, {"ready": ready, "checks": checks, "took_ms": took}


def _check(probe) -> dict:
    try:
        detail = probe()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return {"ok": False, "detail": f"{type(exc).__name__}: {first_line(exc)}"[:300]}
    return {"ok": True, "detail": detail}


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.remove()
    return db.engine.dialect.name


def _storage() -> str:
    """Each file area takes a file: written, read back by the store, removed."""
    from portal.storage import storages

    return ", ".join(storage.probe() for storage in storages().values())


def _migrations() -> str:
    """The core and every loaded plugin with migrations at their newest revision."""
    from portal.app import MIGRATIONS_DIR
    from portal.plugin_data import loaded_plugin_objects, migrations_of

    areas = {"core": (MIGRATIONS_DIR / "versions", "alembic_version")}
    for name, plugin in loaded_plugin_objects(current_app).items():
        migrations = migrations_of(name, plugin)
        if migrations is not None:
            areas[name] = (migrations.directory, migrations.version_table)
    behind = []
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        for name, (folder, table) in areas.items():
            current = set()
            if table in tables:
                current = set(connection.scalars(text(f'SELECT version_num FROM "{table}"')))
            if current != file_heads(str(folder)):
                behind.append(f"{name} at {sorted(current) or 'nothing'}")
    if behind:
        raise RuntimeError("not at the newest revision: " + "; ".join(behind))
    return f"{len(areas)} at head"


@lru_cache(maxsize=64)
def file_heads(folder: str) -> frozenset[str]:
    """The head revisions of the migration files in ``folder`` (read once per process)."""
    revisions, replaced = set(), set()
    for path in Path(folder).glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        if revision is None:
            continue
        revisions.add(revision.group(1))
        down = _DOWN_REVISION.search(source)
        if down is not None:
            replaced.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return frozenset(revisions - replaced)


def _cache() -> str:
    cache = cache_for(current_app)
    if isinstance(cache, NullBackend):
        return "off"
    if isinstance(cache, MemoryBackend):
        return "in process"
    from portal.cache import guarded_redis

    guard = guarded_redis(current_app)
    guard.call(lambda client: client.ping())
    return f"redis at {guard.where}"
