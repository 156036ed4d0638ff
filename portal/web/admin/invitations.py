"""Invitations, for admins: invite an address with a role, send an invitation again, withdraw it.

The invitee gets an e-mail with a link (``PORTAL_INVITATION_DAYS`` days) where
they choose their name and password and are signed in
(:mod:`portal.web.auth.account_links`). Inviting an address that already has an
account is refused; inviting an address again, or "Gửi lại", replaces the
earlier link. When the e-mail cannot be sent (no ``PORTAL_MAIL_SERVER``, or the
server refused it), the admin is shown the link once, to pass on another way.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from portal import mail
from portal.content import account_tokens
from portal.content import users as accounts
from portal.extensions import db
from portal.models import AccountToken
from portal.models.users import ROLE_LABELS
from portal.site import absolute_url
from portal.text import strip_text
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required
from portal.web.admin.users import account_email_field, role_field
from portal.web.auth import clock
from portal.web.auth.account_links import invitation_lifetime, invitation_message


class InviteForm(FlaskForm):
    email = account_email_field("Người được mời nhận thư ở đây, và dùng địa chỉ này để đăng nhập.")
    role = role_field()
    name = StringField(
        "Họ và tên (gợi ý)",
        description="Không bắt buộc: người được mời có thể sửa khi nhận lời mời.",
        filters=[strip_text],
        validators=[Optional(), Length(max=200, message="Tối đa 200 ký tự.")],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.role.data = "author"


def _send(invitation: account_tokens.Invitation):
    """E-mail the invitation; the page saying what happened (with the link when not sent)."""
    record = invitation.record
    role_label = ROLE_LABELS.get(record.role, record.role)
    subject, body = invitation_message(
        record.email, role_label, invitation.token, current_user._get_current_object()
    )
    problem = None
    try:
        mail.send(record.email, subject, body)
    except mail.MailError as error:
        problem = str(error)
    sent = problem is None and mail.configured()
    return render_template(
        "admin/users/invitation_sent.html",
        invitation=record,
        role_label=role_label,
        sent=sent,
        problem=problem,
        link=None if sent else absolute_url("auth.invitation", token=invitation.token),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def users_invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            with change():
                invitation = account_tokens.invite(
                    email=form.email.data,
                    role=form.role.data,
                    name=form.name.data or "",
                    now=clock.now(),
                    lifetime=invitation_lifetime(),
                    by=current_user._get_current_object(),
                )
        except accounts.AccountError as refusal:
            target = form._fields.get(refusal.field, form.email)
            target.errors.append(str(refusal))
        else:
            return _send(invitation)
    return render_template("admin/users/invite.html", form=form), 422 if form.errors else 200


@bp.post("/users/invitations/<int:invitation_id>/resend")
@roles_required(*SITE_ADMINS)
def users_invitation_resend(invitation_id: int):
    try:
        with change():
            invitation = account_tokens.resend_invitation(
                db.session.get(AccountToken, invitation_id),
                now=clock.now(),
                lifetime=invitation_lifetime(),
                by=current_user._get_current_object(),
            )
    except accounts.AccountError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("admin.users_list", _anchor="loi-moi"))
    return _send(invitation)


@bp.post("/users/invitations/<int:invitation_id>/cancel")
@roles_required(*SITE_ADMINS)
def users_invitation_cancel(invitation_id: int):
    record = db.session.get(AccountToken, invitation_id)
    email = record.email if record is not None else ""
    try:
        with change():
            account_tokens.cancel_invitation(record)
    except accounts.AccountError as refusal:
        flash(str(refusal), "error")
    else:
        flash(f"Đã hủy lời mời {email}: liên kết trong thư không dùng được nữa.")
    return redirect(url_for("admin.users_list", _anchor="loi-moi"))
