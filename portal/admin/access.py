"""Who may use which admin screen, and what someone who may not is shown."""

from __future__ import annotations

from functools import wraps

from flask import abort, render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from portal.auth import sign_in_redirect

#: Roles allowed to arrange pages and manage the site.
SITE_ADMINS = ("admin",)
#: Roles allowed into the admin at all.
STAFF = ("admin", "editor", "author")


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
