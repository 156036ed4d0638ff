"""Links sent by e-mail: password resets and invitations, single-use and expiring.

A link carries a random token (``secrets.token_urlsafe``); the table
``account_tokens`` keeps only its SHA-256, so a copy of the database opens no
link. Rules kept here:

* **Password reset.** Asked for with an e-mail address; a link is made only for
  an active account. Using it sets a new password, ends **every** session of the
  account, lifts a sign-in lock caused by failed attempts, and deletes every reset
  link of the account (this one and any other still unused). A used, replaced or
  expired link opens nothing.
* **Invitation.** An admin invites an address with a role; the address must not
  belong to an account. Inviting it again (re-sending) replaces the earlier link.
  Accepting creates the account, active, with the name and password the invitee
  chose, and deletes the invitation.

Every function runs inside the caller's unit of work and records an audit
entry (never a token, its hash or a password). The current time is passed in by
the caller (the web layer's clock), so tests move it without sleeping. Sending
the e-mail is the web layer's job, after the commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from portal.content import audit
from portal.content.unit_of_work import require_unit
from portal.content.users import (
    AccountError,
    EmailTaken,
    InvalidEmail,
    InvalidName,
    InvalidRole,
    account_summary,
    check_email,
    check_new_password,
    email_in_use,
    end_every_session,
    normalise_email,
    void_reset_links,
)
from portal.extensions import db
from portal.models import ROLES, AccountToken, LoginAttempt, User
from portal.models.users import ROLE_LABELS

RESET = "reset"
INVITE = "invite"
#: Random bytes in a token (its text is about 43 characters).
TOKEN_BYTES = 32
#: Longest token text looked up; anything longer is not one of ours.
MAX_TOKEN_LENGTH = 100


class LinkUnusable(AccountError):
    """The link was used, replaced, withdrawn or has expired (or never existed)."""

    field = "token"
    message = (
        "Liên kết này không còn dùng được: nó đã được dùng, đã hết hạn, "
        "hoặc đã có một liên kết mới hơn thay thế."
    )


class AlreadyHasAccount(EmailTaken):
    message = (
        "Thư điện tử này đã có tài khoản trên site, nên không cần mời. "
        "Nếu người đó quên mật khẩu, hãy đặt lại mật khẩu cho tài khoản ấy."
    )


def token_digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token)


def _purge_expired(now: datetime) -> None:
    db.session.execute(delete(AccountToken).where(AccountToken.expires_at <= now))


def _find(purpose: str, token: str, now: datetime) -> AccountToken | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = db.session.scalar(
        select(AccountToken).where(
            AccountToken.purpose == purpose, AccountToken.token_hash == token_digest(token)
        )
    )
    if record is None or record.expires_at <= now:
        return None
    return record


# -- password resets -------------------------------------------------------------------------


def start_password_reset(user: User, *, now: datetime, lifetime: timedelta) -> str:
    """A new reset link for ``user`` (active accounts only); returns the token to send.

    Older unused links of the account keep working until they expire or one
    link is used.
    """
    require_unit("Starting a password reset")
    if not user.active:
        raise AccountError("Tài khoản này đã bị khóa.")
    _purge_expired(now)
    token, digest = _new_token()
    db.session.add(
        AccountToken(
            purpose=RESET,
            token_hash=digest,
            user_id=user.id,
            email=user.email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    audit.record(
        "user.password_reset_request",
        subject_type="user",
        subject_id=user.id,
        summary=f"Gửi liên kết đặt lại mật khẩu tới {user.email}",
    )
    return token


def reset_link_account(token: str, *, now: datetime) -> User | None:
    """The active account a still-usable reset link is for, else None."""
    record = _find(RESET, token, now)
    if record is None:
        return None
    user = db.session.get(User, record.user_id)
    return user if user is not None and user.active else None


def complete_password_reset(token: str, new_password: str, *, now: datetime) -> User:
    """Set the new password through a reset link; :class:`LinkUnusable` when it opens nothing.

    Ends every session of the account, forgets its failed sign-ins and deletes
    every reset link it has.
    """
    require_unit("Resetting a password by e-mail")
    user = reset_link_account(token, now=now)
    if user is None:
        raise LinkUnusable()
    check_new_password(new_password)
    user.set_password(new_password)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email.lower()))
    ended = end_every_session(user)
    void_reset_links(user)
    audit.record(
        "user.password_reset_by_email",
        subject_type="user",
        subject_id=user.id,
        summary=f"Đặt lại mật khẩu qua thư điện tử: {user.email}",
        after={"sessions_ended": ended},
        user=user,
    )
    return user


# -- invitations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """An invitation just made: its row, and the token to send (shown nowhere else)."""

    record: AccountToken
    token: str


def invite(
    *, email: str, role: str, name: str = "", now: datetime, lifetime: timedelta, by: User
) -> Invitation:
    """Invite ``email`` to become an account with ``role``; an earlier invitation of the
    address stops working. Refuses an address that already has an account."""
    require_unit("Inviting someone")
    email = normalise_email(email or "")
    check_email(email)
    if len(email) > 300:
        raise InvalidEmail("Tối đa 300 ký tự.")
    if role not in ROLES:
        raise InvalidRole()
    name = (name or "").strip()
    if len(name) > 200:
        raise InvalidName("Tối đa 200 ký tự.")
    if email_in_use(email):
        raise AlreadyHasAccount()
    _purge_expired(now)
    replaced = db.session.execute(
        delete(AccountToken).where(AccountToken.purpose == INVITE, AccountToken.email == email)
    ).rowcount
    token, digest = _new_token()
    record = AccountToken(
        purpose=INVITE,
        token_hash=digest,
        email=email,
        role=role,
        name=name,
        created_by_id=by.id,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "user.invite",
        subject_type="invitation",
        subject_id=record.id,
        summary=("Gửi lại lời mời tới " if replaced else "Mời ") + f"{email} ({ROLE_LABELS[role]})",
        after={"email": email, "role": role, "name": name, "replaces_earlier": bool(replaced)},
    )
    return Invitation(record, token)


def resend_invitation(
    record: AccountToken | None, *, now: datetime, lifetime: timedelta, by: User
) -> Invitation:
    """A new link for the same address and role; the old link stops working."""
    if record is None or record.purpose != INVITE:
        raise InvitationGone()
    return invite(
        email=record.email, role=record.role, name=record.name, now=now, lifetime=lifetime, by=by
    )


class InvitationGone(AccountError):
    message = "Lời mời này không còn nữa (đã được nhận hoặc đã bị hủy); không có gì thay đổi."


def cancel_invitation(record: AccountToken | None) -> None:
    """Withdraw an invitation: its link opens nothing any more."""
    require_unit("Withdrawing an invitation")
    if record is None or record.purpose != INVITE:
        raise InvitationGone()
    audit.record(
        "user.invite_cancel",
        subject_type="invitation",
        subject_id=record.id,
        summary=f"Hủy lời mời {record.email}",
        before={"email": record.email, "role": record.role},
    )
    db.session.delete(record)


def pending_invitations() -> list[AccountToken]:
    """Invitations not yet accepted (expired ones too, to be sent again), newest first."""
    return list(
        db.session.scalars(
            select(AccountToken)
            .where(AccountToken.purpose == INVITE)
            .order_by(AccountToken.created_at.desc(), AccountToken.id.desc())
        )
    )


def find_invitation(token: str, *, now: datetime) -> AccountToken | None:
    """The invitation a still-usable link is for, else None."""
    return _find(INVITE, token, now)


def accept_invitation(token: str, *, name: str, password: str, now: datetime) -> User:
    """Create the invited account (active) with the chosen name and password.

    :class:`LinkUnusable` when the link opens nothing; :class:`EmailTaken` when the
    address got an account meanwhile. The invitation is deleted.
    """
    require_unit("Accepting an invitation")
    record = find_invitation(token, now=now)
    if record is None:
        raise LinkUnusable()
    name = (name or "").strip()
    if not name:
        raise InvalidName()
    if len(name) > 200:
        raise InvalidName("Tối đa 200 ký tự.")
    check_new_password(password)
    if email_in_use(record.email):
        raise EmailTaken(
            "Thư điện tử này đã có tài khoản. Hãy đăng nhập, hoặc dùng “Quên mật khẩu?”."
        )
    user = User(name=name, email=record.email, role=record.role, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    invitation_id, invited_by = record.id, record.created_by_id
    db.session.execute(
        delete(AccountToken).where(AccountToken.purpose == INVITE, AccountToken.email == user.email)
    )
    audit.record(
        "user.create",
        subject_type="user",
        subject_id=user.id,
        summary=f"Nhận lời mời, tạo tài khoản {user.email} ({ROLE_LABELS[user.role]})",
        after=account_summary(user)
        | {"invitation": invitation_id, "invited_by": invited_by, "initial_credential": "tự chọn"},
        user=user,
    )
    return user
