"""Links sent by e-mail: "Quên mật khẩu?" and accepting an invitation.

The forgot-password form answers the same whatever was typed (an account or
not, active or not), so it tells nobody which addresses have accounts; the
e-mail leaves in a thread after the answer, so the time taken tells nothing
either. Requests are limited per address typed and per client address
(:func:`portal.web.auth.throttle.check_reset_request`). The rules of the links
themselves (single use, expiry, what a reset ends) are in
:mod:`portal.content.account_tokens`. Pages that carry a token in their address
send no referrer.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.content import account_tokens, users
from portal.content.users import MIN_PASSWORD_LENGTH
from portal.extensions import db
from portal.models import User
from portal.site import absolute_url
from portal.text import strip_text
from portal.web.actor import change
from portal.web.auth import bp, clock, email_address, known_clients, sign_in, throttle

log = logging.getLogger("portal.auth")

SENT = (
    "Nếu địa chỉ này là của một tài khoản đang hoạt động, chúng tôi vừa gửi tới đó một thư "
    "có liên kết để đặt mật khẩu mới. Hãy kiểm tra hộp thư (cả mục thư rác). "
    "Liên kết dùng được một lần, trong {minutes} phút."
)
RESET_DONE = (
    "Đã đặt mật khẩu mới. Mọi phiên đăng nhập của tài khoản đã kết thúc; "
    "hãy đăng nhập bằng mật khẩu mới."
)


def reset_lifetime() -> timedelta:
    return timedelta(minutes=int(current_app.config["PORTAL_PASSWORD_RESET_MINUTES"]))


def invitation_lifetime() -> timedelta:
    return timedelta(days=int(current_app.config["PORTAL_INVITATION_DAYS"]))


def _password_fields():
    return (
        PasswordField(
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
        ),
        PasswordField(
            "Nhập lại mật khẩu mới",
            validators=[
                DataRequired("Hãy nhập lại mật khẩu mới."),
                EqualTo("new_password", message="Hai lần nhập mật khẩu mới không giống nhau."),
            ],
        ),
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Thư điện tử của tài khoản",
        validators=[
            DataRequired("Hãy nhập thư điện tử."),
            email_address,
            Length(max=300, message="Thư điện tử quá dài."),
        ],
    )


class NewPasswordForm(FlaskForm):
    new_password, confirm = _password_fields()


class InvitationForm(FlaskForm):
    name = StringField(
        "Họ và tên",
        filters=[strip_text],
        validators=[
            DataRequired("Hãy nhập họ và tên."),
            Length(max=200, message="Tối đa 200 ký tự."),
        ],
    )
    new_password, confirm = _password_fields()


def send_in_background(to: str, subject: str, body: str) -> threading.Thread:
    """Send an e-mail after this request has answered (a failure is logged, not shown)."""
    from portal import mail

    app = current_app._get_current_object()

    def send() -> None:
        with app.app_context():
            try:
                mail.send(to, subject, body)
            except mail.MailError as error:
                log.warning("e-mail %r to %s not sent: %s", subject, to, error)

    thread = threading.Thread(target=send, name="portal-mail", daemon=True)
    thread.start()
    return thread


def _no_referrer(response):
    """The token in this page's address must not leave in a Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(template: str, status: int = 200, **context):
    site = current_app.config["PORTAL_SITE_NAME"]
    response = current_app.make_response(
        (render_template(template, site_name=site, **context), status)
    )
    return _no_referrer(response)


def _unusable(kind: str):
    return _page("auth/link_unusable.html", 410, kind=kind, title="Liên kết không còn dùng được")


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    minutes = int(current_app.config["PORTAL_PASSWORD_RESET_MINUTES"])
    title = "Quên mật khẩu"
    if form.validate_on_submit():
        email = users.normalise_email(form.email.data)
        ip = request.remote_addr or ""
        refusal = throttle.check_reset_request(email, ip)
        if refusal is not None:
            return _page(
                "auth/forgot_password.html",
                429,
                form=form,
                title=title,
                refusal=throttle.reset_request_refusal_message(refusal),
            )
        throttle.count_failure(throttle.Attempt(email=email, ip=ip, client=throttle.RESET_REQUEST))
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active:
            with change():
                token = account_tokens.start_password_reset(
                    user, now=clock.now(), lifetime=reset_lifetime()
                )
            send_in_background(user.email, *reset_message(user, token, minutes))
        return _page(
            "auth/forgot_password.html", form=None, title=title, sent=SENT.format(minutes=minutes)
        )
    return _page("auth/forgot_password.html", 422 if form.errors else 200, form=form, title=title)


