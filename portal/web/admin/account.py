""" "Tài khoản của tôi": everyone's own account — change the password, see and end
their own sign-in sessions.

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
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.content import users as accounts
from portal.content.users import MIN_PASSWORD_LENGTH
from portal.models.users import ROLE_LABELS
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import STAFF, roles_required
from portal.web.admin.session_list import end_sessions, session_list_context
from portal.web.auth import known_clients, renew_session, this_browser_session, throttle

WRONG_CURRENT_PASSWORD = "Mật khẩu hiện tại không đúng."


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


def _render(form: OwnPasswordForm, refusal=None, status: int = 200):
    user = current_user._get_current_object()
    return (
        render_template(
            "admin/account.html",
            form=form,
            refusal=refusal,
            account=user,
            role_labels=ROLE_LABELS,
            **session_list_context(user, url_for("admin.account_sessions_end")),
        ),
        status,
    )


@bp.get("/account")
@roles_required(*STAFF)
def account():
    return _render(OwnPasswordForm(formdata=None))


@bp.post("/account/password")
@roles_required(*STAFF)
def account_password():
    user = current_user._get_current_object()
    form = OwnPasswordForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    attempt = throttle.Attempt(
        email=user.email.lower(),
        ip=request.remote_addr or "",
        client=f"s{user.session_record.id}",
    )
    refusal = throttle.check(attempt)
    if refusal is not None:
        return _render(form, refusal, 429)
    if not user.check_password(form.current_password.data):
        throttle.count_failure(attempt)
        form.current_password.errors.append(WRONG_CURRENT_PASSWORD)
        return _render(form, status=422)
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
