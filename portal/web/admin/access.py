"""Who may use which admin screen, and what someone who may not is shown."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from portal.content.media import file_size
from portal.web.auth import sign_in_redirect

#: Roles allowed to arrange pages and manage the site.
SITE_ADMINS = ("admin",)
#: Roles allowed into the admin at all.
STAFF = ("admin", "editor", "author")
#: How Flask-WTF describes a form token older than ``PORTAL_CSRF_TIME_LIMIT_SECONDS``.
EXPIRED_TOKEN = "The CSRF token has expired."


def roles_required(*roles: str):
    """Signed-out visitors go to the sign-in page; signed-in users without a role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return sign_in_redirect()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def keeps_typing_when_expired(view):
    """Mark a form view that shows its form again, as typed, when the form's token has expired.

    Nothing an editor typed may be lost because the form stayed open too
    long: instead of the generic 400 page the view is called again with
    :func:`form_expired` true; it must then render the form from the
    request, with a fresh token and the message, and save nothing. Put it
    below ``roles_required`` so the role check runs first.
    """
    view.keeps_typing_when_expired = True
    return view


def form_expired() -> bool:
    """True while a view marked :func:`keeps_typing_when_expired` re-shows an expired form."""
    return bool(g.get("portal_form_expired"))


def forbidden(error):
    """403 inside the admin: say so in the admin's own frame, in Vietnamese."""
    return render_template(
        "admin/error.html",
        title="Bạn không có quyền dùng trang này",
        message=(
            "Tài khoản của bạn không có quyền mở trang quản trị này. "
            "Nếu bạn cần dùng nó, hãy nhờ một quản trị viên của site."
        ),
    ), 403


def bad_request(error):
    """400 inside the admin: a missing or stale form token, or a malformed request."""
    if isinstance(error, CSRFError) and error.description == EXPIRED_TOKEN:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "keeps_typing_when_expired", False) and not form_expired():
            g.portal_form_expired = True
            try:
                return current_app.ensure_sync(view)(**(request.view_args or {}))
            except HTTPException as refusal:  # e.g. 403: the role check runs as usual
                return current_app.handle_http_exception(refusal)
    if isinstance(error, CSRFError):
        message = (
            "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ, nên không có gì được lưu. "
            "Hãy quay lại trang trước, tải lại rồi thử lần nữa."
        )
    else:
        message = (
            error.description
            if isinstance(error.description, str) and not error.description.startswith("The ")
            else "Yêu cầu không hợp lệ, nên không có gì được lưu."
        )
    return render_template("admin/error.html", title="Không thực hiện được", message=message), 400


def too_large(error: RequestEntityTooLarge):
    """A request bigger than MAX_CONTENT_LENGTH: say so in Vietnamese, in the admin's frame."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template(
        "admin/error.html",
        title="Tệp tải lên quá lớn",
        message=(
            f"Tổng dung lượng gửi lên vượt quá {file_size(limit)}, nên không có gì được lưu. "
            "Hãy thu nhỏ tệp rồi thử lại."
        ),
    ), 413
