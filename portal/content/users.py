"""Accounts: who may sign in, with which role, and the rules for changing that.

Every writer of accounts goes through here: the admin screens, "Tài khoản
của tôi" and ``portal create-user``. The functions change the account, record
an audit entry (never a password, its hash or a session token) and end sessions
where a change calls for it; they never commit: the caller runs them inside
``with unit_of_work(actor):`` (a view: ``with change():``). Accounts are not
reader content, so they announce no content events.

Rules kept here:

* an e-mail address is checked by :func:`check_email`, the one rule the sign-in
  form, the account forms and the command line share, and is unique
  (compared lower-cased);
* the last active admin cannot demote or deactivate themselves (nobody could
  manage the site any more);
* a role change, deactivation and a password reset or change end every
  session of the account (and a new password or e-mail address voids the
  account's unused password-reset links) (the web layer then signs the person who changed
  their own account in again in their browser); a reset also lifts a sign-in
  lock caused by failed attempts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from portal.content import audit
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import ROLES, AccountToken, LoginAttempt, User, UserSession
from portal.models.users import ROLE_LABELS

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 500
MAX_EMAIL_LENGTH = 300
MAX_NAME_LENGTH = 200
#: Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

#: How a password was chosen, as the audit log says it (it never holds the password).
TYPED_BY_ADMIN = "do quản trị viên nhập"
GENERATED = "tạo ngẫu nhiên"


class AccountError(Exception):
    """An account change the rules refuse; ``field`` names the form field it concerns."""

    field = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    message = "Không thực hiện được thay đổi này."


class InvalidEmail(AccountError):
    field = "email"
    message = "Thư điện tử không hợp lệ."


class EmailTaken(AccountError):
    field = "email"
    message = "Đã có tài khoản dùng thư điện tử này."


class InvalidName(AccountError):
    field = "name"
    message = "Hãy nhập họ và tên."


class InvalidRole(AccountError):
    field = "role"
    message = "Hãy chọn một vai trò trong danh sách."


class PasswordTooShort(AccountError):
    field = "password"
    message = f"Mật khẩu cần từ {MIN_PASSWORD_LENGTH} đến {MAX_PASSWORD_LENGTH} ký tự."


class LastAdmin(AccountError):
    field = "role"
    message = (
        "Đây là quản trị viên đang hoạt động duy nhất. Hãy cho một tài khoản khác quyền "
        "quản trị trước, nếu không sẽ không còn ai quản lý được site."
    )


class UnknownAccount(AccountError):
    field = "email"
    message = "Không có tài khoản nào dùng thư điện tử này."


class SessionAlreadyEnded(AccountError):
    message = "Phiên đăng nhập này đã kết thúc từ trước; không có gì thay đổi."


class SessionIsCurrent(AccountError):
    message = "Đây là phiên bạn đang dùng. Muốn kết thúc nó, hãy bấm “Đăng xuất”."


# -- the rules ------------------------------------------------------------------------------


def normalise_email(value: str) -> str:
    """An address as accounts keep it: without surrounding spaces, lower-cased."""
    return value.strip().lower()


def check_email(value: str | None) -> None:
    """Refuse (:class:`InvalidEmail`) what is not an e-mail address.

    The one rule for addresses: the sign-in form, the account forms and
    ``portal create-user`` all call it (syntax only, no DNS look-up).
    """
    import email_validator  # with idna: only where an address is typed, never on a page

    if not value:
        raise InvalidEmail()
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise InvalidEmail() from exc


def email_in_use(email: str, *, other_than: User | None = None) -> bool:
    """Whether another account already signs in with ``email`` (any case)."""
    found = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    return found is not None and (other_than is None or found.id != other_than.id)


def account_for_email(email: str) -> User:
    """The account that signs in with ``email`` (any case); :class:`UnknownAccount` if none."""
    found = db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if found is None:
        raise UnknownAccount()
    return found


def generate_password() -> str:
    """A random password in three groups, e.g. ``k7Qm-x2Rt-9WbH`` (about 70 bits)."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def account_summary(user: User) -> dict:
    """What the audit log keeps of an account (never the password or its hash)."""
    return {"name": user.name, "email": user.email, "role": user.role, "active": user.active}


