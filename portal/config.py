"""Configuration: embedded defaults, then ``PORTAL_*`` environment variables.

Every key in :data:`DEFAULTS` can be overridden by an environment variable of
the same name; the value is converted to the type of the default (``1``/``0``,
``true``/``false`` for booleans, comma-separated text for lists).
``DATABASE_URL`` selects the database (PostgreSQL in production); without it
the portal uses an SQLite file in the instance folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

#: Values of PORTAL_ORGANIZATION_TYPE: the schema.org type of the site in JSON-LD.
ORGANIZATION_TYPES = ("GovernmentOrganization", "Organization", "NewsMediaOrganization")

DEFAULTS: dict[str, Any] = {
    # Site identity shown to readers.
    "PORTAL_SITE_NAME": "Cổng thông tin điện tử tỉnh Bắc Kạn",
    "PORTAL_SITE_TAGLINE": "Thông tin chính thống của tỉnh",
    # The meta description of pages that have none of their own (home, static pages).
    "PORTAL_SITE_DESCRIPTION": (
        "Cổng thông tin điện tử chính thức của tỉnh Bắc Kạn: tin tức, chỉ đạo điều hành, "
        "văn bản và thông tin phục vụ người dân, doanh nghiệp."
    ),
    # The site's schema.org type in JSON-LD: GovernmentOrganization, Organization
    # or NewsMediaOrganization.
    "PORTAL_ORGANIZATION_TYPE": "GovernmentOrganization",
    "PORTAL_DEFAULT_LOCALE": "vi",
    "PORTAL_LOCALES": ["vi", "en"],
    "PORTAL_TIMEZONE": "Asia/Ho_Chi_Minh",
    # Plugins (DESIGN.md §4).
    "PORTAL_PLUGINS_DIR": "",
    "PORTAL_DISABLED_PLUGINS": [],
    "PORTAL_SAFE_MODE": False,
    "PORTAL_TRACE_HOOKS": False,
    # Article view counts: buffered, then written per article at most this often.
    "PORTAL_VIEW_COUNTER": True,
    "PORTAL_VIEW_FLUSH_SECONDS": 60,
    "PORTAL_VIEW_FLUSH_VIEWS": 1000,
    # With Redis: each process sends its views to the shared buffer at most this often.
    "PORTAL_VIEW_PUSH_SECONDS": 1,
    # Redis (cache, buffers): connect and read time-out, and how long Redis is left alone
    # after a failure before it is tried again (portal/redis_guard.py).
    "PORTAL_REDIS_TIMEOUT_MS": 250,
    "PORTAL_REDIS_RETRY_SECONDS": 10,
    # The database unreachable (portal/web/outages.py): the 503's Retry-After, how often
    # the outage is logged, and how long a PostgreSQL connection attempt may take.
    "PORTAL_DATABASE_RETRY_AFTER": 30,
    # "production": refuse to start on a bad setup (portal/production.py); how many servers
    # share the database (more than one needs one PORTAL_SECRET_KEY for all).
    "PORTAL_ENV": "",
    "PORTAL_SERVERS": 1,
    "PORTAL_DATABASE_OUTAGE_LOG_SECONDS": 60,
    "PORTAL_DATABASE_CONNECT_TIMEOUT": 5,
    # "pgbouncer" when DATABASE_URL points at PgBouncer in transaction pooling mode
    # (portal/database_engine.py): no server-side prepared statements.
    "PORTAL_DATABASE_POOLER": "",
    # Prometheus metrics at /metrics (portal/metrics.py, docs/operations.md "Metrics"): on or
    # off; the client networks allowed to read them, and/or a bearer token that may; the
    # folder of prometheus_client's multiprocess mode (several workers; or set
    # PROMETHEUS_MULTIPROC_DIR).
    "PORTAL_METRICS": False,
    "PORTAL_METRICS_ALLOW": ["127.0.0.1", "::1"],
    "PORTAL_METRICS_TOKEN": "",
    "PORTAL_METRICS_MULTIPROC_DIR": "",
    # Logs (portal/logging_setup.py, docs/operations.md "Logs and request ids"): "text" or
    # "json" lines on standard error; the level of the portal's own loggers; one access
    # line per request; seconds during which one exception site logs its traceback once.
    "PORTAL_LOG_FORMAT": "",
    "PORTAL_LOG_LEVEL": "INFO",
    "PORTAL_ACCESS_LOG": False,
    "PORTAL_LOG_TRACEBACK_SECONDS": 60,
    # Error reports to Sentry or a compatible service (portal/error_reports.py): its DSN
    # (empty: none sent), and the environment and release they are filed under
    # (defaults: PORTAL_ENV or "development", and blockportal@<version>).
    "PORTAL_SENTRY_DSN": "",
    "PORTAL_SENTRY_ENVIRONMENT": "",
    "PORTAL_SENTRY_RELEASE": "",
    # Outgoing e-mail (portal/mail.py, docs/operations.md "E-mail"): password resets,
    # invitations and notifications. An empty server writes each message to the log
    # instead (the demo, development). Security: "" (plain), "starttls" or "ssl".
    "PORTAL_MAIL_SERVER": "",
    "PORTAL_MAIL_PORT": 25,
    "PORTAL_MAIL_SECURITY": "",
    "PORTAL_MAIL_USERNAME": "",
    "PORTAL_MAIL_PASSWORD": "",
    "PORTAL_MAIL_FROM": "",
    "PORTAL_MAIL_TIMEOUT": 10,
    # How often (seconds) each worker re-reads which plugins admins switched off.
    "PORTAL_PLUGIN_SYNC_SECONDS": 10,
    # Rendering: strict mode re-raises block errors instead of isolating them.
    "PORTAL_STRICT_BLOCKS": False,
    # A folder whose templates override any block or site template.
    "PORTAL_THEME_DIR": "",
    # Where `npm ci` put the admin's front-end libraries (TinyMCE), when not beside the
    # package (portal/web/vendor.py): an installed wheel, a container image.
    "PORTAL_NODE_MODULES": "",
    # Cache: "memory" (in-process), "none", or a redis:// URL.
    "PORTAL_CACHE_URL": "memory",
    # Put before every Redis key; give each site sharing one Redis its own.
    "PORTAL_CACHE_PREFIX": "portal:",
    "PORTAL_CACHE_DEFAULT_TIMEOUT": 300,
    # Bounds of the in-process cache ("memory"): entries, and bytes of the values held.
    "PORTAL_CACHE_MAX_ENTRIES": 10_000,
    "PORTAL_CACHE_MAX_BYTES": 64 * 1024 * 1024,
    # How long the last good HTML of a block is kept to stand in for it when it fails.
    "PORTAL_CACHE_STALE_TIMEOUT": 86400,
    # Whole pages for readers without a session (portal/page_cache.py): on or off, and
    # the longest a page is kept (no longer than its shortest-lived block). Query
    # parameters a page may read besides those its blocks declare (a theme's own).
    "PORTAL_PAGE_CACHE": True,
    "PORTAL_PAGE_CACHE_TIMEOUT": 600,
    "PORTAL_PAGE_CACHE_QUERY_PARAMS": [],
    # After a purge, the home, category and article pages it emptied are rendered again
    # at once (portal/page_warming.py), at most this many per delivery.
    "PORTAL_PAGE_WARM": True,
    "PORTAL_PAGE_WARM_MAX": 10,
    # HTTP caching of those pages (docs/operations.md, "A caching proxy"): seconds a
    # browser keeps one, a shared cache (proxy, CDN; -1 leaves s-maxage out), and may
    # serve it stale while fetching it again; the response header naming the page's
    # cache tags for a proxy to purge by ("" sends none).
    "PORTAL_HTTP_MAX_AGE": 60,
    "PORTAL_HTTP_S_MAXAGE": 600,
    "PORTAL_HTTP_STALE_WHILE_REVALIDATE": 30,
    "PORTAL_SURROGATE_KEY_HEADER": "Surrogate-Key",
    # gzip for text responses (HTML, CSS, JS, feeds); 0 when the proxy in front does it.
    "PORTAL_COMPRESS": True,
    # A caching proxy to purge by tag on content events (portal/content/edge_purge.py):
    # its purge URLs (comma-separated, e.g. http://127.0.0.1:6081/), the method, and
    # how long to wait for it. Empty: no proxy is told.
    "PORTAL_EDGE_PURGE_URLS": [],
    "PORTAL_EDGE_PURGE_METHOD": "PURGE",
    "PORTAL_EDGE_PURGE_TIMEOUT": 5,
    # "tags": one request naming the tags in the surrogate-key header (Varnish).
    # "urls": one request per page and encoding, for the pages a change shows on first
    # (home, its categories, the article, a page): nginx with ngx_cache_purge
    # (deploy/nginx/purge.conf), which can only drop what it keeps by its URL.
    "PORTAL_EDGE_PURGE_STYLE": "tags",
    "PORTAL_ARTICLES_PER_PAGE": 10,
    # Where uploaded and demo images live (relative to the instance folder).
    "PORTAL_MEDIA_DIR": "media",
    # Attachments (PDF, Office documents) are served only through a download route.
    "PORTAL_ATTACHMENTS_DIR": "attachments",
    # Where media and attachments are stored (portal/storage/, docs/operations.md "File
    # storage"): "local" (the two folders above, in the instance folder) or "s3" (a bucket
    # of any S3-compatible service; `pip install blockportal[s3]`). Each area is a key
    # prefix there: <PORTAL_STORAGE_S3_PREFIX>/<PORTAL_MEDIA_DIR>/...
    "PORTAL_STORAGE_BACKEND": "local",
    "PORTAL_STORAGE_S3_BUCKET": "",
    "PORTAL_STORAGE_S3_ENDPOINT_URL": "",
    "PORTAL_STORAGE_S3_REGION": "",
    "PORTAL_STORAGE_S3_ACCESS_KEY_ID": "",
    "PORTAL_STORAGE_S3_SECRET_ACCESS_KEY": "",
    "PORTAL_STORAGE_S3_PREFIX": "",
    # "path" for services that only answer http://host/bucket/key (some MinIO set-ups).
    "PORTAL_STORAGE_S3_ADDRESSING_STYLE": "auto",
    # Seconds to wait for the store to connect (reads: five times as long).
    "PORTAL_STORAGE_S3_TIMEOUT": 3,
    # "portal": the portal sends every file. "redirect": images are answered with a
    # redirect to PORTAL_STORAGE_PUBLIC_URL (when set) or to a signed URL of the store,
    # attachments of public articles with a signed URL; the others stay with the portal.
    "PORTAL_STORAGE_SERVE": "portal",
    # The URL under which the storage root is readable by anyone (S3: the bucket and
    # prefix, e.g. https://cdn.example.org/portal/; local: a web server serving the
    # instance folder's media/). Only images are ever sent there.
    "PORTAL_STORAGE_PUBLIC_URL": "",
    # How long a signed URL stays valid, in seconds.
    "PORTAL_STORAGE_URL_EXPIRES": 300,
    "PORTAL_MAX_IMAGE_BYTES": 10 * 1024 * 1024,
    "PORTAL_MAX_ATTACHMENT_BYTES": 25 * 1024 * 1024,
    # Widths of the resized copies of every uploaded image (for srcset).
    "PORTAL_IMAGE_WIDTHS": [480, 800, 1200],
    # Largest file `portal import` (JSON) and `portal import-feed` read; a larger
    # one is refused whole before it is parsed (docs/import-format.md, feed-import.md).
    "PORTAL_MAX_IMPORT_BYTES": 50 * 1024 * 1024,
    "PORTAL_MAX_FEED_BYTES": 20 * 1024 * 1024,
    # Site archives (`portal import-site`, docs/export-format.md): most members, bytes once
    # unpacked, unpacked/packed ratio of one member (over 1 MB), and bytes of content.json.
    # Counted on the bytes actually read; each image or attachment also has the upload limit.
    "PORTAL_IMPORT_MAX_MEMBERS": 200_000,
    "PORTAL_IMPORT_MAX_UNPACKED_BYTES": 20 * 1024 * 1024 * 1024,
    "PORTAL_IMPORT_MAX_RATIO": 100,
    "PORTAL_IMPORT_MAX_CONTENT_BYTES": 256 * 1024 * 1024,
    # Content events (portal/content/outbox.py): a consumer that failed (Redis away, a
    # plugin raising) is tried again after this many seconds, doubling up to the cap;
    # after this many attempts the event is "failed" and shown to admins until retried.
    # Web workers look for events due again at most this often.
    "PORTAL_EVENT_RETRY_SECONDS": 2,
    "PORTAL_EVENT_RETRY_MAX_SECONDS": 60,
    "PORTAL_EVENT_MAX_ATTEMPTS": 20,
    "PORTAL_EVENT_SWEEP_SECONDS": 5,
    # Sign-in sessions (portal/auth/sessions.py): a session ends after this long
    # without a request, or this long after signing in, whichever comes first;
    # "remember me" keeps one for this many days instead.
    "PORTAL_SESSION_IDLE_MINUTES": 120,
    "PORTAL_SESSION_MAX_HOURS": 12,
    "PORTAL_SESSION_REMEMBER_DAYS": 14,
    # Sign-in throttle (portal/auth/throttle.py). One account from one client:
    # this many free failures, then waits that double from 1 minute up to the
    # cap; its failures count until it signs in, or for this many hours. Clients
    # not known for the account: at most this many failures per account (from all
    # addresses) and per address (for all accounts) within the window. A browser
    # that signed in to an account before stays "known" for it this many days.
    "PORTAL_LOGIN_FREE_FAILURES": 3,
    "PORTAL_LOGIN_MAX_DELAY_MINUTES": 30,
    "PORTAL_LOGIN_DELAY_MEMORY_HOURS": 24,
    "PORTAL_LOGIN_FAILURE_WINDOW_MINUTES": 60,
    "PORTAL_LOGIN_MAX_FAILURES_PER_EMAIL": 10,
    "PORTAL_LOGIN_MAX_FAILURES_PER_IP": 20,
    "PORTAL_KNOWN_CLIENT_DAYS": 180,
    # Accounts (docs/operations.md "Accounts, e-mail links and two-step sign-in"): how long a
    # password-reset link and an invitation link work; password-reset requests allowed per
    # address typed and per client address within the sign-in failure window; admins
    # without an authenticator app must set one up before anything else in the admin.
    "PORTAL_PASSWORD_RESET_MINUTES": 60,
    "PORTAL_INVITATION_DAYS": 7,
    "PORTAL_PASSWORD_RESET_PER_EMAIL": 3,
    "PORTAL_PASSWORD_RESET_PER_IP": 10,
    "PORTAL_REQUIRE_ADMIN_2FA": False,
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers
    # are trusted (0 = none). Without it, behind a proxy every visitor has the
    # proxy's address and the per-address sign-in limit applies to everyone.
    "PORTAL_PROXY_COUNT": 0,
    # HTTPS, hosts and headers (docs/operations.md, "HTTPS, hosts and headers").
    # The site's public address: every absolute URL (share links, canonical and
    # Open Graph links, feeds, e-mails) starts with it, never with the request's Host.
    "PORTAL_BASE_URL": "http://127.0.0.1:5000",
    # Host names requests may name (Host, or X-Forwarded-Host behind trusted proxies);
    # others get 400. Empty: the base URL's host, localhost and 127.0.0.1.
    # ".example.org" also trusts its subdomains; "*" trusts any host (not recommended).
    "PORTAL_TRUSTED_HOSTS": [],
    # Strict-Transport-Security max-age (seconds) over HTTPS; 0 sends none.
    "PORTAL_HSTS_SECONDS": 365 * 86400,
    "PORTAL_HSTS_INCLUDE_SUBDOMAINS": False,
    # Cookies only over HTTPS (the Secure flag): "auto" = when the base URL is
    # https, "on" or "off" (1/0, true/false, yes/no are understood too).
    "PORTAL_SECURE_COOKIES": "auto",
    # How long a form's protection token (CSRF) is valid; 0 = for ever.
    "PORTAL_CSRF_TIME_LIMIT_SECONDS": 8 * 3600,
}


def _locale(environ: dict[str, str]) -> str | None:
    """The language of a start-up refusal: no app (so no request) exists yet, the setting's."""
    return environ.get("PORTAL_DEFAULT_LOCALE") or None


