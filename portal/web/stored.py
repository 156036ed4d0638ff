"""Sending a stored file (:mod:`portal.storage`) from whichever backend holds it.

A local file is sent by :func:`flask.send_file` from its path, as always. A
file of an S3-compatible store is streamed from the store, a megabyte at a
time, with its size, ETag and modification time, so conditional requests
(``If-None-Match``, ``If-Modified-Since``) and ranges are answered the same
way. :func:`redirect_to_store` answers with a redirect to the store instead,
when the configuration asks for it and the store can give a URL.
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, send_file

from portal.storage import Storage, StorageError, redirects, url_expiry


def send_stored(
    storage: Storage,
    name: str,
    *,
    mimetype: str,
    download_name: str | None = None,
    max_age: int | None = None,
) -> Response | None:
    """The file as a response (a download when ``download_name`` is given), or None when
    it is missing or its name is refused (answer 404 then). A store that fails aborts
    the request with a 503."""
    as_attachment = download_name is not None
    path = storage.local_path(name)
    if storage.kind == "local":
        if path is None or not path.is_file():
            return None
        return send_file(
            path,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=True,
            etag=True,
            max_age=max_age,
        )
    try:
        opened = storage.open(name)
    except StorageError as exc:
        current_app.logger.error("Could not read %s: %s", name, exc)
        abort(
            Response(
                "Kho lưu trữ tệp tạm thời không trả lời. Hãy thử lại sau ít phút.\n",
                status=503,
                mimetype="text/plain",
                headers={"Retry-After": "30", "Cache-Control": "no-store"},
            )
        )
    if opened is None:
        return None
    info = opened.info
    response = send_file(
        opened.stream,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=False,
        etag=info.etag or False,
        last_modified=info.modified,
        max_age=max_age,
    )
    response.content_length = info.size
    response.call_on_close(opened.stream.close)
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=info.size)


def redirect_to_store(
    storage: Storage,
    name: str,
    *,
    public: bool,
    download_name: str | None = None,
    media_type: str | None = None,
) -> Response | None:
    """A redirect to the file in the store when ``PORTAL_STORAGE_SERVE=redirect`` and the
    store can give a URL (public base URL when ``public``, else a signed one); else None."""
    if not redirects():
        return None
    expires = url_expiry()
    url = storage.direct_url(
        name, public=public, expires=expires, download_name=download_name, media_type=media_type
    )
    if url is None:
        return None
    response = redirect(url, code=302)
    if storage.public_url and url.startswith(storage.public_url):
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:  # a signed URL: kept no longer than a small part of its life, by browsers only
        response.headers["Cache-Control"] = f"private, max-age={max(0, expires // 10)}"
    return response
