"""Accounts, for admins: list, create, edit (name, e-mail, role, active), reset password,
see and end an account's sign-in sessions.

Passwords are shown once, in the response to the request that set them, and
never written anywhere but as a hash (not in the session, not in the audit
log). The last active admin cannot demote or deactivate themselves, so the
site is never left without anyone who can manage it. A password reset, a role
change and deactivation end every session of the account (an admin changing
their own account stays signed in in this browser only).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.content import account_tokens, audit, two_factor
from portal.content import users as accounts
from portal.content.users import MIN_PASSWORD_LENGTH
from portal.extensions import db
from portal.models import ROLES, AuditEntry, User
from portal.models.users import ROLE_LABELS
from portal.search.matching import folded_contains
from portal.text import strip_text
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required
from portal.web.admin.session_list import end_sessions, session_list_context
from portal.web.auth import clock, email_address, renew_session, this_browser_session


def _normalise_email(value):
    return accounts.normalise_email(value) if isinstance(value, str) else value


def account_email_field(description: str) -> EmailField:
    """The sign-in address, kept as accounts keep it (trimmed, lower case) and checked
    by the same rule as the sign-in form and ``create-user``."""
    return EmailField(
        "Thư điện tử",
        description=description,
        filters=[_normalise_email],
        validators=[
            DataRequired("Hãy nhập thư điện tử."),
            email_address,
            Length(max=300, message="Tối đa 300 ký tự."),
        ],
    )


def role_field() -> SelectField:
    return SelectField(
        "Vai trò",
        choices={role: ROLE_LABELS[role] for role in ROLES},
        invalid_choice_message="Hãy chọn một vai trò trong danh sách.",
        description=(
            "Quản trị viên: mọi việc. Biên tập viên: nội dung và xuất bản. "
            "Tác giả: bản nháp của chính mình."
        ),
    )


def new_password_field(label: str = "Mật khẩu") -> PasswordField:
    return PasswordField(
        label,
        description=(
            f"Ít nhất {MIN_PASSWORD_LENGTH} ký tự. Để trống để hệ thống tạo một mật khẩu ngẫu "
            "nhiên; mật khẩu được hiện một lần duy nhất sau khi lưu."
        ),
        validators=[
            Optional(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=500,
                message=f"Mật khẩu cần từ {MIN_PASSWORD_LENGTH} đến 500 ký tự.",
            ),
        ],
    )


class AccountForm(FlaskForm):
    """Name, e-mail and role: shared by the create and edit forms."""

    name = StringField(
        "Họ và tên",
        filters=[strip_text],
        validators=[
            DataRequired("Hãy nhập họ và tên."),
            Length(max=200, message="Tối đa 200 ký tự."),
        ],
    )
    email = account_email_field("Dùng để đăng nhập.")
    role = role_field()

    def __init__(self, *args, account: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def validate_email(self, field) -> None:
        if field.data and accounts.email_in_use(field.data, other_than=self.account):
            raise ValidationError(accounts.EmailTaken.message)


class UserCreateForm(AccountForm):
    password = new_password_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.role.data = "author"  # the least power unless the admin chooses more


class UserEditForm(AccountForm):
    active = BooleanField(
        "Đang hoạt động",
        description="Bỏ chọn để khóa tài khoản: người này không đăng nhập được nữa và bị đăng xuất ngay.",
    )


class PasswordResetForm(FlaskForm):
    password = new_password_field("Mật khẩu mới")


def _account(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
@roles_required(*SITE_ADMINS)
def users_list():
    last_sign_in = dict(
        db.session.execute(
            select(AuditEntry.user_id, func.max(AuditEntry.at))
            .where(AuditEntry.action == "auth.login")
            .group_by(AuditEntry.user_id)
        ).all()
    )
    text = " ".join((request.args.get("q") or "").split())[:100]
    query = select(User)
    if text:
        # Every word in the name or the e-mail, with or without diacritics ("nguyen van a").
        query = query.where(folded_contains([User.name, User.email], text))
    users = list(db.session.scalars(query.order_by(User.active.desc(), User.name)))
    return render_template(
        "admin/users/list.html",
        users=users,
        last_sign_in=last_sign_in,
        role_labels=ROLE_LABELS,
        text=text,
        two_factor_on=two_factor.accounts_with_it_on(user.id for user in users),
        invitations=account_tokens.pending_invitations(),
        now=clock.now(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def users_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            with change():
                user, chosen = accounts.create_user(
                    name=form.name.data,
                    email=form.email.data,
                    role=form.role.data,
                    password=form.password.data or None,
                )
        except accounts.AccountError as refusal:
            form[refusal.field].errors.append(str(refusal))
            return _render_form("admin/users/form.html", form=form, account=None)
        if not chosen.generated:
            flash(f"Đã tạo tài khoản {user.email}.")
            return redirect(url_for("admin.users_list"))
        return _show_password_once(user, chosen.password, created=True)
    return _render_form("admin/users/form.html", form=form, account=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def users_edit(user_id: int):
    user = _account(user_id)
    form = UserEditForm(obj=user, account=user)
    if form.validate_on_submit():
        here = this_browser_session(user)
        try:
            with change():
                done = accounts.update_account(
                    user,
                    name=form.name.data,
                    email=form.email.data,
                    role=form.role.data,
                    active=form.active.data,
                    keep=here,
                )
                if done.sessions_ended is not None:
                    renew_session(user, here)
        except accounts.AccountError as refusal:
            form[refusal.field].errors.append(str(refusal))
            return _render_account(form, _account(user_id))
        flash(f"Đã lưu tài khoản {user.email}." if done.changed else audit.NOTHING_CHANGED)
        return redirect(url_for("admin.users_list"))
    return _render_account(form, user)


def _render_account(form: UserEditForm, user: User):
    """The account's page: its form, and its sign-in sessions with buttons to end them."""
    return _render_form(
        "admin/users/form.html",
        form=form,
        account=user,
        two_factor_on=two_factor.is_on(user),
        **session_list_context(user, url_for("admin.users_sessions_end", user_id=user.id)),
    )


@bp.post("/users/<int:user_id>/sessions/end")
@roles_required(*SITE_ADMINS)
def users_sessions_end(user_id: int):
    """End one session of the account, or all of them (an admin's own: all but this one)."""
    user = _account(user_id)
    end_sessions(user)
    return redirect(url_for("admin.users_edit", user_id=user.id, _anchor="phien-dang-nhap"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def users_password(user_id: int):
    user = _account(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        here = this_browser_session(user)
        try:
            with change():
                # Also lifts a sign-in lock caused by failed attempts, and signs out
                # every browser that used the old password.
                chosen, _ = accounts.reset_password(user, form.password.data or None, keep=here)
                renew_session(user, here)
        except accounts.AccountError as refusal:
            form.password.errors.append(str(refusal))
            return _render_form("admin/users/password.html", form=form, account=user)
        if not chosen.generated:
            flash(f"Đã đặt mật khẩu mới cho {user.email}.")
            return redirect(url_for("admin.users_list"))
        return _show_password_once(user, chosen.password, created=False)
    return _render_form("admin/users/password.html", form=form, account=user)


def _render_form(template: str, **context):
    form = context["form"]
    return (
        render_template(template, role_labels=ROLE_LABELS, is_self=_is_self, **context),
        422 if form.errors else 200,
    )


def _is_self(user: User | None) -> bool:
    return user is not None and user.id == current_user.id


def _show_password_once(user: User, password: str, *, created: bool):
    """The generated password, in this response only (admin responses are never cached)."""
    return render_template(
        "admin/users/password_shown.html", account=user, password=password, created=created
    )
