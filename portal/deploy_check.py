"""``portal check --deploy``: what a production site still gets wrong, each with its fix.

In the spirit of Django's ``check --deploy``: the embedded defaults are made
for ``make run`` on one machine (http, SQLite, in-process cache, the
machine's own host names); a public site needs other values, and forgetting
one is silent until it hurts. Each check looks at the app's settings and the
instance files only (no database or network round trip) and returns
:class:`Problem` rows with the setting to change.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.engine import make_url

from portal.config import DEFAULTS
from portal.hosts import base_url, trusted_hosts
from portal.owner_only import open_paths
from portal.web.security import hsts_header

#: A secret key shorter than this, or with fewer different characters, is guessable.
MIN_SECRET_LENGTH = 32
MIN_SECRET_CHARACTERS = 10
GENERATE_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"


@dataclass(frozen=True)
class Problem:
    """One thing to fix: which check found it, what is wrong, and how to fix it."""

    check: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}. Fix: {self.fix}."


def _secret_key(app: Flask, workers: int) -> list[Problem]:
    key = str(app.config.get("SECRET_KEY") or "")
    fix = (
        f"set PORTAL_SECRET_KEY to a long random value ({GENERATE_KEY}), or unset it to use "
        "the key generated into the instance folder"
    )
    if len(key) < MIN_SECRET_LENGTH:
        return [Problem("secret-key", f"the secret key is only {len(key)} characters long", fix)]
    if len(set(key)) < MIN_SECRET_CHARACTERS:
        return [
            Problem(
                "secret-key", f"the secret key uses only {len(set(key))} different characters", fix
            )
        ]
    return []


def _base_url(app: Flask, workers: int) -> list[Problem]:
    base = base_url(app)
    if app.config["PORTAL_BASE_URL"] == DEFAULTS["PORTAL_BASE_URL"]:
        return [
            Problem(
                "base-url",
                f"PORTAL_BASE_URL is left at its default {base}, so share links and canonical "
                "links point at this machine",
                "set PORTAL_BASE_URL to the site's public address, e.g. https://example.org",
            )
        ]
    if not base.is_https:
        return [
            Problem(
                "base-url",
                f"PORTAL_BASE_URL {base} is not https",
                "serve the site over HTTPS and give PORTAL_BASE_URL as https://…",
            )
        ]
    return []


def _trusted_hosts(app: Flask, workers: int) -> list[Problem]:
    hosts = trusted_hosts(app.config)
    if hosts is None:
        return [
            Problem(
                "trusted-hosts",
                "PORTAL_TRUSTED_HOSTS contains *, so requests for any host name are served",
                f"list the site's host names, e.g. PORTAL_TRUSTED_HOSTS={base_url(app).host}",
            )
        ]
    broad = [entry for entry in hosts if entry.startswith(".") and "." not in entry[1:]]
    if broad:
        return [
            Problem(
                "trusted-hosts",
                f"PORTAL_TRUSTED_HOSTS trusts whole top-level domains ({', '.join(broad)})",
                "list the site's own host names (a leading dot trusts every subdomain)",
            )
        ]
    return []


def _hsts(app: Flask, workers: int) -> list[Problem]:
    if hsts_header(app) is None:
        return [
            Problem(
                "hsts",
                "HSTS is off (PORTAL_HSTS_SECONDS=0): browsers may still try plain HTTP first",
                f"set PORTAL_HSTS_SECONDS={DEFAULTS['PORTAL_HSTS_SECONDS']} (one year)",
            )
        ]
    return []


def _secure_cookies(app: Flask, workers: int) -> list[Problem]:
    if not app.config.get("SESSION_COOKIE_SECURE"):
        return [
            Problem(
                "secure-cookies",
                "session and sign-in cookies are also sent over plain HTTP "
                f"(PORTAL_SECURE_COOKIES={app.config['PORTAL_SECURE_COOKIES']})",
                "set PORTAL_SECURE_COOKIES=auto with an https PORTAL_BASE_URL, or =on",
            )
        ]
    return []


def _debug(app: Flask, workers: int) -> list[Problem]:
    if app.debug:
        return [
            Problem(
                "debug",
                "Flask debug mode is on: errors show code and the debugger to visitors",
                "unset FLASK_DEBUG and do not pass --debug",
            )
        ]
    return []


def _file_permissions(app: Flask, workers: int) -> list[Problem]:
    return [
        Problem(
            "file-permissions",
            f"the {item.label} {item.path} is open to other accounts "
            f"(mode {stat.S_IMODE(item.path.stat().st_mode):o})",
            item.fix,
        )
        for item in open_paths(app)
    ]


def _shared_state(app: Flask, workers: int) -> list[Problem]:
    if workers <= 1:
        return []
    url = str(app.config.get("PORTAL_CACHE_URL") or "")
    problems = []
    if url == "memory":
        problems.append(
            Problem(
                "cache",
                f"PORTAL_CACHE_URL=memory keeps a block cache in each of the {workers} worker "
                "processes, and an edit purges only one of them",
                "set PORTAL_CACHE_URL=redis://host:6379/0",
            )
        )
    if not url.startswith(("redis://", "rediss://", "unix://")):
        problems.append(
            Problem(
                "view-buffer",
                f"article views are buffered inside each of the {workers} worker processes "
                "(without Redis) and lost when one stops",
                "set PORTAL_CACHE_URL=redis://host:6379/0 (the view buffer uses it too)",
            )
        )
    return problems


def _metrics(app: Flask, workers: int) -> list[Problem]:
    from portal import metrics

    if workers <= 1 or not metrics.enabled(app) or metrics.multiprocess_dir(app):
        return []
    return [
        Problem(
            "metrics-multiprocess",
            f"PORTAL_METRICS is on with {workers} worker processes but no multiprocess folder: "
            "/metrics would answer only the counts of the worker that is asked",
            "set PROMETHEUS_MULTIPROC_DIR (or PORTAL_METRICS_MULTIPROC_DIR) to an empty folder "
            "the workers can write, and use deploy/gunicorn.conf.py",
        )
    ]


def _database(app: Flask, workers: int) -> list[Problem]:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return [
            Problem(
                "database",
                f"the database is SQLite ({url.database or 'in memory'})",
                "use PostgreSQL: DATABASE_URL=postgresql://user:password@host/dbname",
            )
        ]
    return []


def _proxy(app: Flask, workers: int) -> list[Problem]:
    if base_url(app).is_https and not int(app.config.get("PORTAL_PROXY_COUNT") or 0):
        return [
            Problem(
                "proxy-count",
                "PORTAL_BASE_URL is https but PORTAL_PROXY_COUNT=0: behind the HTTPS proxy every "
                "request looks like plain HTTP from the proxy's address (sign-in limits per "
                "address then apply to everyone)",
                "set PORTAL_PROXY_COUNT to the number of proxies in front of the portal (usually 1)",
            )
        ]
    return []


def _storage(app: Flask, workers: int) -> list[Problem]:
    from portal.storage import check_settings

    return [
        Problem("storage", message.rstrip("."), "see docs/operations.md, “File storage”")
        for message in check_settings(app.config)
    ]


def _edge_purge(app: Flask, workers: int) -> list[Problem]:
    from portal.content.edge_purge import settings_problems

    return [
        Problem("edge-purge", message, "see docs/operations.md, “Whole pages and a caching proxy”")
        for message in settings_problems(app.config)
    ]


def _mail(app: Flask, workers: int) -> list[Problem]:
    from portal.mail import settings_problems

    return [
        Problem("mail", message.removeprefix("mail: "), "see docs/operations.md, “E-mail”")
        for message in settings_problems(app.config)
    ]


CHECKS: tuple[Callable[[Flask, int], list[Problem]], ...] = (
    _secret_key,
    _base_url,
    _trusted_hosts,
    _hsts,
    _secure_cookies,
    _proxy,
    _debug,
    _file_permissions,
    _database,
    _shared_state,
    _storage,
    _edge_purge,
    _mail,
    _metrics,
)


def deploy_problems(app: Flask, *, workers: int = 1) -> list[Problem]:
    """Every problem the checks find for ``app`` served by ``workers`` processes."""
    return [problem for check in CHECKS for problem in check(app, workers)]


def workers_from_environment(environ: dict[str, str] | None = None) -> int:
    """How many worker processes the server will start, as far as the environment tells.

    ``WEB_CONCURRENCY`` (read by gunicorn and most platforms), else ``-w N`` /
    ``--workers N`` in ``GUNICORN_CMD_ARGS``; 1 when neither says.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get("WEB_CONCURRENCY", "").strip()
    if raw.isdigit():
        return int(raw)
    found = re.search(r"(?:-w|--workers)[ =]?(\d+)", environ.get("GUNICORN_CMD_ARGS", ""))
    return int(found.group(1)) if found else 1
