""" "Tài khoản của tôi": everyone's own account — change their name and e-mail, the
password, two-step sign-in (portal/web/admin/account_2fa.py), see and end their own
sign-in sessions.

A new e-mail address (the sign-in name) needs the current password, like a new
password; the name alone does not.

Changing the password needs the current one (a borrowed, still signed-in
browser must not be enough to take the account over); wrong guesses are
throttled like sign-ins, counted for this session alone. A new password ends
every other session of the account; this browser stays signed in with a new
session.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.content import audit, two_factor
from portal.content import users as accounts
from portal.content.users import MIN_PASSWORD_LENGTH
from portal.models.users import ROLE_LABELS, User
from portal.text import strip_text
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import STAFF, roles_required
from portal.web.admin.session_list import end_sessions, session_list_context
from portal.web.auth import (
    email_address,
    known_clients,
    renew_session,
    this_browser_session,
    throttle,
)

WRONG_CURRENT_PASSWORD = "Mật khẩu hiện tại không đúng."


class CurrentPasswordRefused(Exception):
    """The current password asked for a change was not accepted: ``status`` 429 with
    ``message`` (too many tries), or 422 (wrong; the error is on the form's field)."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or WRONG_CURRENT_PASSWORD)
        self.status, self.message = status, message


def confirm_current_password(user: User, field) -> throttle.Attempt:
    """Check that ``field`` holds ``user``'s current password, throttled like signing in
    (per account, address and browser session), before a change that needs it.

    Returns the attempt, to forget once the change is made; raises
    :class:`CurrentPasswordRefused` (a wrong password is counted and shown on ``field``).
    """
    attempt = throttle.Attempt(
        email=user.email.lower(),
        ip=request.remote_addr or "",
        client=f"s{user.session_record.id}",
    )
    refusal = throttle.check(attempt)
    if refusal is not None:
        raise CurrentPasswordRefused(429, refusal)
    if not user.check_password(field.data):
        throttle.count_failure(attempt)
        field.errors.append(WRONG_CURRENT_PASSWORD)
        raise CurrentPasswordRefused(422)
    return attempt


class OwnPasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại",
        validators=[DataRequired("Hãy nhập mật khẩu hiện tại."), Length(max=500)],
    )
    new_password = PasswordField(
        "Mật khẩu mới",
        description=f"Ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
        validators=[
            DataRequired("Hãy nhập mật khẩu mới."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=500,
                message=f"Mật khẩu cần từ {MIN_PASSWORD_LENGTH} đến 500 ký tự.",
            ),
        ],
    )
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[
            DataRequired("Hãy nhập lại mật khẩu mới."),
            EqualTo("new_password", message="Hai lần nhập mật khẩu mới không giống nhau."),
        ],
    )


class ProfileForm(FlaskForm):
    name = StringField(
        "Họ và tên",
        filters=[strip_text],
        validators=[
            DataRequired("Hãy nhập họ và tên."),
            Length(max=200, message="Tối đa 200 ký tự."),
        ],
    )
    email = EmailField(
        "Thư điện tử",
        description="Dùng để đăng nhập và nhận thư đặt lại mật khẩu.",
        filters=[
            lambda value: accounts.normalise_email(value) if isinstance(value, str) else value
        ],
        validators=[
            DataRequired("Hãy nhập thư điện tử."),
            email_address,
            Length(max=300, message="Tối đa 300 ký tự."),
        ],
    )
    profile_password = PasswordField(
        "Mật khẩu hiện tại",
        description="Chỉ cần khi đổi thư điện tử.",
        validators=[Length(max=500)],
    )


def _render(
    form: OwnPasswordForm | None = None,
    refusal=None,
    status: int = 200,
    *,
    profile: ProfileForm | None = None,
    profile_refusal=None,
):
    user = current_user._get_current_object()
    if form is None:
        form = OwnPasswordForm(formdata=None)
    if profile is None:
        profile = ProfileForm(formdata=None, obj=user)
    return (
        render_template(
            "admin/account.html",
            form=form,
            refusal=refusal,
            profile=profile,
            profile_refusal=profile_refusal,
            two_factor_on=two_factor.is_on(user),
            account=user,
            role_labels=ROLE_LABELS,
            **session_list_context(user, url_for("admin.account_sessions_end")),
        ),
        status,
    )


@bp.get("/account")
@roles_required(*STAFF)
def account():
    return _render()


@bp.post("/account/password")
@roles_required(*STAFF)
def account_password():
    user = current_user._get_current_object()
    form = OwnPasswordForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    try:
        attempt = confirm_current_password(user, form.current_password)
    except CurrentPasswordRefused as refused:
        return _render(form, refused.message, refused.status)
    here = this_browser_session(user)
    with change():
        throttle.forget(attempt)
        ended = accounts.change_own_password(user, form.new_password.data, keep=here)
        renew_session(user, here)
    flash(
        "Đã đổi mật khẩu."
        + (f" {ended} phiên đăng nhập khác của bạn đã kết thúc." if ended else "")
    )
    response = redirect(url_for("admin.account"))
    # The new password invalidated this browser's "known client" proof: renew it.
    known_clients.remember(response, user)
    return response


@bp.post("/account/sessions/end")
@roles_required(*STAFF)
def account_sessions_end():
    end_sessions(current_user._get_current_object())
    return redirect(url_for("admin.account", _anchor="phien-dang-nhap"))


@bp.post("/account/profile")
@roles_required(*STAFF)
def account_profile():
    """Change one's own name and e-mail; a new e-mail needs the current password."""
    user = current_user._get_current_object()
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render(profile=form, status=422)
    attempt = None
    if form.email.data != user.email.lower():
        if not form.profile_password.data:
            form.profile_password.errors.append(
                "Hãy nhập mật khẩu hiện tại để đổi thư điện tử đăng nhập."
            )
            return _render(profile=form, status=422)
        try:
            attempt = confirm_current_password(user, form.profile_password)
        except CurrentPasswordRefused as refused:
            return _render(profile=form, profile_refusal=refused.message, status=refused.status)
    try:
        with change():
            if attempt is not None:
                throttle.forget(attempt)
            changed = accounts.update_profile(user, name=form.name.data, email=form.email.data)
    except accounts.AccountError as refusal:
        target = form.email if refusal.field == "email" else form.name
        target.errors.append(str(refusal))
        return _render(profile=form, status=422)
    flash("Đã lưu thông tin tài khoản." if changed else audit.NOTHING_CHANGED)
    return redirect(url_for("admin.account"))
