"""Two-step sign-in: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

Rules kept here:

* An account turns the app on in two steps: :func:`begin_setup` makes a secret
  (shown to the owner with its ``otpauth://`` URI), :func:`confirm_setup` takes a
  code from the app and only then is the app asked for at sign-in; confirming
  makes :data:`RECOVERY_CODE_COUNT` recovery codes, shown once and stored as
  SHA-256 only.
* A code is accepted for the current 30-second step and one step either side
  (clocks drift), and never twice: a step at or before the last one accepted is
  refused (``user_totp.last_step``), so a code seen over a shoulder is useless.
* A recovery code works once.
* The owner (with their password, checked by the web layer) or an admin turns
  it off; the secret and recovery codes are deleted.

Every change records an audit entry (never a secret or a code). Functions run
inside the caller's unit of work; the caller passes the current time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import delete, func, select

from portal.content import audit
from portal.content.unit_of_work import require_unit
from portal.content.users import AccountError
from portal.extensions import db
from portal.models import RecoveryCode, User, UserTotp

RECOVERY_CODE_COUNT = 10
#: Letters and digits of recovery codes: none that can be mistaken for another.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: Steps either side of now whose code is still accepted (30 s each).
DRIFT_STEPS = 1


class WrongCode(AccountError):
    field = "code"
    message = "Mã không đúng hoặc đã được dùng. Hãy nhập mã đang hiện trong ứng dụng xác thực."


class AlreadyOn(AccountError):
    message = "Xác thực hai bước đã bật cho tài khoản này."


class NotOn(AccountError):
    message = "Xác thực hai bước chưa bật cho tài khoản này; không có gì thay đổi."


class NoSetup(AccountError):
    field = "code"
    message = "Chưa bắt đầu cài đặt, hoặc việc cài đặt đã hết hạn. Hãy bắt đầu lại."


def _totp(secret: str):
    import pyotp  # only where two-step sign-in is used, never on a reader's page

    return pyotp.TOTP(secret)


def record_of(user: User) -> UserTotp | None:
    return db.session.get(UserTotp, user.id)


def is_on(user: User) -> bool:
    """Whether signing in to ``user`` asks for a code from the app."""
    record = record_of(user)
    return record is not None and record.confirmed_at is not None


def accounts_with_it_on(user_ids) -> set[int]:
    """Which of these accounts have two-step sign-in on (one query)."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(UserTotp.user_id).where(
                UserTotp.user_id.in_(ids), UserTotp.confirmed_at.is_not(None)
            )
        )
    )


def pending_setup(user: User) -> UserTotp | None:
    """The secret being set up (shown, not confirmed yet), or None."""
    record = record_of(user)
    return record if record is not None and record.confirmed_at is None else None


def begin_setup(user: User, *, now: datetime) -> UserTotp:
    """Make a new secret for ``user`` to add to their app (replaces an unfinished one)."""
    require_unit("Setting up two-step sign-in")
    import pyotp

    record = record_of(user)
    if record is not None and record.confirmed_at is not None:
        raise AlreadyOn()
    if record is None:
        record = UserTotp(user_id=user.id)
        db.session.add(record)
    record.secret = pyotp.random_base32()
    record.created_at = now
    record.last_step = 0
    return record


def provisioning_uri(record: UserTotp, user: User, issuer: str) -> str:
    """The ``otpauth://totp/...`` address an authenticator app reads (as text or a QR code)."""
    return _totp(record.secret).provisioning_uri(name=user.email, issuer_name=issuer)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _code_digits(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def _accept_totp(record: UserTotp, code: str, now: datetime) -> bool:
    digits = _code_digits(code)
    if not re.fullmatch(r"\d{6}", digits):
        return False
    totp = _totp(record.secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > record.last_step and hmac.compare_digest(totp.generate_otp(step), digits):
            record.last_step = step
            return True
    return False


def _code_digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _normalised_recovery_code(code: str) -> str:
    return _code_digits(code).lower()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_digest(raw)))
    return codes


def confirm_setup(user: User, code: str, *, now: datetime) -> list[str]:
    """Turn the app on when ``code`` is right; returns the recovery codes (shown once)."""
    require_unit("Turning two-step sign-in on")
    record = record_of(user)
    if record is not None and record.confirmed_at is not None:
        raise AlreadyOn()
    if record is None:
        raise NoSetup()
    if not _accept_totp(record, code, now):
        raise WrongCode()
    record.confirmed_at = now
    codes = _new_recovery_codes(user)
    audit.record(
        "user.2fa_on",
        subject_type="user",
        subject_id=user.id,
        summary=f"Bật xác thực hai bước: {user.email}",
        after={"recovery_codes": RECOVERY_CODE_COUNT},
    )
    return codes


def check_sign_in_code(user: User, code: str, *, now: datetime) -> str:
    """The second step of signing in: a code from the app, or else a recovery code.

    Returns ``"app"`` or ``"recovery"`` (the code is then spent) and raises
    :class:`WrongCode` otherwise. A spent recovery code is audit-logged.
    """
    require_unit("Checking a sign-in code")
    record = record_of(user)
    if record is None or record.confirmed_at is None:
        raise NotOn()
    if _accept_totp(record, code, now):
        return "app"
    normalised = _normalised_recovery_code(code)
    if len(normalised) == 10:
        found = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _code_digest(normalised),
                RecoveryCode.used_at.is_(None),
            )
        )
        if found is not None:
            found.used_at = now
            audit.record(
                "user.recovery_code_used",
                subject_type="user",
                subject_id=user.id,
                summary=f"Đăng nhập bằng mã khôi phục: {user.email} "
                f"(còn {recovery_codes_left(user)} mã)",
                user=user,
            )
            return "recovery"
    raise WrongCode(
        "Mã không đúng hoặc đã được dùng. Hãy nhập mã đang hiện trong ứng dụng xác thực, "
        "hoặc một mã khôi phục chưa dùng."
    )


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def new_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes of ``user`` (the old ones stop working); shown once."""
    require_unit("Making new recovery codes")
    if not is_on(user):
        raise NotOn()
    codes = _new_recovery_codes(user)
    audit.record(
        "user.recovery_codes_new",
        subject_type="user",
        subject_id=user.id,
        summary=f"Tạo mã khôi phục mới: {user.email}",
        after={"recovery_codes": RECOVERY_CODE_COUNT},
    )
    return codes


def turn_off(user: User, *, by_admin: bool = False) -> None:
    """Turn two-step sign-in off for ``user``: the secret and recovery codes are deleted."""
    require_unit("Turning two-step sign-in off")
    if not is_on(user):
        raise NotOn()
    db.session.execute(delete(UserTotp).where(UserTotp.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(
        "user.2fa_off",
        subject_type="user",
        subject_id=user.id,
        summary=("Quản trị viên tắt" if by_admin else "Tự tắt")
        + f" xác thực hai bước: {user.email}",
        after={"by_admin": by_admin},
    )
