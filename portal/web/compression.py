"""gzip for text responses, when no proxy in front of the portal does it.

Pages kept whole carry their gzip copy already (:mod:`portal.web.page_caching`).
Everything else that is text (feeds, sitemaps, pages not kept, the stylesheets
and scripts of the site and of blocks) is compressed here when the client
accepts gzip and the body is worth it. A static file's compressed bytes are
made once per file version and kept in the process; other bodies are
compressed as they go out. ``PORTAL_COMPRESS=0`` leaves it to the proxy.

:func:`compress` runs inside the last ``after_request``
(:func:`portal.web.page_caching.finish_response`): a page is kept as rendered,
then sent compressed, and its ETag names the bytes sent.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from flask import current_app, request
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from portal.plugins import plugins_of

#: Worth compressing: text of these types ...
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/xml",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/xslt+xml",
        "image/svg+xml",
    }
)
#: ... of at least this many bytes (smaller bodies gain nothing over the header cost).
MIN_BYTES = 1024
#: Static files compressed once and kept: at most this many versions in the process.
STATIC_KEPT = 256


def compress(response: Response) -> Response:
    """The gzip copy of a text response, when the client accepts gzip."""
    if (
        not current_app.config.get("PORTAL_COMPRESS", True)
        or response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or request.accept_encodings["gzip"] <= 0
    ):
        return response
    if response.direct_passthrough:
        path = static_file_path()
        if path is None:
            return response
        body = gzipped_file(str(path), *file_version(path))
    else:
        if response.is_streamed:
            return response
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        body = gzip.compress(data, compresslevel=6, mtime=0)
    etag, weak = response.get_etag()
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if etag:  # other bytes, another strong ETag
        response.set_etag(f"{etag}-gz", weak=weak)
    return response


def static_file_path() -> Path | None:
    """The file a static-file response sends (the site's or a block's), if it is one."""
    endpoint = request.endpoint or ""
    args = request.view_args or {}
    if endpoint == "static":
        folder = current_app.static_folder
    elif endpoint == "core.block_static":
        block = plugins_of(current_app).block(args.get("block_name", ""))
        folder = str(block.static_dir()) if block is not None else None
    else:
        return None
    joined = safe_join(folder, args.get("filename", "")) if folder else None
    return Path(joined) if joined else None


def file_version(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=STATIC_KEPT)
def gzipped_file(path: str, mtime_ns: int, size: int) -> bytes:
    """The gzip copy of a static file's version (its time and size name the version)."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)
