"""The admin: dashboard, pages and their blocks, users, audit log.

Every view is guarded by :func:`portal.admin.access.roles_required`; every
state-changing request is a POST protected by CSRF (Flask-WTF's CSRFProtect
covers the whole app).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


#: Admin screens beyond pages, shown in the menu when their module is installed.
MENU_ENTRIES = (
    ("admin.users_list", "Người dùng"),
    ("admin.audit_log", "Nhật ký thay đổi"),
    ("admin.plugins_list", "Plugin"),
)


@bp.context_processor
def admin_menu_items():
    from flask import current_app, request, url_for

    def admin_menu():
        return [
            {
                "url": url_for(endpoint),
                "label": label,
                "current": (request.endpoint or "").startswith(endpoint.rsplit("_", 1)[0]),
            }
            for endpoint, label in MENU_ENTRIES
            if endpoint in current_app.view_functions
        ]

    from portal.page_drafts import block_label

    return {"admin_menu": admin_menu, "block_label": block_label}


def _register_error_pages() -> None:
    from portal.admin.access import bad_request, forbidden

    bp.register_error_handler(403, forbidden)
    bp.register_error_handler(400, bad_request)


_register_error_pages()


@bp.after_request
def no_store(response):
    """Admin screens show unpublished content: never keep them in shared caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


from portal.admin import (  # noqa: E402,F401  (registers views)
    audit_log,
    dashboard,
    page_editor,
    pages,
    users,
)
