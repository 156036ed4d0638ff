"""The Content-Security-Policy header: strict by default, widened only by allow-listed origins.

The portal sends a strict policy (:data:`BASE_DIRECTIVES`: scripts, frames and
everything else from the site itself). Plugins may add origins to two
directives through the ``portal_content_security_policy`` hook, e.g. the
national monitoring tag (``script-src https://tinnhiemmang.vn``) or video
embeds (``frame-src https://www.youtube-nocookie.com``); the built-in ``csp``
plugin offers admins a form for exactly that. Every source a plugin returns
is checked by :func:`check_source`: only ``https://host`` origins (with an
optional port) or host wildcards ``https://*.example.gov.vn``; a bad one is
logged and left out, so no plugin can slip in ``'unsafe-inline'`` or ``*``.
With nothing added the header is exactly :data:`CONTENT_SECURITY_POLICY`.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from flask import Flask, current_app

from portal.plugins import plugins_of

log = logging.getLogger("portal.csp")

BASE_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("img-src", "'self' data: https:"),
    ("style-src", "'self'"),
    ("script-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'self'"),
)
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in BASE_DIRECTIVES)

#: The directives plugins may widen, and where a new one goes (after script-src).
EXTENSIBLE_DIRECTIVES = ("script-src", "frame-src")

_LABEL = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
SOURCE_PATTERN = re.compile(
    rf"^https://(?:\*\.)?(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})(?::\d{{1,5}})?$"
)


def check_source(source: str) -> str:
    """``source`` as it goes into the header (lower case, no trailing slash), or ``ValueError``.

    The message is for an admin, in Vietnamese, and names the entry.
    """
    text = (source or "").strip()
    value = text.lower().rstrip("/")
    shown = f"“{text}”"
    if not value:
        raise ValueError("Có một mục để trống: hãy xoá nó hoặc nhập địa chỉ https://…")
    if value.startswith("'") or value in {"unsafe-inline", "unsafe-eval", "self", "none"}:
        raise ValueError(
            f"Mục {shown} không được phép: chỉ nhập địa chỉ https://tên-miền; các từ khoá như "
            "'unsafe-inline', 'unsafe-eval' làm mất tác dụng bảo vệ của chính sách."
        )
    if value in {"*", "https:", "https://*", "data:", "blob:", "http:"} or value.startswith(
        ("data:", "blob:", "javascript:", "filesystem:")
    ):
        raise ValueError(
            f"Mục {shown} không được phép: nó cho phép mọi nguồn hoặc nội dung nhúng trực tiếp. "
            "Hãy nhập một địa chỉ cụ thể, ví dụ https://tinnhiemmang.vn."
        )
    if value.startswith("http://"):
        raise ValueError(f"Mục {shown} dùng http:// không mã hoá: chỉ chấp nhận địa chỉ https://.")
    if not value.startswith("https://"):
        raise ValueError(f"Mục {shown} phải bắt đầu bằng https:// (ví dụ https://ipv6.gov.vn).")
    if not SOURCE_PATTERN.match(value):
        raise ValueError(
            f"Mục {shown} không phải một nguồn hợp lệ: chỉ nhập https://tên-miền (có thể kèm "
            "cổng) hoặc https://*.tên-miền, không có đường dẫn, dấu cách hay ký tự lạ."
        )
    return value


def check_sources(sources: Iterable[str]) -> list[str]:
    """Every source checked (the first bad one raises ``ValueError``), duplicates dropped."""
    checked: list[str] = []
    for source in sources:
        value = check_source(source)
        if value not in checked:
            checked.append(value)
    return checked


@functools.lru_cache(maxsize=64)
def build_policy(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """The header for these additions (directive → sources), already checked."""
    added = dict(extra)
    parts = []
    for name, value in BASE_DIRECTIVES:
        sources = added.get(name, ())
        parts.append(" ".join([f"{name} {value}", *sources]))
        if name == "script-src" and added.get("frame-src"):
            parts.append(" ".join(["frame-src 'self'", *added["frame-src"]]))
    return "; ".join(parts)


#: Refusals already logged (each once per process, not on every response).
_warned: set[str] = set()


def _warn(message: str, *args: object) -> None:
    text = message % args
    if text not in _warned and len(_warned) < 1000:
        _warned.add(text)
        log.warning(text)


def _collect(results: Iterable[tuple[str, object]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    wanted: dict[str, list[str]] = {name: [] for name in EXTENSIBLE_DIRECTIVES}
    for plugin_name, result in results:
        if not result:
            continue
        if not isinstance(result, Mapping):
            _warn("plugin %s returned a wrong content security policy: %r", plugin_name, result)
            continue
        for directive, sources in result.items():
            if directive not in wanted or isinstance(sources, str):
                _warn("plugin %s: directive %r cannot be widened", plugin_name, directive)
                continue
            for source in sources or ():
                try:
                    value = check_source(str(source))
                except ValueError as exc:
                    _warn("plugin %s: source left out of the policy: %s", plugin_name, exc)
                    continue
                if value not in wanted[directive]:
                    wanted[directive].append(value)
    return tuple((name, tuple(values)) for name, values in wanted.items() if values)


def _extra_sources(app: Flask) -> tuple[tuple[str, tuple[str, ...]], ...]:
    results = plugins_of(app).call_each("portal_content_security_policy", disable_on_error=False)
    return _collect(results)


def content_security_policy(app: Flask) -> str:
    """The header value now: the strict base plus what the plugins in use allow-list."""
    extra = _extra_sources(app)
    return build_policy(extra) if extra else CONTENT_SECURITY_POLICY


def _matches(host: str, port: str, source: str) -> bool:
    """Whether ``host`` (and ``port``, "" for the default) falls under a checked source."""
    source_host, _, source_port = source.removeprefix("https://").partition(":")
    if port != source_port:
        return False
    if source_host.startswith("*."):
        return host.endswith(source_host[1:])  # "*.gov.vn" covers "a.gov.vn", not "gov.vn"
    return host == source_host


def csp_allows(directive: str, url: str) -> bool:
    """Whether the policy sent now lets a page load ``url`` for ``directive``.

    ``directive`` is ``script-src`` or ``frame-src``; ``url`` must be an
    ``https://`` address whose origin an allow-listed source covers (a block
    that embeds an outside script or frame checks this before drawing it, so
    it never draws what the browser would block).
    """
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        return False
    try:
        port = str(parts.port or "")
    except ValueError:  # a port that is not a number
        return False
    port = "" if port == "443" else port
    sources = dict(_extra_sources(current_app)).get(directive, ())
    return any(_matches(parts.hostname.lower(), port, source) for source in sources)
