"""Attachment downloads: ``/tai-lieu/<id>/<name>``, with headers that make the file inert.

Readers get the attachments of public articles; staff get those of any
article they may open in the admin. The file is sent as a download under its
original name, with the type stored when it was checked (never guessed), and
a sandboxing Content-Security-Policy in case a browser renders it anyway.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from portal.content.attachments import attachment_path
from portal.extensions import db
from portal.models import Attachment

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
    path = attachment_path(attachment)
    if path is None:
        current_app.logger.error(
            "Attachment %s: refusing the file name %r, which leads outside the attachments folder",
            attachment.id,
            attachment.stored_name,
        )
        abort(404)
    if not path.is_file():
        current_app.logger.error("Attachment %s: file %s is missing", attachment.id, path)
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.mime_type,
        as_attachment=True,
        download_name=attachment.original_name,
        conditional=True,
        etag=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if attachment.article.is_public:
        response.headers["Cache-Control"] = "public, max-age=300"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response
