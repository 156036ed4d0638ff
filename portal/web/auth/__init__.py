"""Sign-in and sign-out for the people who run the site.

Every sign-in is a server-side session record (:mod:`portal.web.auth.sessions`)
whose token the session and remember-me cookies carry, so it can be ended;
the token is new at every sign-in. Failed sign-ins are throttled
(:mod:`portal.web.auth.throttle`) in a way that cannot keep the owner's own
browser out (:mod:`portal.web.auth.known_clients`); ``next`` only ever leads back
into this site; deactivated accounts cannot sign in and lose their session on
the next request. Signing in and out is recorded in the audit log.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.content import users
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db, login_manager
from portal.i18n import translate as _
from portal.models import User, UserSession
from portal.web.actor import change
from portal.web.auth import known_clients, sessions, throttle
from portal.web.security import is_safe_redirect

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Thư điện tử hoặc mật khẩu không đúng."
ACCOUNT_DISABLED = "Tài khoản này đã bị khóa. Hãy liên hệ quản trị viên của site."


def email_address(form, field) -> None:
    """Form validator: the e-mail rule of :func:`portal.content.users.check_email`, applied
    to the address as accounts keep it (as ``create_user`` and sign-in read it)."""
    try:
        users.check_email(users.normalise_email(field.data or ""))
    except users.InvalidEmail as exc:
        raise ValidationError(str(exc)) from exc


class LoginForm(FlaskForm):
    email = EmailField(
        "Thư điện tử",
        validators=[
            DataRequired("Hãy nhập thư điện tử."),
            email_address,
            Length(max=300, message="Thư điện tử quá dài."),
        ],
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Hãy nhập mật khẩu."), Length(max=500)]
    )
    remember = BooleanField("Ghi nhớ đăng nhập")


#: Flask session keys: this browser's session was found ended or expired; a form it
#: sent was not saved (why: "ended" or "signed_out").
SESSION_ENDED = "portal_session_ended"
NOT_SAVED = "portal_not_saved"
SESSION_ENDED_MESSAGE = (
    "Phiên đăng nhập của bạn đã kết thúc (quá thời hạn, hoặc đã được đăng xuất từ nơi khác). "
    "Hãy đăng nhập lại."
)
POST_NOT_SAVED = (
    "Phiên đăng nhập của bạn đã kết thúc nên nội dung bạn vừa gửi CHƯA được lưu. "
    "Hãy đăng nhập lại rồi nhập lại."
)
POST_NOT_SIGNED_IN = "Bạn chưa đăng nhập nên nội dung vừa gửi chưa được lưu. Hãy đăng nhập."


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The account whose session this token is; None once the session ended or expired,
    or the account was deactivated (then the cookies are dropped too)."""
    user = sessions.resolve(token)
    if user is None:
        _drop_session_token()
    return user


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def _drop_session_token() -> None:
    for key in ("_user_id", "_fresh", "_id", "_remember_seconds"):
        session.pop(key, None)
    if _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"  # Flask-Login deletes the cookie with the response
    session[SESSION_ENDED] = True


#: Endpoints of plain files: they never need the signed-in account.
FILE_ENDPOINTS = frozenset(
    {"static", "core.block_static", "core.favicon", "reader.media", "vendor.tinymce"}
)


@bp.before_app_request
def check_session() -> None:
    """Look the session up before the view runs, and save "last seen" at once, so the
    view's own transaction never carries it (and reading pages stays read-only)."""
    cookies = request.cookies
    if request.endpoint in FILE_ENDPOINTS or (
        current_app.config["SESSION_COOKIE_NAME"] not in cookies
        and _remember_cookie_name() not in cookies
    ):
        return
    if current_user.is_authenticated:
        sessions.save_seen()


def sign_in(user: User, *, remember: bool) -> None:
    """Start a new session for ``user`` in this browser (inside the caller's unit of work).

    Whatever the browser had is dropped first: its session record, the Flask
    session with its CSRF token, an older remember-me cookie; the new token is
    random, so the session id rotates at every sign-in.
    """
    if current_user.is_authenticated and current_user.session_record is not None:
        sessions.end(current_user.session_record)
    session.clear()
    if not remember and _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"
    sessions.start(user, remembered=remember)
    login_user(user, remember=remember, duration=sessions.remember_duration() if remember else None)


