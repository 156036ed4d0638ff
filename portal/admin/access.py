"""Who may use which admin screen."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

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
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
