"""Sign-in and sign-out for the people who run the site.

Failed sign-ins are rate-limited per e-mail and per client address
(:mod:`portal.auth.throttle`); ``next`` only ever leads back into this site;
deactivated accounts cannot sign in and lose their session on the next
request. Signing in and out is recorded in the audit log.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from portal import audit
from portal.auth import throttle
from portal.extensions import db, login_manager
from portal.i18n import translate as _
from portal.models import User
from portal.security import is_safe_redirect

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Thư điện tử hoặc mật khẩu không đúng."
ACCOUNT_DISABLED = "Tài khoản này đã bị khóa. Hãy liên hệ quản trị viên của site."


class LoginForm(FlaskForm):
    email = EmailField(
        "Thư điện tử",
        validators=[
            DataRequired("Hãy nhập thư điện tử."),
            Email("Thư điện tử không hợp lệ."),
            Length(max=300, message="Thư điện tử quá dài."),
        ],
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Hãy nhập mật khẩu."), Length(max=500)]
    )
    remember = BooleanField("Ghi nhớ đăng nhập")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in account; a deactivated one counts as signed out from its next request."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


login_manager.login_view = "auth.login"
login_manager.login_message = "Hãy đăng nhập để tiếp tục."

_dummy_hash: str | None = None


def _spend_hashing_time(password: str) -> None:
    """Check the password against a throw-away hash, so that an unknown e-mail
    takes as long to refuse as a wrong password (no hint that an account exists)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("khong-phai-mat-khau-that")
    check_password_hash(_dummy_hash, password)


def sign_in_redirect():
    """Send a signed-out visitor to the sign-in page, to come back here afterwards.

    For a form post "here" is the page that sent the form (a POST-only address
    opened after signing in would only say "not found"), else the admin's start page.
    """
    if request.method in ("GET", "HEAD"):
        back = request.full_path.rstrip("?")
    elif request.referrer and is_safe_redirect(request.referrer):
        parts = urlsplit(request.referrer)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        back = url_for("admin.dashboard")
    return redirect(url_for("auth.login", next=back))


def _after_sign_in_url(next_url: str | None) -> str:
    return next_url if is_safe_redirect(next_url) else url_for("reader.home")


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_url = request.args.get("next")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_after_sign_in_url(next_url))
    refusal = None
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        ip = request.remote_addr or ""
        refusal = throttle.check(email, ip)
        if refusal is not None:
            status = 429
        else:
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
            if user is None:
                _spend_hashing_time(form.password.data)
            elif user.check_password(form.password.data):
                if user.active:
                    throttle.clear(email)
                    login_user(user, remember=form.remember.data)
                    audit.record(
                        "auth.login",
                        subject_type="user",
                        subject_id=user.id,
                        summary=f"Đăng nhập: {user.email}",
                        user=user,
                    )
                    db.session.commit()
                    return redirect(_after_sign_in_url(next_url))
                form.email.errors.append(ACCOUNT_DISABLED)
                return _render(form, None, 403)
            throttle.record_failure(email, ip)
            db.session.commit()
            form.password.errors.append(WRONG_CREDENTIALS)
    if form.errors:
        status = 422
    return _render(form, refusal, status)


def _render(form: LoginForm, refusal, status: int, *, expired: bool = False):
    return (
        render_template(
            "auth/login.html", form=form, refusal=refusal, expired=expired, title=_("Đăng nhập")
        ),
        status,
    )


@bp.errorhandler(CSRFError)
def form_expired(error):
    """A sign-in or sign-out form without a valid token: nothing was done; say so and offer it again."""
    if request.endpoint == "auth.login":
        return _render(LoginForm(formdata=None), None, 400, expired=True)
    return render_template(
        "admin/error.html",
        title="Không thực hiện được",
        message="Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ, nên bạn chưa được đăng xuất. "
        "Hãy tải lại trang và thử lần nữa.",
    ), 400


@bp.post("/dang-xuat")
def logout():
    if not current_user.is_authenticated:
        return sign_in_redirect()
    audit.record(
        "auth.logout",
        subject_type="user",
        subject_id=current_user.id,
        summary=f"Đăng xuất: {current_user.email}",
    )
    db.session.commit()
    logout_user()
    flash("Bạn đã đăng xuất.")
    return redirect(url_for("reader.home"))
