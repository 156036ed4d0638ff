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

import secrets

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.content import audit
from portal.extensions import db
from portal.models import ROLES, AuditEntry, User
from portal.models.users import ROLE_LABELS
from portal.text import strip_text
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required
from portal.web.admin.session_list import end_sessions, session_list_context
from portal.web.auth import end_sessions_after_change, throttle

MIN_PASSWORD_LENGTH = 10
#: Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """A random password in three groups, e.g. ``k7Qm-x2Rt-9WbH`` (about 70 bits)."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def _normalise_email(value):
    return value.strip().lower() if isinstance(value, str) else value


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
    email = EmailField(
        "Thư điện tử",
        description="Dùng để đăng nhập.",
        filters=[_normalise_email],
        validators=[
            DataRequired("Hãy nhập thư điện tử."),
            Email("Thư điện tử không hợp lệ."),
            Length(max=300, message="Tối đa 300 ký tự."),
        ],
    )
    role = SelectField(
        "Vai trò",
        choices={role: ROLE_LABELS[role] for role in ROLES},
        invalid_choice_message="Hãy chọn một vai trò trong danh sách.",
        description=(
            "Quản trị viên: mọi việc. Biên tập viên: nội dung và xuất bản. "
            "Tác giả: bản nháp của chính mình."
        ),
    )

    def __init__(self, *args, account: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def validate_email(self, field) -> None:
        other = db.session.scalar(select(User).where(func.lower(User.email) == field.data))
        if other is not None and (self.account is None or other.id != self.account.id):
            raise ValidationError("Đã có tài khoản dùng thư điện tử này.")


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


def account_summary(user: User) -> dict:
    """What the audit log keeps of an account (never the password or its hash)."""
    return {"name": user.name, "email": user.email, "role": user.role, "active": user.active}


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != user.id)
    )


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
    users = list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))
    return render_template(
        "admin/users/list.html", users=users, last_sign_in=last_sign_in, role_labels=ROLE_LABELS
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def users_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        password = form.password.data or generate_password()
        user = User(name=form.name.data, email=form.email.data, role=form.role.data, active=True)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        audit.record(
            "user.create",
            subject_type="user",
            subject_id=user.id,
            summary=f"Tạo tài khoản {user.email} ({ROLE_LABELS[user.role]})",
            after=account_summary(user) | {"initial_credential": _how_set(form)},
        )
        db.session.commit()
        if form.password.data:
            flash(f"Đã tạo tài khoản {user.email}.")
            return redirect(url_for("admin.users_list"))
        return _show_password_once(user, password, created=True)
    return _render_form("admin/users/form.html", form=form, account=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def users_edit(user_id: int):
    user = _account(user_id)
    form = UserEditForm(obj=user, account=user)
    if form.validate_on_submit():
        loses_admin = (
            user.role == "admin"
            and user.active
            and (form.role.data != "admin" or not form.active.data)
        )
        if loses_admin and _other_active_admins(user) == 0:
            field = form.role if form.role.data != "admin" else form.active
            field.errors.append(
                "Đây là quản trị viên đang hoạt động duy nhất. Hãy cho một tài khoản khác quyền "
                "quản trị trước, nếu không sẽ không còn ai quản lý được site."
            )
            return _render_account(form, user)
        before = account_summary(user)
        user.name = form.name.data
        user.email = form.email.data
        user.role = form.role.data
        user.active = form.active.data
        if audit.record_change(
            "user.update",
            subject_type="user",
            subject_id=user.id,
            summary=f"Sửa tài khoản {user.email}",
            before=before,
            after=account_summary(user),
        ):
            if user.role != before["role"] or user.active != before["active"]:
                end_sessions_after_change(user)
            db.session.commit()
            flash(f"Đã lưu tài khoản {user.email}.")
        else:
            flash(audit.NOTHING_CHANGED)
        return redirect(url_for("admin.users_list"))
    return _render_account(form, user)


def _render_account(form: UserEditForm, user: User):
    """The account's page: its form, and its sign-in sessions with buttons to end them."""
    return _render_form(
        "admin/users/form.html",
        form=form,
        account=user,
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
        password = form.password.data or generate_password()
        user.set_password(password)
        # A reset also lifts a sign-in lock caused by failed attempts, and signs
        # out every browser that used the old password.
        throttle.clear(user.email)
        end_sessions_after_change(user)
        audit.record(
            "user.password_reset",
            subject_type="user",
            subject_id=user.id,
            summary=f"Đặt lại mật khẩu của {user.email}",
            after={"new_credential": _how_set(form)},
        )
        db.session.commit()
        if form.password.data:
            flash(f"Đã đặt mật khẩu mới cho {user.email}.")
            return redirect(url_for("admin.users_list"))
        return _show_password_once(user, password, created=False)
    return _render_form("admin/users/password.html", form=form, account=user)


def _how_set(form) -> str:
    """How a password was chosen, for the audit log (which never holds the password)."""
    return "do quản trị viên nhập" if form.password.data else "tạo ngẫu nhiên"


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