def _coerce(raw: str, default: Any, locale: str | None = None) -> Any:
    """Convert an environment string to the type of its default value."""
    from portal.i18n import translate

    if isinstance(default, bool):
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(
            translate("cần một giá trị có/không (yes/no), nhưng nhận được {raw}", locale).format(
                raw=repr(raw)
            )
        )
    if isinstance(default, int):
        try:
            return int(raw.strip())
        except ValueError:
            raise ValueError(
                translate("cần một số nguyên, nhưng nhận được {raw}", locale).format(raw=repr(raw))
            ) from None
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def database_uri(url: str) -> str:
    """Turn a DATABASE_URL as hosting platforms write it into an SQLAlchemy URI."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it on first run.

    The key lives in the instance folder (never in the repository) with
    owner-only permissions, so sessions survive restarts. It is written to a
    temporary file and linked into place, so a second worker starting at the
    same moment reads a complete key, never an empty file.
    """
    from portal.owner_only import make_folder

    path = Path(instance_path) / "secret_key"
    if not path.exists():
        make_folder(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32))
            # If another worker won the race, its key is used.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        from portal.i18n import translate

        raise RuntimeError(
            translate(
                "{path} đang trống; hãy xóa nó để một khóa bí mật mới được tạo",
                _locale(dict(os.environ)),
            ).format(path=path)
        )
    return key


