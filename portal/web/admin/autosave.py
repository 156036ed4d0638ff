"""The editors' autosave: keep what was typed in a form, offer it back, throw it away.

``POST /admin/autosave`` (JSON: ``key``, ``base_version``, ``fields``, the
form's token in ``X-CSRFToken``) keeps the typed fields through
:mod:`portal.content.autosaves`; ``POST /admin/autosave/discard`` removes them
("Bỏ bản tự lưu"). Who may keep an autosave of a form is who may save the
form: the article's editors (:func:`portal.content.articles.can`), the site
admins for a page's forms. An autosave typed against an older version is
kept (nothing typed is lost) and answered with ``stale``: saving the form
will show the conflict screen.
"""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_login import current_user

from portal.content import articles as workflow
from portal.content import autosaves
from portal.content.page_drafts import edit_version
from portal.extensions import db
from portal.models import Article, Page
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, STAFF, roles_required


def current_version(form_key: str) -> str:
    """The version of the saved thing behind ``form_key`` the user may save; aborts otherwise.

    403 when the account may not save that form, 404 when its article or page is gone.
    """
    parts = form_key.split(":")
    if parts[0] == "article" and len(parts) == 2:
        if parts[1] == "new":
            if not workflow.can(current_user, "create"):
                abort(403)
            return ""
        if not parts[1].isdigit():
            abort(400, "Biểu mẫu tự lưu không hợp lệ.")
        article = db.session.get(Article, int(parts[1])) or abort(404)
        if not workflow.can(current_user, "edit", article):
            abort(403)
        return str(article.version)
    if parts[0] == "page" and len(parts) >= 3 and parts[1].isdigit():
        if current_user.role not in SITE_ADMINS:
            abort(403)
        if parts[1:] == ["0", "new"]:  # the "new page" form
            return ""
        page = db.session.get(Page, int(parts[1])) or abort(404)
        return "" if parts[2] in ("properties",) else edit_version(page)
    abort(400, "Biểu mẫu tự lưu không hợp lệ.")


def _posted() -> tuple[str, dict]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        abort(400, "Dữ liệu tự lưu không hợp lệ.")
    key = data["key"]
    if not autosaves.KEY_PATTERN.fullmatch(key):
        abort(400, "Biểu mẫu tự lưu không hợp lệ.")
    return key, data


@bp.post("/autosave")
@roles_required(*STAFF)
def autosave_store():
    key, data = _posted()
    version = current_version(key)
    base = str(data.get("base_version") or "")
    try:
        with change():
            record = autosaves.store(current_user, key, data.get("fields"), base)
            saved_at = record.updated_at
    except autosaves.AutosaveError as exc:
        return jsonify(ok=False, error=str(exc)), 400
    stale = bool(version and base and base != version)
    return jsonify(
        ok=True,
        saved_at=saved_at.isoformat(timespec="seconds"),
        stale=stale,
        message=(
            "Đã tự lưu. Bản đã lưu vừa được người khác thay đổi: khi bấm Lưu, bạn sẽ thấy "
            "khác biệt trước khi ghi đè."
            if stale
            else "Đã tự lưu."
        ),
    )


@bp.post("/autosave/discard")
@roles_required(*STAFF)
def autosave_discard():
    key, _data = _posted()
    current_version(key)
    with change():
        removed = autosaves.clear(current_user, key)
    return jsonify(ok=True, removed=removed)
