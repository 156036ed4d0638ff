"""Documents (PDF, Word ...) that a plugin keeps: checked by content, stored, sent.

The same checks as article attachments (:mod:`portal.content.attachments`):
what a file is comes from its bytes, never from its name; polyglots, macros,
zip bombs and names whose extension lies are refused with a message for the
uploader (:class:`UploadError`). A plugin's files live in the attachments
storage (:mod:`portal.storage`) under ``plugins/<plugin>/`` with random names,
are written with the transaction (removed again if it is not committed) and
deleted only once the deletion is committed. They are sent through
:func:`send_plugin_file` with the headers that keep a download inert.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from flask import Response, current_app

from portal.content.attachments import KINDS, attachments_storage, clean_file_name, detect_kind
from portal.content.media import UploadError, name_extension, read_limited, store_upload
from portal.content.stored_files import remove_after_commit, remove_unless_committed
from portal.extensions import db
from portal.storage import clean_name

#: What a download must never do in a browser that renders it anyway: run anything.
DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


@dataclass(frozen=True)
class StoredFile:
    """A checked and stored file: its key (to keep in the plugin's row), name, type and size."""

    key: str
    name: str
    media_type: str
    size: int
    label: str


def plugin_file_name(plugin: str, key: str) -> str | None:
    """The name of ``plugin``'s file ``key`` in the attachments storage (never served as
    static files), or None when the key or the plugin's name leads out of its folder."""
    if clean_name(plugin) is None or "/" in plugin or clean_name(key) is None:
        return None
    return f"plugins/{plugin}/{key}"


def store_plugin_file(
    plugin: str,
    stream: BinaryIO,
    original_name: str,
    *,
    kinds: Iterable[str] = ("pdf", "doc", "docx"),
    max_bytes: int | None = None,
) -> StoredFile:
    """Check an uploaded document and store it for ``plugin``.

    ``kinds`` are the accepted kinds by extension (``pdf``, ``doc``, ``docx``,
    ``xls``, ``xlsx``, ``ppt``, ``pptx``, ``odt``, ``ods``, ``odp``);
    ``max_bytes`` defaults to ``PORTAL_MAX_ATTACHMENT_BYTES``. Raises
    :class:`UploadError` (message for the uploader) and stores nothing when
    the file is refused. Call it inside the unit of work that saves the row:
    if that transaction is rolled back, the file is removed.
    """
    accepted = tuple(kinds)
    limit = int(max_bytes or current_app.config["PORTAL_MAX_ATTACHMENT_BYTES"])
    data = read_limited(stream, limit, what=f"Tệp “{original_name or 'không tên'}”")
    kind = detect_kind(data)
    names = ", ".join(sorted({KINDS[k].extension.upper() for k in accepted}))
    if kind.extension not in accepted:
        raise UploadError(
            f"Tệp “{original_name}” là tài liệu {kind.label} (.{kind.extension}); "
            f"ở đây chỉ nhận {names}."
        )
    extension = name_extension(original_name)
    if extension and extension != kind.extension:
        raise UploadError(
            f"Tên tệp “{original_name}” có đuôi .{extension} nhưng nội dung là tài liệu "
            f"{kind.label} (.{kind.extension}). Hãy đổi tên tệp cho đúng loại rồi tải lên lại."
        )
    token = secrets.token_hex(16)
    key = f"{token[:2]}/{token}.{kind.extension}"
    name = plugin_file_name(plugin, key)
    if name is None:
        raise ValueError(f"{plugin!r} is not a plugin name")
    storage = attachments_storage()
    store_upload(storage, name, data, media_type=kind.mime_type)
    remove_unless_committed(db.session(), storage, [name])
    return StoredFile(
        key=key,
        name=clean_file_name(original_name, kind),
        media_type=kind.mime_type,
        size=len(data),
        label=kind.label,
    )


def remove_plugin_file(plugin: str, key: str) -> None:
    """Delete a stored file once the current transaction is committed (kept if it is not)."""
    name = plugin_file_name(plugin, key)
    if name is not None:
        remove_after_commit(db.session(), attachments_storage(), [name])


def send_plugin_file(
    plugin: str, key: str, *, name: str, media_type: str, public: bool
) -> Response | None:
    """A download response for a stored file, or None when it is missing (answer 404 then).

    ``public`` lets shared caches keep it for five minutes; otherwise it is
    private. The type is the one stored when the file was checked.
    """
    from portal.web.stored import send_stored

    stored = plugin_file_name(plugin, key)
    response = None
    if stored is not None:
        response = send_stored(
            attachments_storage(), stored, mimetype=media_type, download_name=name
        )
    if response is None:
        current_app.logger.error("Plugin %s: stored file %r is missing or refused", plugin, key)
        return None
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response