def build_config(instance_path: str, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the configuration for an app: defaults overridden by the environment."""
    from portal.i18n import translate

    environ = dict(os.environ if environ is None else environ)
    locale = _locale(environ)
    config: dict[str, Any] = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if key in environ:
            try:
                config[key] = _coerce(environ[key], default, locale)
            except ValueError as exc:
                raise RuntimeError(
                    translate("Giá trị không hợp lệ cho {key}: {problem}", locale).format(
                        key=key, problem=exc
                    )
                ) from exc

    if config["PORTAL_ORGANIZATION_TYPE"] not in ORGANIZATION_TYPES:
        raise RuntimeError(
            translate(
                "Giá trị không hợp lệ cho PORTAL_ORGANIZATION_TYPE: {value}; cần là một trong "
                "{choices}",
                locale,
            ).format(
                value=repr(config["PORTAL_ORGANIZATION_TYPE"]),
                choices=", ".join(ORGANIZATION_TYPES),
            )
        )

    if environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = database_uri(environ["DATABASE_URL"])
    else:
        db_file = Path(instance_path) / "portal.db"
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}

    if environ.get("PORTAL_SECRET_KEY"):
        config["SECRET_KEY"] = environ["PORTAL_SECRET_KEY"]

    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
        # Whole request bodies larger than this are refused before any view runs.
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )
    return config
