"""Security headers, cookie and token settings, and the safe-redirect check (DESIGN.md §8).

* Every response gets the standard security headers, and HSTS when the site
  is served over HTTPS (``PORTAL_HSTS_SECONDS``). The Content-Security-Policy
  is strict unless plugins allow-list origins (portal.csp; the ``csp`` plugin
  lets admins do it).
* A response that shows unpublished content or is personalised (the admin,
  the sign-in page, anything a signed-in user sees, a page showing a flashed
  message) is marked ``private, no-store`` so no shared cache keeps it; pages
  that answer differently signed in and out say ``Vary: Cookie``.
* Cookies carry the ``Secure`` flag when the base URL is https
  (``PORTAL_SECURE_COOKIES``), and form tokens expire
  (``PORTAL_CSRF_TIME_LIMIT_SECONDS``).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask.globals import request_ctx
from flask_login import current_user
from werkzeug.sansio.utils import host_is_trusted

from portal.csp import CONTENT_SECURITY_POLICY, content_security_policy
from portal.hosts import base_url
from portal.i18n import translate
from portal.page_cache import served_kept_page

log = logging.getLogger("portal.security")

#: Endpoints that send files which are the same for everyone, or that decide their
#: caching themselves (an attachment of an unpublished article is private, see
#: portal.attachments): a signed-in user's request for them is not personal.
FILE_ENDPOINTS = frozenset(
    {
        "static",
        "core.block_static",
        "core.favicon",
        "vendor.tinymce",
        "reader.media",
        "attachments.download",
    }
)
#: Blueprints whose every response is personal: the admin, sign-in and sign-out.
PRIVATE_BLUEPRINTS = frozenset({"admin", "auth"})
PRIVATE = "private, no-store"
SWITCH_WORDS = {
    **dict.fromkeys(["auto", ""], "auto"),
    **dict.fromkeys(["1", "true", "yes", "on"], "on"),
    **dict.fromkeys(["0", "false", "no", "off"], "off"),
}


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = current_policy()
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    hsts = hsts_header(current_app)
    if hsts and (request.is_secure or base_url(current_app).is_https):
        headers.setdefault("Strict-Transport-Security", hsts)
    return response


def current_policy() -> str:
    """The Content-Security-Policy now (portal.csp); the strict one if widening it fails."""
    try:
        return content_security_policy(current_app)
    except Exception:
        log.exception("Content-Security-Policy could not be widened; the strict one is sent")
        return CONTENT_SECURITY_POLICY


def hsts_header(app: Flask) -> str | None:
    """The Strict-Transport-Security value the settings ask for (None when off)."""
    seconds = int(app.config.get("PORTAL_HSTS_SECONDS") or 0)
    if seconds <= 0:
        return None
    value = f"max-age={seconds}"
    if app.config.get("PORTAL_HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    return value


def is_personal() -> bool:
    """Whether this response shows unpublished content or is meant for one person only."""
    if (request.endpoint or "") in FILE_ENDPOINTS:
        return False
    if request.blueprint in PRIVATE_BLUEPRINTS or request.path.split("/", 2)[1] == "admin":
        return True
    if request_ctx.flashes:  # a flashed message was shown: it is someone's own
        return True
    return bool(getattr(current_user, "is_authenticated", False))


def add_privacy_headers(response):
    """``private, no-store`` on personal responses; ``Vary: Cookie`` on every page."""
    if (request.endpoint or "") in FILE_ENDPOINTS or served_kept_page():
        return response  # (a kept page was kept for visitors without a session, as it is)
    response.vary.add("Cookie")  # a page may answer differently signed in and out
    if is_personal():
        response.headers["Cache-Control"] = PRIVATE
        response.headers.pop("Expires", None)
    return response


def is_safe_redirect(target: str | None) -> bool:
    """True when ``target`` stays on this site: a path, or an http(s) URL on a trusted host.

    Judged against ``PORTAL_BASE_URL`` and ``PORTAL_TRUSTED_HOSTS``, never
    against the request's own Host header (which its sender chose).
    """
    if not target or "\\" in target or any(ch < " " or ch == "\x7f" for ch in target):
        return False
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc:
        return not target.lstrip().startswith("//")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return False
    base = base_url(current_app)
    netloc = parts.netloc.lower()
    if netloc == base.netloc:
        return True
    hosts = current_app.config.get("TRUSTED_HOSTS") or [base.host]
    return host_is_trusted(netloc, hosts)


def secure_cookies_setting(value, locale: str | None = None) -> str:
    """``PORTAL_SECURE_COOKIES`` as ``auto``, ``on`` or ``off`` (a yes/no value still works).

    A refusal is in ``locale`` (an operator reads it at start-up, when no request exists).
    """
    if isinstance(value, bool):
        return "on" if value else "off"
    word = SWITCH_WORDS.get(str(value).strip().lower())
    if word is None:
        problem = translate("cần auto, on hoặc off, nhưng nhận được {raw}", locale)
        raise RuntimeError(
            translate("Giá trị không hợp lệ cho {key}: {problem}", locale).format(
                key="PORTAL_SECURE_COOKIES", problem=problem.format(raw=repr(value))
            )
        )
    return word


def configure(app: Flask) -> None:
    """Derive Flask's cookie and token settings from the ``PORTAL_*`` ones (after overrides)."""
    locale = app.config.get("PORTAL_DEFAULT_LOCALE")  # no request yet: the site's language
    for name in ("PORTAL_HSTS_SECONDS", "PORTAL_CSRF_TIME_LIMIT_SECONDS"):
        if int(app.config[name]) < 0:
            raise RuntimeError(
                translate("Giá trị không hợp lệ cho {key}: {problem}", locale).format(
                    key=name, problem=translate("cần một số giây từ 0 trở lên", locale)
                )
            )
    mode = secure_cookies_setting(app.config["PORTAL_SECURE_COOKIES"], locale)
    secure = mode == "on" or (mode == "auto" and base_url(app).is_https)
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    limit = int(app.config["PORTAL_CSRF_TIME_LIMIT_SECONDS"])
    app.config["WTF_CSRF_TIME_LIMIT"] = limit or None


def init_app(app: Flask) -> None:
    app.after_request(add_privacy_headers)
    app.after_request(add_security_headers)
