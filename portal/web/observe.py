"""Request ids, the access log, request metrics and ``/metrics``: the outermost WSGI layer.

Every request gets an id: the incoming ``X-Request-Id`` when it is well formed
(1 to 128 letters, digits, ``.``, ``_``, ``:`` or ``-``), otherwise a new one
(16 hex digits, unique per process and among processes). It is sent back in ``X-Request-Id``, carried by every log
record made while the request is answered (:mod:`portal.logging_setup`), shown
on the 500 page (so a reader can quote it) and given to error reports.

With ``PORTAL_ACCESS_LOG`` on, each request logs one line on ``portal.access``
(method, path without its query string, status, duration, kind of route,
request id, the signed-in user's id): never a cookie or a query parameter.

With ``PORTAL_METRICS`` on (:mod:`portal.metrics`), each request's duration and
status are counted by kind of route, and ``/metrics`` answers the Prometheus
text, outside the page routes (as ``/healthz``): only to clients in
``PORTAL_METRICS_ALLOW`` (networks; the local host by default) or bearing
``Authorization: Bearer <PORTAL_METRICS_TOKEN>``; others get 403. Behind
``PORTAL_PROXY_COUNT`` proxies the client is the one they name in
``X-Forwarded-For`` (the proxy on the same host would otherwise open it to
everyone); a request without that header did not come through them. Metrics off, ``/metrics`` is an ordinary path (the page routes' 404).

The kind of route (:func:`portal.metrics.route_kind`) comes from the endpoint
Flask matched; a kept page answered ahead of Flask and a search page say their
own (:data:`ROUTE_KIND` in the environ).
"""

from __future__ import annotations

import hmac
import ipaddress
import itertools
import logging
import os
import re
import time

from flask import Flask, g, request

from portal import metrics
from portal.logging_setup import ACCESS_LOGGER, REQUEST_ID
from portal.metrics import ROUTE_KIND

#: Keys of the WSGI environ: the request's id, the signed-in user's id (for the access log).
REQUEST_ID_KEY = "portal.request_id"
USER_ID = "portal.user_id"
HEADER = "X-Request-Id"
METRICS_PATH = "/metrics"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_log = logging.getLogger(ACCESS_LOGGER)


_id_prefix = os.urandom(4).hex()
_id_count = itertools.count()


def _new_prefix() -> None:
    global _id_prefix
    _id_prefix = os.urandom(4).hex()


os.register_at_fork(after_in_child=_new_prefix)  # a forked worker draws its own


def current_request_id() -> str | None:
    """The id of the request being answered (templates, error reports)."""
    return REQUEST_ID.get()


