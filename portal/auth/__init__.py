"""Sign-in and sign-out for the people who run the site."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from portal.extensions import db, login_manager
from portal.i18n import translate as _
from portal.models import User
from portal.security import is_safe_redirect

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(
        "Thư điện tử",
        validators=[DataRequired("Hãy nhập thư điện tử."), Email("Thư điện tử không hợp lệ.")],
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Hãy nhập mật khẩu."), Length(max=500)]
    )
    remember = BooleanField("Ghi nhớ đăng nhập")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


login_manager.login_view = "auth.login"
login_manager.login_message = "Hãy đăng nhập để tiếp tục."


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(next_url if is_safe_redirect(next_url) else url_for("reader.home"))
        form.password.errors.append("Thư điện tử hoặc mật khẩu không đúng.")
    return render_template("auth/login.html", form=form, title=_("Đăng nhập"))


@bp.post("/dang-xuat")
@login_required
def logout():
    logout_user()
    flash("Bạn đã đăng xuất.")
    return redirect(url_for("reader.home"))
