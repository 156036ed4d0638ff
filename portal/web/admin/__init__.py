"""The admin: dashboard, pages and their blocks, users, audit log, content events.

Every view is guarded by :func:`portal.web.admin.access.roles_required`; every
state-changing request is a POST protected by CSRF (Flask-WTF's CSRFProtect
covers the whole app).
"""

from __future__ import annotations

from werkzeug.exceptions import RequestEntityTooLarge

from portal.web.admin.routes import ROUTES
from portal.web.lazy_views import LazyViewsBlueprint

# The view modules are imported on their first request (a reader's worker never
# imports them); their rules come from ROUTES, so url_for("admin....") works at once.
bp = LazyViewsBlueprint("admin", __name__, ROUTES, url_prefix="/admin")


#: The admin menu: (endpoint, label, roles that see it). An entry shows only when
#: its screen is installed and the signed-in user has one of its roles.
MENU_ENTRIES = (
    ("admin.articles_list", "Bài viết", ("admin", "editor", "author")),
    ("admin.categories_list", "Chuyên mục", ("admin", "editor")),
    ("admin.media_list", "Thư viện ảnh", ("admin", "editor", "author")),
    ("admin.pages_list", "Trang & khối", ("admin",)),
    ("admin.redirects_list", "Chuyển hướng", ("admin", "editor")),
    ("admin.users_list", "Người dùng", ("admin",)),
    ("admin.audit_log", "Nhật ký thay đổi", ("admin",)),
    ("admin.content_events", "Sự kiện nội dung", ("admin",)),
    ("admin.plugins_list", "Plugin", ("admin",)),
    ("admin.compliance", "Tuân thủ Nghị định 42", ("admin",)),
    ("admin.exchange", "Xuất / nhập dữ liệu", ("admin",)),
)
#: Screens whose endpoints do not share the menu entry's prefix but belong to it.
MENU_SECTIONS = {
    "admin.pages_list": ("admin.page", "admin.block_"),
    "admin.redirects_list": ("admin.redirect",),
    "admin.exchange": ("admin.exchange",),
}


# A global of the app, not a context processor of this blueprint: the admin screens of
# plugins live in their own blueprints and extend admin/base.html too.
@bp.app_template_global()
def admin_menu():
    """The admin menu entries the signed-in user may see: the core's, then plugins'."""
    from flask import current_app, request, url_for
    from flask_login import current_user

    from portal.plugin_pages import admin_screens
    from portal.plugins import plugins_of

    here = request.endpoint or ""
    role = getattr(current_user, "role", None)
    in_use = plugins_of(current_app).endpoint_in_use  # a switched-off plugin's screens are gone
    entries = [
        {
            "url": url_for(endpoint),
            "label": label,
            "current": here.startswith(MENU_SECTIONS.get(endpoint, (endpoint.rsplit("_", 1)[0],))),
        }
        for endpoint, label, roles in MENU_ENTRIES
        if endpoint in current_app.view_functions and in_use(endpoint) and role in roles
    ]
    # Screens of plugins (portal_admin_screens), after the core's, for their roles only.
    entries.extend(
        {"url": url_for(screen.endpoint), "label": screen.label, "current": here == screen.endpoint}
        for screen in admin_screens()
        if role in screen.roles and in_use(screen.endpoint)
    )
    return entries


@bp.app_template_global()
def unread_notifications() -> int:
    """How many notifications the signed-in person has not read (the header's bell)."""
    from flask_login import current_user

    from portal.content.notifications import unread_count

    if not current_user.is_authenticated:
        return 0
    return unread_count(current_user)


@bp.app_template_global()
def notification_email_choices() -> list:
    """(kind, label, chosen) for the e-mail choices on the signed-in person's account page."""
    from flask_login import current_user

    from portal.content.notifications import email_choices

    return email_choices(current_user) if current_user.is_authenticated else []


@bp.context_processor
def admin_helpers():
    from portal.content.page_drafts import block_label, layout_title, region_title, setting_title

    return {
        "block_label": block_label,
        "layout_title": layout_title,
        "region_title": region_title,
        "setting_title": setting_title,
    }


#: What an admin without two-step sign-in may still open while ``PORTAL_REQUIRE_ADMIN_2FA``
#: is on: the screens that set it up.
SECOND_FACTOR_SETUP = frozenset(
    {"admin.account_2fa", "admin.account_2fa_start", "admin.account_2fa_confirm"}
)


@bp.before_request
def require_admin_second_factor():
    """With ``PORTAL_REQUIRE_ADMIN_2FA`` on, an admin without two-step sign-in goes to set
    it up before anything else in the admin (signing out stays possible)."""
    from flask import current_app, flash, redirect, request, url_for
    from flask_login import current_user

    if not current_app.config.get("PORTAL_REQUIRE_ADMIN_2FA"):
        return None
    if not current_user.is_authenticated or current_user.role != "admin":
        return None
    if request.endpoint in SECOND_FACTOR_SETUP:
        return None
    from portal.content import two_factor

    if two_factor.is_on(current_user):
        return None
    flash(
        "Site yêu cầu mọi quản trị viên bật xác thực hai bước. "
        "Hãy bật nó trước khi dùng các trang quản trị khác.",
        "error",
    )
    return redirect(url_for("admin.account_2fa"))


def _register_error_pages() -> None:
    from portal.web.admin.access import bad_request, forbidden, too_large

    bp.register_error_handler(403, forbidden)
    bp.register_error_handler(400, bad_request)
    bp.register_error_handler(RequestEntityTooLarge, too_large)


_register_error_pages()

# Admin screens show unpublished content: portal.security marks every response
# under /admin "private, no-store".