class ObserveMiddleware:
    """Give each request its id; time, count and log it when asked to; answer ``/metrics``."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.metrics = metrics.of(app)
        self.access = bool(app.config.get("PORTAL_ACCESS_LOG"))
        self.hops = int(app.config.get("PORTAL_PROXY_COUNT") or 0)
        self.networks = allowed_networks(app.config.get("PORTAL_METRICS_ALLOW") or [])
        self.token = str(app.config.get("PORTAL_METRICS_TOKEN") or "")
        #: Neither metrics nor the access log: only the request id.
        self.quiet = self.metrics is None and not self.access

    def __call__(self, environ, start_response):
        # The incoming id when well formed, else 16 hex digits: 8 random ones drawn once per
        # process and a counter (no system call per request). Written out, as the header
        # below: this runs for every request.
        rid = environ.get("HTTP_X_REQUEST_ID")
        if not rid or not _WELL_FORMED.fullmatch(rid):
            rid = f"{_id_prefix}{next(_id_count) & 0xFFFFFFFF:08x}"
        environ[REQUEST_ID_KEY] = rid
        token = REQUEST_ID.set(rid)
        try:
            if self.quiet:

                def start(status, headers, exc_info=None):
                    headers.append((HEADER, rid))
                    return start_response(status, headers, exc_info)

                return self.wsgi_app(environ, start)
            if self.metrics is not None and environ.get("PATH_INFO") == METRICS_PATH:
                return self.serve_metrics(environ, _with_id(start_response, rid))
            return self.observed(environ, start_response, rid)
        finally:
            REQUEST_ID.reset(token)

    def observed(self, environ, start_response, rid: str):
        statuses = []

        def start(status, headers, exc_info=None):
            statuses.append(status)
            headers.append((HEADER, rid))
            return start_response(status, headers, exc_info)

        started = time.perf_counter()
        try:
            return self.wsgi_app(environ, start)
        finally:
            seconds = time.perf_counter() - started
            status = int(statuses[-1][:3]) if statuses else 500
            kind = kind_of(environ)
            if self.metrics is not None:
                self.metrics.observe_request(kind, status, seconds)
            if self.access:
                log_access(environ, status, seconds, kind, rid)

    def serve_metrics(self, environ, start_response):
        environ[ROUTE_KIND] = "health"
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", b"GET only\n")
        if not self.allowed(environ):
            return _plain(start_response, "403 Forbidden", b"forbidden\n")
        body, content_type = self.metrics.exposition()
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    def allowed(self, environ) -> bool:
        """A client of an allowed network, or bearing the token."""
        if self.token:
            given = environ.get("HTTP_AUTHORIZATION", "")
            if hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                return True
        client = client_address(environ, self.hops)
        if client is None:
            return False
        try:
            address = ipaddress.ip_address(client.split("%", 1)[0])
        except ValueError:
            return False
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def _with_id(start_response, rid: str):
    def start(status, headers, exc_info=None):
        headers.append((HEADER, rid))
        return start_response(status, headers, exc_info)

    return start


def _plain(start_response, status: str, body: bytes):
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def client_address(environ, hops: int) -> str | None:
    """The client as the ``hops`` proxies in front name it (as ProxyFix reads it); the peer
    when there are none, or when the request came without ``X-Forwarded-For`` (not through
    the proxy, which always sets it: Prometheus asking the server directly). None when the
    header names fewer clients than there are proxies."""
    header = environ.get("HTTP_X_FORWARDED_FOR")
    if not hops or header is None:
        return environ.get("REMOTE_ADDR")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < hops:
        return None
    return forwarded[-hops]


def allowed_networks(values) -> list:
    """``PORTAL_METRICS_ALLOW`` as networks; a bad entry stops start-up naming it."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise RuntimeError(
                f"Invalid value for PORTAL_METRICS_ALLOW: {value!r} is not an address or network"
            ) from None
    return networks


def kind_of(environ) -> str:
    """The kind of route noted by :func:`note_request` (``other`` when Flask never saw it)."""
    return environ.get(ROUTE_KIND) or "other"


def log_access(environ, status: int, seconds: float, kind: str, rid: str) -> None:
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin1")
    fields = {
        "method": environ.get("REQUEST_METHOD", ""),
        "path": path.decode(errors="replace")[:1000],
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "route": kind,
        "user_id": environ.get(USER_ID),
    }
    access_log.info(
        "%s %s %s %.1f ms %s",
        fields["method"],
        fields["path"],
        status,
        fields["duration_ms"],
        kind,
        extra={"access": fields, "request_id": rid},
    )


def note_request(_error=None) -> None:
    """``teardown_request`` (metrics or access log on): the kind of route Flask matched and the
    signed-in user's id (only when the request loaded the user: no query of its own), kept in
    the environ for :class:`ObserveMiddleware`. (Flask forgets the request at its end.)"""
    environ = request.environ
    if ROUTE_KIND not in environ:
        rule = request.url_rule
        environ[ROUTE_KIND] = metrics.route_kind(rule.endpoint if rule is not None else None)
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        environ[USER_ID] = getattr(user, "id", None)  # the account's id (get_id: a session token)


def install(app: Flask) -> None:
    """Make this the outermost WSGI layer: call after every other middleware (health too)."""
    if metrics.of(app) is not None or app.config.get("PORTAL_ACCESS_LOG"):
        app.teardown_request(note_request)
    app.wsgi_app = ObserveMiddleware(app, app.wsgi_app)
