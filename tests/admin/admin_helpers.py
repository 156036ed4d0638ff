"""Helpers for the admin tests: accounts, signed-in clients, reading pages, database snapshots.

Clients get a session record directly (``portal.testing.signed_in_client``;
the sign-in form itself is tested in test_sign_in.py); CSRF tokens are read from the pages, as a
browser would.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AccountToken,
    AuditEntry,
    Page,
    PageDraft,
    PageRevision,
    Placement,
    RecoveryCode,
    User,
    UserTotp,
)
from portal.testing import signed_in_client

PASSWORD = "mat-khau-dai-1"


def make_user(app, email: str, role: str, *, active: bool = True, name: str | None = None) -> int:
    with app.app_context():
        user = User(email=email, name=name or email.split("@")[0].title(), role=role, active=active)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user.id


def client_signed_in_as(app, user_id: int):
    return signed_in_client(app, user_id)


def sign_in(client, email, password, *, next_url=None, ip="192.0.2.1", remember=False):
    """Post the real sign-in form (with its CSRF token) from address ``ip``."""
    url = "/dang-nhap" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
    token = csrf_of(client.get(url, environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": ip})


# -- reading pages ---------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def version_of(html: str) -> str:
    found = VERSION_RE.search(html)
    assert found, "the page has no draft version field"
    return found.group(1)


def field_errors(html: str, field_id: str) -> list[str]:
    """The error messages tied to a field (``<ul class="errors" id="<field>-errors">``)."""
    block = re.search(
        rf'<ul class="errors" id="{re.escape(field_id)}-errors">(.*?)</ul>', html, re.S
    )
    if not block:
        return []
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def described_by(html: str, field_id: str) -> str:
    """The ``aria-describedby`` of the input with this id."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert tag, f"no field with id {field_id!r}"
    found = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return found.group(1) if found else ""


def flashes(client) -> list[str]:
    """The messages waiting to be flashed for this client (read without consuming them)."""
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def text_of(html: str) -> str:
    """Visible-ish text of a response: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


# -- the state of the database ---------------------------------------------------------


def snapshot(app) -> dict:
    """Everything a page-editor action may change, as plain values to compare."""
    with app.app_context():
        db.session.expire_all()
        return {
            "pages": [
                (p.id, p.parent_id, p.kind, p.title, p.path, p.layout, list(p.blocked_regions))
                for p in db.session.scalars(select(Page).order_by(Page.id))
            ],
            "placements": [
                (p.id, p.page_id, p.region, p.position, p.block_name, p.settings, p.hidden)
                for p in db.session.scalars(select(Placement).order_by(Placement.id))
            ],
            "drafts": [
                (d.page_id, d.version, d.document)
                for d in db.session.scalars(select(PageDraft).order_by(PageDraft.page_id))
            ],
            "revisions": [
                (r.page_id, r.number, r.document)
                for r in db.session.scalars(select(PageRevision).order_by(PageRevision.id))
            ],
            "audit": [
                (a.action, a.subject_id)
                for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            ],
            "users": [
                (u.id, u.email, u.name, u.role, u.active, u.password_hash)
                for u in db.session.scalars(select(User).order_by(User.id))
            ],
            "account_tokens": [
                (t.id, t.purpose, t.token_hash, t.user_id, t.email, t.role, t.expires_at)
                for t in db.session.scalars(select(AccountToken).order_by(AccountToken.id))
            ],
            "second_factors": [
                (t.user_id, t.secret, t.confirmed_at, t.last_step)
                for t in db.session.scalars(select(UserTotp).order_by(UserTotp.user_id))
            ]
            + [
                (c.id, c.user_id, c.code_hash, c.used_at)
                for c in db.session.scalars(select(RecoveryCode).order_by(RecoveryCode.id))
            ],
        }
