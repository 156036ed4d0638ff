"""Security headers and the safe-redirect check (DESIGN.md §8)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: https:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def is_safe_redirect(target: str | None) -> bool:
    """True when ``target`` stays on this site (relative, same host, http/https)."""
    if not target or target.startswith(("//", "\\\\")) or "\\" in target:
        return False
    host_url = urlsplit(request.host_url)
    test_url = urlsplit(urljoin(request.host_url, target))
    return test_url.scheme in {"http", "https"} and test_url.netloc == host_url.netloc


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