def this_browser_session(user: User) -> UserSession | None:
    """The session of this browser when ``user`` is the one signed in here, else None.

    A change that ends every session of an account keeps this one
    (:mod:`portal.content.users`), and :func:`renew_session` then replaces it.
    """
    if current_user.is_authenticated and current_user.id == user.id:
        return current_user.session_record
    return None


def renew_session(user: User, kept: UserSession | None) -> None:
    """After a change of password, role or status that ended every other session of
    ``user``: this browser, whose session was ``kept``, gets a new one (the token
    rotates), so the person stays signed in here and only here."""
    if kept is not None and user.active:
        sign_in(user, remember=kept.remembered)


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
    ended = session.get(SESSION_ENDED, False)
    if request.method in ("GET", "HEAD"):
        back = request.full_path.rstrip("?")
    elif request.referrer and is_safe_redirect(request.referrer):
        parts = urlsplit(request.referrer)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        back = url_for("admin.dashboard")
    if request.method not in ("GET", "HEAD"):
        # Whatever was typed is lost with this request: the sign-in page says so plainly.
        session.pop(SESSION_ENDED, None)
        session[NOT_SAVED] = "ended" if ended else "signed_out"
    return redirect(url_for("auth.login", next=back))


def _after_sign_in_url(next_url: str | None) -> str:
    return next_url if is_safe_redirect(next_url) else url_for("reader.home")


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_url = request.args.get("next")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_after_sign_in_url(next_url))
    notice = SESSION_ENDED_MESSAGE if session.pop(SESSION_ENDED, False) else None
    not_saved = {"ended": POST_NOT_SAVED, "signed_out": POST_NOT_SIGNED_IN}.get(
        session.pop(NOT_SAVED, None)
    )
    refusal = None
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        attempt = throttle.Attempt(
            email=email, ip=request.remote_addr or "", client=known_clients.client_for(user)
        )
        refusal = throttle.check(attempt)
        if refusal is not None:
            status = 429
        else:
            if user is None:
                _spend_hashing_time(form.password.data)
            elif user.check_password(form.password.data):
                if user.active and second_step.needed(user):
                    # No session yet: the code from the app comes first.
                    return second_step.begin(user, attempt, form.remember.data, next_url)
                if user.active:
                    with unit_of_work(Actor.of_user(user, ip=request.remote_addr or "")):
                        throttle.forget(attempt)
                        sign_in(user, remember=form.remember.data)
                        users.record_sign_in(user)
                    response = redirect(_after_sign_in_url(next_url))
                    known_clients.remember(response, user)
                    return response
                form.email.errors.append(ACCOUNT_DISABLED)
                return _render(form, None, 403)
            throttle.count_failure(attempt)
            form.password.errors.append(WRONG_CREDENTIALS)
    if form.errors:
        status = 422
    return _render(form, refusal, status, notice=notice, not_saved=not_saved)


def _render(form: LoginForm, refusal, status: int, *, expired=False, notice=None, not_saved=None):
    return (
        render_template(
            "auth/login.html",
            form=form,
            refusal=refusal,
            expired=expired,
            notice=notice,
            not_saved=not_saved,
            title=_("Đăng nhập"),
        ),
        status,
    )


@bp.errorhandler(CSRFError)
def form_expired(error):
    """A sign-in or sign-out form without a valid token: nothing was done; say so and offer it again."""
    if request.endpoint == "auth.login":
        return _render(LoginForm(formdata=None), None, 400, expired=True)
    if request.endpoint == "auth.logout":
        message = (
            "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ, nên bạn chưa được đăng xuất. "
            "Hãy tải lại trang và thử lần nữa."
        )
    else:
        message = (
            "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ, nên chưa có gì thay đổi. "
            "Hãy tải lại trang và thử lần nữa."
        )
    return render_template("admin/error.html", title="Không thực hiện được", message=message), 400


@bp.post("/dang-xuat")
def logout():
    if not current_user.is_authenticated:
        return sign_in_redirect()
    with change():
        users.record_sign_out(current_user._get_current_object())
        if current_user.session_record is not None:
            sessions.end(current_user.session_record)
    logout_user()
    flash("Bạn đã đăng xuất.")
    return redirect(url_for("reader.home"))


# Routes of the other sign-in pages, on this blueprint (imported last: they use the above).
from portal.web.auth import account_links, second_step  # noqa: E402, F401