def reset_message(user: User, token: str, minutes: int) -> tuple[str, str]:
    site = current_app.config["PORTAL_SITE_NAME"]
    link = absolute_url("auth.password_reset", token=token)
    body = (
        f"Xin chào {user.name},\n\n"
        f"Có người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu cho tài khoản {user.email} "
        f"trên {site}.\n\n"
        f"Để đặt mật khẩu mới, hãy mở liên kết sau trong vòng {minutes} phút:\n\n{link}\n\n"
        "Liên kết chỉ dùng được một lần. Khi mật khẩu mới được đặt, mọi phiên đăng nhập "
        "của tài khoản sẽ kết thúc.\n\n"
        "Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không đổi.\n"
    )
    return f"Đặt lại mật khẩu – {site}", body


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    user = account_tokens.reset_link_account(token, now=clock.now())
    if user is None:
        return _unusable("reset")
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            with change():
                account_tokens.complete_password_reset(
                    token, form.new_password.data, now=clock.now()
                )
        except account_tokens.LinkUnusable:
            return _unusable("reset")
        except users.AccountError as refusal:
            form.new_password.errors.append(str(refusal))
        else:
            flash(RESET_DONE)
            return redirect(url_for("auth.login"))
    return _page(
        "auth/password_reset.html",
        422 if form.errors else 200,
        form=form,
        account=user,
        title="Đặt mật khẩu mới",
    )


def invitation_message(email: str, role_label: str, token: str, by: User) -> tuple[str, str]:
    site = current_app.config["PORTAL_SITE_NAME"]
    days = int(current_app.config["PORTAL_INVITATION_DAYS"])
    link = absolute_url("auth.invitation", token=token)
    body = (
        "Xin chào,\n\n"
        f"{by.name} mời bạn tham gia quản trị {site} với vai trò {role_label}, "
        f"đăng nhập bằng địa chỉ {email}.\n\n"
        f"Để nhận lời mời, hãy mở liên kết sau trong vòng {days} ngày, rồi chọn họ tên "
        f"và mật khẩu của bạn:\n\n{link}\n\n"
        "Liên kết chỉ dùng được một lần. Nếu bạn không chờ lời mời này, hãy bỏ qua thư.\n"
    )
    return f"Lời mời tham gia quản trị {site}", body


@bp.route("/loi-moi/<token>", methods=["GET", "POST"])
def invitation(token: str):
    record = account_tokens.find_invitation(token, now=clock.now())
    if record is None:
        return _unusable("invite")
    form = InvitationForm(data={"name": record.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            with change():
                user = account_tokens.accept_invitation(
                    token,
                    name=form.name.data,
                    password=form.new_password.data,
                    now=clock.now(),
                )
                sign_in(user, remember=False)
                users.record_sign_in(user)
        except account_tokens.LinkUnusable:
            return _unusable("invite")
        except users.AccountError as refusal:
            target = form.name if refusal.field == "name" else form.new_password
            if refusal.field == "email":
                return _page(
                    "auth/link_unusable.html",
                    409,
                    kind="taken",
                    message=str(refusal),
                    title="Đã có tài khoản",
                )
            target.errors.append(str(refusal))
        else:
            flash(f"Chào mừng {user.name}! Tài khoản của bạn đã sẵn sàng.")
            response = redirect(url_for("admin.dashboard"))
            known_clients.remember(response, user)
            return response
    from portal.models.users import ROLE_LABELS

    return _page(
        "auth/invitation.html",
        422 if form.errors else 200,
        form=form,
        invitation=record,
        role_label=ROLE_LABELS.get(record.role, record.role),
        title="Nhận lời mời",
    )