def _checked_details(name: str, email: str, role: str, *, account: User | None) -> tuple[str, str]:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidName() if not name else InvalidName("Tối đa 200 ký tự.")
    email = normalise_email(email)
    check_email(email)
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidEmail("Tối đa 300 ký tự.")
    if role not in ROLES:
        raise InvalidRole()
    if email_in_use(email, other_than=account):
        raise EmailTaken()
    return name, email


def check_new_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise PasswordTooShort()


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != user.id)
    )


def end_every_session(user: User, *, keep: UserSession | None = None) -> int:
    """Sign every browser of ``user`` out (except ``keep``); how many were ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query).rowcount or 0


def void_reset_links(user: User) -> None:
    """Password-reset links of ``user`` still unused stop working (the password or the
    address they were sent to changed)."""
    db.session.execute(
        delete(AccountToken).where(AccountToken.purpose == "reset", AccountToken.user_id == user.id)
    )


# -- the changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPassword:
    """A password set by a change: shown once to whoever set it, never stored in clear."""

    password: str
    generated: bool


def _new_password(password: str | None) -> NewPassword:
    """The password chosen (checked), or a generated one when none was (None)."""
    if password is None:
        return NewPassword(generate_password(), True)
    check_new_password(password)
    return NewPassword(password, False)


def create_user(
    *, name: str, email: str, role: str, password: str | None = None
) -> tuple[User, NewPassword]:
    """Create an active account; with ``password`` None one is generated (and returned)."""
    require_unit("Creating an account")
    name, email = _checked_details(name, email, role, account=None)
    chosen = _new_password(password)
    user = User(name=name, email=email, role=role, active=True)
    user.set_password(chosen.password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        subject_type="user",
        subject_id=user.id,
        summary=f"Tạo tài khoản {user.email} ({ROLE_LABELS[user.role]})",
        after=account_summary(user)
        | {"initial_credential": GENERATED if chosen.generated else TYPED_BY_ADMIN},
    )
    return user, chosen


@dataclass(frozen=True)
class AccountUpdate:
    """What :func:`update_account` did: whether anything changed, and sessions it ended."""

    changed: bool
    sessions_ended: int | None = None


def update_account(
    user: User,
    *,
    name: str,
    email: str,
    role: str,
    active: bool,
    keep: UserSession | None = None,
) -> AccountUpdate:
    """Change an account's name, e-mail, role and status.

    Refuses (:class:`LastAdmin`) to take the admin role or the active status
    from the last active admin. A new role or status ends every session of
    the account but ``keep`` (the browser of an admin changing their own
    account, unless it is now deactivated): ``sessions_ended``, None when no
    session had to end.
    """
    require_unit("Changing an account")
    name, email = _checked_details(name, email, role, account=user)
    loses_admin = user.role == "admin" and user.active and (role != "admin" or not active)
    if loses_admin and _other_active_admins(user) == 0:
        refusal = LastAdmin()
        refusal.field = "role" if role != "admin" else "active"
        raise refusal
    before = account_summary(user)
    user.name, user.email, user.role, user.active = name, email, role, active
    entry = audit.record_change(
        "user.update",
        subject_type="user",
        subject_id=user.id,
        summary=f"Sửa tài khoản {user.email}",
        before=before,
        after=account_summary(user),
    )
    if entry is None:
        return AccountUpdate(changed=False)
    if user.role != before["role"] or user.active != before["active"]:
        kept = keep if user.active else None
        return AccountUpdate(changed=True, sessions_ended=end_every_session(user, keep=kept))
    return AccountUpdate(changed=True)


def reset_password(
    user: User, password: str | None = None, *, keep: UserSession | None = None
) -> tuple[NewPassword, int]:
    """An admin sets a new password (generated when ``password`` is None) for ``user``.

    Every session of the account but ``keep`` ends, and failed sign-ins stop
    counting against its e-mail. Returns the new password and how many
    sessions ended.
    """
    require_unit("Resetting a password")
    chosen = _new_password(password)
    user.set_password(chosen.password)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email.lower()))
    void_reset_links(user)
    ended = end_every_session(user, keep=keep)
    audit.record(
        "user.password_reset",
        subject_type="user",
        subject_id=user.id,
        summary=f"Đặt lại mật khẩu của {user.email}",
        after={"new_credential": GENERATED if chosen.generated else TYPED_BY_ADMIN},
    )
    return chosen, ended


def change_own_password(user: User, new_password: str, *, keep: UserSession | None = None) -> int:
    """The account's owner changes their password (the caller checked the current one).

    Every session of the account but ``keep`` (the owner's browser) ends;
    returns how many.
    """
    require_unit("Changing a password")
    check_new_password(new_password)
    user.set_password(new_password)
    void_reset_links(user)
    ended = end_every_session(user, keep=keep)
    audit.record(
        "user.password_change",
        subject_type="user",
        subject_id=user.id,
        summary=f"Tự đổi mật khẩu: {user.email}",
    )
    return ended


def update_profile(user: User, *, name: str, email: str) -> bool:
    """The account's owner changes their own name and e-mail (the web layer checked the
    current password when the address changes). Role and status stay. Whether anything
    changed."""
    require_unit("Changing one's own account")
    name, email = _checked_details(name, email, user.role, account=user)
    before = account_summary(user)
    if email != user.email:
        void_reset_links(user)
    user.name, user.email = name, email
    entry = audit.record_change(
        "user.profile",
        subject_type="user",
        subject_id=user.id,
        summary=f"Tự sửa thông tin tài khoản: {user.email}",
        before=before,
        after=account_summary(user),
    )
    return entry is not None


# -- sign-in sessions ------------------------------------------------------------------------


def describe_session(record: UserSession) -> dict:
    """What the audit log keeps of an ended session (never its token or hash)."""
    return {
        "browser": record.user_agent,
        "ip": record.ip,
        "started": record.created_at.isoformat(timespec="seconds"),
    }


def end_session(user: User, record: UserSession | None, *, current: UserSession | None) -> None:
    """End one session of ``user`` (signed out on its next request).

    ``record`` is the still-active session chosen (None when it is unknown or
    has expired: :class:`SessionAlreadyEnded`); ``current`` is the session of
    the browser asking, which is ended by signing out, not here
    (:class:`SessionIsCurrent`).
    """
    require_unit("Ending a sign-in session")
    if record is None or record.user_id != user.id:
        raise SessionAlreadyEnded()
    if current is not None and record.id == current.id:
        raise SessionIsCurrent()
    audit.record(
        "user.session_end",
        subject_type="user",
        subject_id=user.id,
        summary=f"Kết thúc một phiên đăng nhập của {user.email} "
        f"({record.user_agent}, {record.ip or 'không rõ địa chỉ'})",
        before=describe_session(record),
    )
    db.session.execute(delete(UserSession).where(UserSession.id == record.id))


def end_other_sessions(
    user: User, active: list[UserSession], *, current: UserSession | None
) -> int:
    """End every session of ``user`` but ``current``; how many of ``active`` that ended.

    ``active`` are the account's unexpired sessions (the audit entry lists
    those); expired rows go too. Nothing is recorded when there is nothing to end.
    """
    require_unit("Ending sign-in sessions")
    ending = [record for record in active if current is None or record.id != current.id]
    if not ending:
        return 0
    audit.record(
        "user.sessions_end",
        subject_type="user",
        subject_id=user.id,
        summary=f"Kết thúc {len(ending)} phiên đăng nhập của {user.email}"
        + (" (trừ phiên đang dùng)" if current is not None else ""),
        before={"sessions": [describe_session(record) for record in ending]},
    )
    end_every_session(user, keep=current)
    return len(ending)


def record_sign_in(user: User) -> None:
    """Note in the audit log that ``user`` signed in (the web layer starts the session)."""
    require_unit("Recording a sign-in")
    audit.record(
        "auth.login",
        subject_type="user",
        subject_id=user.id,
        summary=f"Đăng nhập: {user.email}",
        user=user,
    )


def record_sign_out(user: User) -> None:
    """Note in the audit log that ``user`` signed out (the web layer ends the session)."""
    require_unit("Recording a sign-out")
    audit.record(
        "auth.logout",
        subject_type="user",
        subject_id=user.id,
        summary=f"Đăng xuất: {user.email}",
    )
