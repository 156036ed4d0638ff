"""The site's public address and the host names it answers to.

A request's ``Host`` (or, behind a trusted proxy, ``X-Forwarded-Host``) header
is written by whoever sends the request. Anything built from it and then
cached or sent to other people (share links, canonical links, feeds, e-mails)
would let one hostile request put another site's address in front of every
reader. So the portal never builds an address from the request:

* ``PORTAL_BASE_URL`` is the one public address; every absolute URL starts
  with it (:func:`portal.site.absolute_url`);
* ``PORTAL_TRUSTED_HOSTS`` lists the host names requests may name; any other
  request gets a short 400 page from :class:`TrustedHostsMiddleware` before
  the app (its views, sessions and caches) sees it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wsgi import get_host

from portal.i18n import translate

log = logging.getLogger("portal.hosts")

#: Host names trusted besides the base URL's, so the portal can be reached on the
#: machine itself (``make run``, health checks, the test client and live-server tests).
LOCAL_HOSTS = ("localhost", "127.0.0.1")
#: In ``PORTAL_TRUSTED_HOSTS``: answer to any host name (only behind a proxy that checks it).
ANY_HOST = "*"
EXTENSION_KEY = "portal.base_url"


@dataclass(frozen=True)
class BaseURL:
    """The public address of the site: scheme and ``host[:port]``, no path."""

    scheme: str
    netloc: str
    host: str

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def is_https(self) -> bool:
        return self.scheme == "https"

    def __str__(self) -> str:
        return self.origin


def parse_base_url(raw: str, locale: str | None = None) -> BaseURL:
    """Check ``PORTAL_BASE_URL`` and normalise it; ValueError says what is wrong.

    The portal is served at the root of its host: a path such as
    ``https://example.org/portal`` is refused rather than half supported
    (sign-in, cookies and the media folder all live at the root). The reason
    is in ``locale`` (an operator reads it at start-up, when no request exists).
    """
    text = (raw or "").strip()
    if not text:
        raise ValueError(
            translate(
                "giá trị đang trống; hãy ghi địa chỉ công khai của site, ví dụ https://example.org",
                locale,
            )
        )
    url = repr(text)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise ValueError(
            translate("{url} phải bắt đầu bằng https:// (hoặc http://)", locale).format(url=url)
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            translate("{url} không được chứa tên người dùng hay mật khẩu", locale).format(url=url)
        )
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError(
            translate("{url} không được có phần truy vấn (?…) hay phần neo (#…)", locale).format(
                url=url
            )
        )
    if parts.path not in {"", "/"}:
        raise ValueError(
            translate(
                "{url} có đường dẫn ({path}); cổng thông tin được phục vụ ở gốc của tên máy chủ, "
                "nên chỉ ghi https://host[:port]",
                locale,
            ).format(url=url, path=parts.path)
        )
    try:
        hostname = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ValueError(
            translate("{url} có cổng (port) không hợp lệ", locale).format(url=url)
        ) from None
    if not hostname:
        raise ValueError(translate("{url} không có tên máy chủ", locale).format(url=url))
    invalid_host = translate("{url} có tên máy chủ không hợp lệ", locale).format(url=url)
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(invalid_host) from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    if not host_is_trusted(netloc):  # Werkzeug's check of the characters of a Host header
        raise ValueError(invalid_host)
    return BaseURL(scheme=scheme, netloc=netloc, host=host)


def trusted_hosts(config) -> list[str] | None:
    """The host names requests may name; ``None`` when any is accepted (``*``).

    Without ``PORTAL_TRUSTED_HOSTS`` these are the base URL's host plus
    :data:`LOCAL_HOSTS`. Ports are not compared (as in Werkzeug): a host
    name is trusted on every port.
    """
    listed = [entry.strip().lower() for entry in config.get("PORTAL_TRUSTED_HOSTS") or []]
    listed = [entry for entry in listed if entry]
    if ANY_HOST in listed:
        return None
    if listed:
        return listed
    base = parse_base_url(config["PORTAL_BASE_URL"], config.get("PORTAL_DEFAULT_LOCALE"))
    return list(dict.fromkeys([base.host, *LOCAL_HOSTS]))


def _check_trusted_entries(entries: list[str], base: BaseURL, locale: str | None = None) -> None:
    for entry in entries:
        name = entry[1:] if entry.startswith(".") else entry
        if not name or ":" in name or not host_is_trusted(name):
            raise ValueError(
                translate(
                    "{entry} không phải là tên máy chủ (hãy ghi tên như example.org, hoặc "
                    ".example.org để gồm cả tên đó và các tên miền con của nó; không ghi cổng)",
                    locale,
                ).format(entry=repr(entry))
            )
    if not host_is_trusted(base.host, entries):
        raise ValueError(
            translate(
                "giá trị không có {host}, tên máy chủ của PORTAL_BASE_URL, nên site sẽ từ chối "
                "chính địa chỉ của mình; hãy thêm nó vào",
                locale,
            ).format(host=repr(base.host))
        )


def base_url(app: Flask) -> BaseURL:
    """The app's public address (checked when the app was created)."""
    return app.extensions[EXTENSION_KEY]


class TrustedHostsMiddleware:
    """Answer 400 to a request for a host name that is not trusted, before the app runs.

    Sits inside ProxyFix, so behind ``PORTAL_PROXY_COUNT`` proxies the host
    checked is the one from their ``X-Forwarded-Host``.
    """

    BODY = (
        "400 Bad Request\n\n"
        "Trang web này không phục vụ tên miền được yêu cầu.\n"
        "This site does not answer to the host name in the request.\n"
    ).encode()

    def __init__(self, wsgi_app, hosts: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.hosts = hosts

    def __call__(self, environ, start_response):
        if "HTTP_HOST" in environ:  # host names are case-insensitive; Werkzeug expects lower case
            environ["HTTP_HOST"] = environ["HTTP_HOST"].lower()
        try:
            get_host(environ, trusted_hosts=self.hosts)
        except SecurityError:
            log.warning(
                "Refused a request for host %r (not in PORTAL_TRUSTED_HOSTS)",
                environ.get("HTTP_HOST", environ.get("SERVER_NAME", ""))[:200],
            )
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(self.BODY))),
                    ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                ],
            )
            return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else self.BODY]
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Check the base URL and trusted hosts, and put the host check (and ProxyFix) in front.

    A bad value stops start-up with a message naming the setting.
    """
    locale = app.config.get("PORTAL_DEFAULT_LOCALE")  # no request yet: the site's language
    invalid = translate("Giá trị không hợp lệ cho {key}: {problem}", locale)
    try:
        base = parse_base_url(app.config["PORTAL_BASE_URL"], locale)
    except ValueError as exc:
        raise RuntimeError(invalid.format(key="PORTAL_BASE_URL", problem=exc)) from None
    try:
        hosts = trusted_hosts(app.config)
        if hosts is not None:
            _check_trusted_entries(hosts, base, locale)
    except ValueError as exc:
        raise RuntimeError(invalid.format(key="PORTAL_TRUSTED_HOSTS", problem=exc)) from None
    app.extensions[EXTENSION_KEY] = base
    app.config["PREFERRED_URL_SCHEME"] = base.scheme
    # Flask checks the host of each request against this too (test request contexts,
    # code run outside the middleware); the middleware makes sure no view runs for one.
    app.config["TRUSTED_HOSTS"] = hosts
    if hosts is not None:
        app.wsgi_app = TrustedHostsMiddleware(app.wsgi_app, hosts)
    hops = int(app.config.get("PORTAL_PROXY_COUNT") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
