"""The second step of signing in: a code from the authenticator app, or a recovery code.

After the right password for an account with two-step sign-in on, no session
is started: the browser's Flask session (signed, so it cannot be forged) notes
who passed the first step, when, and a digest of the password hash it passed
with; it lasts :data:`PENDING_MINUTES`, and a password changed meanwhile voids
it. Only a right code starts the session. Wrong codes are throttled per
account, from any address (whoever is here already knew the password), with
the sign-in throttle's waits (:func:`portal.web.auth.throttle.second_step_attempt`).
A code is accepted once (:mod:`portal.content.two_factor`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.content import two_factor, users
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import User
from portal.web.auth import bp, clock, known_clients, sign_in, throttle
from portal.web.security import is_safe_redirect

#: Flask session key of a sign-in waiting for its code.
PENDING = "portal_second_step"
#: How long the code may be typed after the password.
PENDING_MINUTES = 5
START_AGAIN = "Đã quá lâu kể từ khi nhập mật khẩu. Hãy đăng nhập lại."


class CodeForm(FlaskForm):
    code = StringField(
        "Mã xác thực",
        description=(
            "6 chữ số đang hiện trong ứng dụng xác thực của bạn; hoặc một mã khôi phục "
            "(dạng xxxxx-xxxxx) nếu bạn không có điện thoại bên mình."
        ),
        validators=[DataRequired("Hãy nhập mã xác thực."), Length(max=40, message="Mã quá dài.")],
    )


def needed(user: User) -> bool:
    """Whether signing in to ``user`` asks for a code after the password."""
    return two_factor.is_on(user)


def _password_mark(user: User) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = f"second-step|{user.id}|{user.password_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def begin(user: User, attempt: throttle.Attempt, remember: bool, next_url: str | None):
    """The password was right: remember that in this browser and ask for the code."""
    session[PENDING] = {
        "user": user.id,
        "at": int(clock.now().timestamp()),
        "mark": _password_mark(user),
        "remember": bool(remember),
        "client": attempt.client,
    }
    target = url_for("auth.second_step", next=next_url) if next_url else url_for("auth.second_step")
    return redirect(target)


def _pending_user() -> tuple[User, dict] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        started = datetime.fromtimestamp(int(pending["at"]), tz=clock.now().tzinfo)
        user = db.session.get(User, int(pending["user"]))
    except (KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or not needed(user):
        return None
    if clock.now() - started > timedelta(minutes=PENDING_MINUTES):
        return None
    if not hmac.compare_digest(str(pending.get("mark", "")), _password_mark(user)):
        return None
    return user, pending


def _render(form: CodeForm, refusal=None, status: int = 200):
    return (
        render_template(
            "auth/second_step.html",
            form=form,
            refusal=refusal,
            title="Xác thực hai bước",
            site_name=current_app.config["PORTAL_SITE_NAME"],
        ),
        status,
    )


@bp.route("/dang-nhap/xac-thuc", methods=["GET", "POST"])
def second_step():
    found = _pending_user()
    next_url = request.args.get("next")
    if found is None:
        session.pop(PENDING, None)
        flash(START_AGAIN)
        return redirect(url_for("auth.login", next=next_url) if next_url else url_for("auth.login"))
    user, pending = found
    form = CodeForm()
    if not form.validate_on_submit():
        return _render(form, status=422 if form.errors else 200)
    ip = request.remote_addr or ""
    attempt = throttle.second_step_attempt(user.email, ip)
    refusal = throttle.check(attempt)
    if refusal is not None:
        return _render(form, refusal, 429)
    password_attempt = throttle.Attempt(
        email=user.email.lower(), ip=ip, client=str(pending.get("client") or "")
    )
    try:
        with unit_of_work(Actor.of_user(user, ip=ip)):
            how = two_factor.check_sign_in_code(user, form.code.data, now=clock.now())
            throttle.forget(attempt)
            throttle.forget(password_attempt)
            sign_in(user, remember=bool(pending.get("remember")))
            users.record_sign_in(user)
            left = two_factor.recovery_codes_left(user) if how == "recovery" else None
    except users.AccountError as wrong:
        throttle.count_failure(attempt)
        form.code.errors.append(str(wrong))
        return _render(form, status=422)
    if left is not None:
        flash(
            f"Bạn vừa đăng nhập bằng một mã khôi phục; còn {left} mã chưa dùng. "
            "Hãy tạo mã khôi phục mới trong “Tài khoản của tôi” nếu sắp hết.",
            "error" if left <= 3 else "message",
        )
    response = redirect(next_url if is_safe_redirect(next_url) else url_for("reader.home"))
    known_clients.remember(response, user)
    return response
