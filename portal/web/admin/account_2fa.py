"""Two-step sign-in on "Tài khoản của tôi": set up an authenticator app, recovery codes,
turning it off; and an admin turning it off for another account.

Setting up shows the secret three ways: a QR code of its ``otpauth://``
address (drawn on the server by segno as inline SVG: no script, nothing
fetched), the address as text (password managers read it) and the key itself
(to type into the app); then it asks for a code from the app. Recovery codes are shown once, in the response that made them.
Turning it off or making new recovery codes needs the current password
(throttled like a password change). With ``PORTAL_REQUIRE_ADMIN_2FA`` on,
admins without it are sent here before anything else in the admin
(:func:`portal.web.admin.require_admin_second_factor`).
"""

from __future__ import annotations

import segno
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.content import two_factor
from portal.content.users import AccountError
from portal.extensions import db
from portal.models import User
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, STAFF, roles_required
from portal.web.admin.account import CurrentPasswordRefused, confirm_current_password
from portal.web.auth import clock


class ConfirmForm(FlaskForm):
    code = StringField(
        "Mã từ ứng dụng",
        description="6 chữ số đang hiện trong ứng dụng sau khi bạn thêm khóa ở trên.",
        validators=[DataRequired("Hãy nhập mã từ ứng dụng."), Length(max=20)],
    )


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(
        "Mật khẩu hiện tại",
        validators=[DataRequired("Hãy nhập mật khẩu hiện tại."), Length(max=500)],
    )


def _render(status: int = 200, *, confirm=None, off=None, codes=None, refusal=None):
    user = current_user._get_current_object()
    pending = two_factor.pending_setup(user)
    context = {
        "on": two_factor.is_on(user),
        "pending": pending,
        "confirm": confirm or ConfirmForm(formdata=None),
        "off": off or PasswordConfirmForm(formdata=None, prefix="off"),
        "codes": codes or PasswordConfirmForm(formdata=None, prefix="codes"),
        "refusal": refusal,
        "required": current_app.config.get("PORTAL_REQUIRE_ADMIN_2FA") and user.role == "admin",
    }
    if context["on"]:
        context["codes_left"] = two_factor.recovery_codes_left(user)
    if pending is not None:
        context["secret"] = two_factor.grouped_secret(pending.secret)
        context["uri"] = two_factor.provisioning_uri(
            pending, user, current_app.config["PORTAL_SITE_NAME"]
        )
        context["qr_svg"] = _qr_svg(context["uri"])
    return render_template("admin/account_2fa.html", **context), status


def _qr_svg(address: str) -> Markup:
    """The address as a QR code, inline SVG a phone's camera reads off the screen.

    segno writes only rectangles and the title given here (escaped), so the
    markup is safe to place as it is.
    """
    code = segno.make(address, error="m")
    svg = code.svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="totp-qr",
        title="Mã QR của khóa bí mật", lineclass=None,
    )  # fmt: skip
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


@bp.get("/account/2fa")
@roles_required(*STAFF)
def account_2fa():
    return _render()


@bp.post("/account/2fa/start")
@roles_required(*STAFF)
def account_2fa_start():
    try:
        with change():
            two_factor.begin_setup(current_user._get_current_object(), now=clock.now())
    except AccountError as refusal:
        flash(str(refusal), "error")
    return redirect(url_for("admin.account_2fa", _anchor="cai-dat"))


@bp.post("/account/2fa/confirm")
@roles_required(*STAFF)
def account_2fa_confirm():
    user = current_user._get_current_object()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render(422, confirm=form)
    try:
        with change():
            codes = two_factor.confirm_setup(user, form.code.data, now=clock.now())
    except AccountError as refusal:
        form.code.errors.append(str(refusal))
        return _render(422, confirm=form)
    return _show_codes(codes, turned_on=True)


def _show_codes(codes: list[str], *, turned_on: bool):
    """The recovery codes, in this response only (admin responses are never cached)."""
    return render_template("admin/recovery_codes.html", codes=codes, turned_on=turned_on)


def _password_checked(form: PasswordConfirmForm):
    """None when the current password in ``form`` is right, else the page to answer with."""
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        return _render(422, **{form._prefix.rstrip("-"): form})
    try:
        confirm_current_password(user, form.password)
    except CurrentPasswordRefused as refused:
        return _render(refused.status, refusal=refused.message, **{form._prefix.rstrip("-"): form})
    return None


@bp.post("/account/2fa/off")
@roles_required(*STAFF)
def account_2fa_off():
    form = PasswordConfirmForm(prefix="off")
    refused = _password_checked(form)
    if refused is not None:
        return refused
    try:
        with change():
            two_factor.turn_off(current_user._get_current_object())
    except AccountError as refusal:
        flash(str(refusal), "error")
    else:
        flash("Đã tắt xác thực hai bước. Đăng nhập lại chỉ cần mật khẩu.")
    return redirect(url_for("admin.account_2fa"))


@bp.post("/account/2fa/recovery-codes")
@roles_required(*STAFF)
def account_2fa_codes():
    form = PasswordConfirmForm(prefix="codes")
    refused = _password_checked(form)
    if refused is not None:
        return refused
    try:
        with change():
            codes = two_factor.new_recovery_codes(current_user._get_current_object())
    except AccountError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("admin.account_2fa"))
    return _show_codes(codes, turned_on=False)


@bp.post("/users/<int:user_id>/2fa/off")
@roles_required(*SITE_ADMINS)
def users_2fa_off(user_id: int):
    """An admin turns off two-step sign-in of an account (its owner lost the phone and codes)."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        with change():
            two_factor.turn_off(user, by_admin=True)
    except AccountError as refusal:
        flash(str(refusal), "error")
    else:
        flash(
            f"Đã tắt xác thực hai bước của {user.email}. Người đó đăng nhập bằng mật khẩu "
            "và nên bật lại trong “Tài khoản của tôi”."
        )
    return redirect(url_for("admin.users_edit", user_id=user.id))
