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


def parse_base_url(raw: str) -> BaseURL:
    """Check ``PORTAL_BASE_URL`` and normalise it; ValueError says what is wrong.

    The portal is served at the root of its host: a path such as
    ``https://example.org/portal`` is refused rather than half supported
    (sign-in, cookies and the media folder all live at the root).
    """
    text = (raw or "").strip()
    if not text:
        raise ValueError("it is empty; give the site's public address, e.g. https://example.org")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise ValueError(f"{text!r} must start with https:// (or http://)")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{text!r} must not contain a user name or password")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError(f"{text!r} must not have a query (?…) or fragment (#…)")
    if parts.path not in {"", "/"}:
        raise ValueError(
            f"{text!r} has a path ({parts.path}); the portal is served at the root of its "
            "host name, so give only https://host[:port]"
        )
    try:
        hostname = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} has an invalid port") from None
    if not hostname:
        raise ValueError(f"{text!r} has no host name")
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{text!r} has an invalid host name") from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    if not host_is_trusted(netloc):  # Werkzeug's check of the characters of a Host header
        raise ValueError(f"{text!r} has an invalid host name")
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
    base = parse_base_url(config["PORTAL_BASE_URL"])
    return list(dict.fromkeys([base.host, *LOCAL_HOSTS]))


def _check_trusted_entries(entries: list[str], base: BaseURL) -> None:
    for entry in entries:
        name = entry[1:] if entry.startswith(".") else entry
        if not name or ":" in name or not host_is_trusted(name):
            raise ValueError(
                f"{entry!r} is not a host name (give names like example.org, or .example.org "
                "for it and its subdomains; ports are not part of it)"
            )
    if not host_is_trusted(base.host, entries):
        raise ValueError(
            f"it does not include {base.host!r}, the host of PORTAL_BASE_URL, so the site "
            "would refuse its own address; add it"
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
    try:
        base = parse_base_url(app.config["PORTAL_BASE_URL"])
    except ValueError as exc:
        raise RuntimeError(f"Invalid value for PORTAL_BASE_URL: {exc}") from None
    try:
        hosts = trusted_hosts(app.config)
        if hosts is not None:
            _check_trusted_entries(hosts, base)
    except ValueError as exc:
        raise RuntimeError(f"Invalid value for PORTAL_TRUSTED_HOSTS: {exc}") from None
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
