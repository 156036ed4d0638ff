"""Attachment downloads: ``/tai-lieu/<id>/<name>``, with headers that make the file inert.

Readers get the attachments of public articles; staff get those of any
article they may open in the admin. The file is sent as a download under its
original name, with the type stored when it was checked (never guessed), and
a sandboxing Content-Security-Policy in case a browser renders it anyway.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_login import current_user

from portal.content.attachments import attachment_file, attachments_storage
from portal.extensions import db
from portal.models import Attachment
from portal.web.stored import redirect_to_store, send_stored

#: The endpoint stays ``attachments.download`` (templates and links name it).
bp = Blueprint("attachments", __name__)

#: The file is shown by no page of ours: if a browser renders it anyway, it runs nothing.
DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def may_download(attachment: Attachment) -> bool:
    """Readers: attachments of public articles. Staff: any article they may open in the admin."""
    article = attachment.article
    if article.is_public:
        return True
    if not getattr(current_user, "is_authenticated", False):
        return False
    return current_user.is_editor or article.created_by_id == current_user.id


@bp.get("/tai-lieu/<int:attachment_id>/<name>")
def download(attachment_id: int, name: str):
    """Send an attachment as a download under its original name (RFC 5987 ``filename*``)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not may_download(attachment):
        abort(404)
    name = attachment_file(attachment)
    if name is None:  # logged: the row names a file outside the attachments area
        abort(404)
    storage = attachments_storage()
    public = attachment.article.is_public
    if public:  # only what every reader may fetch ever leaves the portal's checks
        moved = redirect_to_store(
            storage,
            name,
            public=False,
            download_name=attachment.original_name,
            media_type=attachment.mime_type,
        )
        if moved is not None:
            return moved
    response = send_stored(
        storage, name, mimetype=attachment.mime_type, download_name=attachment.original_name
    )
    if response is None:
        current_app.logger.error("Attachment %s: file %s is missing", attachment.id, name)
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if public:
        response.headers["Cache-Control"] = "public, max-age=300"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response
