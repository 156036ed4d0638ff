"""Every admin route checks sign-in, role and CSRF — found by walking the URL map.

A route added under /admin later is picked up automatically: it must send
signed-out visitors to the sign-in page, refuse roles that may not use it with
403 and refuse POSTs without a CSRF token with 400. Routes open to more than
admins are listed in ``OPEN_TO``; URL arguments come from real rows
(``ARGUMENT_VALUES``), so a route with a new kind of argument fails until a
value for it is added here.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from blocks.questions.models import Question
from portal import hookimpl
from portal.content import audit
from portal.content.page_drafts import add_block, change_draft, edit_version, publish
from portal.extensions import db
from portal.models import AccountToken, MediaImage, Placement, Redirect, User
from portal.models.types import utcnow
from portal.testing import make_app, sample_content

from .admin_helpers import client_signed_in_as, csrf_of, make_user, snapshot

ROLES = ("admin", "editor", "author")
#: Endpoints that roles other than admin may use; every other admin route is admin-only.
OPEN_TO = {
    "admin.dashboard": {"admin", "editor", "author"},
    # Everyone's own account: password and sign-in sessions.
    "admin.account": {"admin", "editor", "author"},
    "admin.account_password": {"admin", "editor", "author"},
    "admin.account_sessions_end": {"admin", "editor", "author"},
    # ... their name and e-mail, and two-step sign-in.
    **dict.fromkeys(
        ["admin.account_profile"]
        + [f"admin.account_2fa{name}" for name in ("", "_start", "_confirm", "_off", "_codes")],
        {"admin", "editor", "author"},
    ),
    # Everyone's own notifications and e-mail choices; one person's are another's 404
    # (tests/notifications/test_inbox.py).
    **dict.fromkeys(
        ["admin.account_notifications"]
        + [f"admin.notifications_{name}" for name in ("list", "open", "read", "read_all")],
        {"admin", "editor", "author"},
    ),
    "auth.logout": {"admin", "editor", "author"},
    # Autosave of the forms each role types in: who may keep an autosave of a form is
    # checked per form (tests/articles/test_autosave.py).
    "admin.autosave_store": {"admin", "editor", "author"},
    "admin.autosave_discard": {"admin", "editor", "author"},
    "admin.categories_list": {"admin", "editor"},
    "admin.category_new": {"admin", "editor"},
    "admin.category_edit": {"admin", "editor"},
    "admin.category_move": {"admin", "editor"},
    "admin.category_delete": {"admin", "editor"},
    # Redirects of old addresses: the people who change addresses (categories, pages).
    **dict.fromkeys(
        [f"admin.redirect{name}" for name in ("s_list", "_new", "_edit", "_delete")],
        {"admin", "editor"},
    ),
    # Menus (blocks/menus): the people who arrange categories and pages.
    **dict.fromkeys(
        [
            f"menus_admin.{name}"
            for name in ("index", "create", "edit", "add_item", "edit_item", "move_item")
            + ("delete_item", "arrange_items", "publish", "discard", "undo")
        ],
        {"admin", "editor"},
    ),
    # Articles: every role writes; what each may do to one article is checked per
    # article (tests/articles/test_workflow_permissions.py); the world's article is the author's.
    **dict.fromkeys(
        [
            f"admin.articles_{name}"
            for name in ("list", "new", "edit", "preview", "revisions", "compare", "restore")
            + ("withdraw", "image_upload", "image_list")
            # Bulk steps check each article; saved filters are each account's own.
            + ("bulk", "filter_save", "filter_delete")
        ],
        {"admin", "editor", "author"},
    ),
    **dict.fromkeys(
        [f"admin.articles_{name}" for name in ("send_back", "unpublish", "delete")],
        {"admin", "editor"},
    ),
    # Media library: every role uploads, browses and picks; authors change and delete
    # only the images they uploaded (tests/media/test_media_admin.py); the world's is the admin's.
    "admin.media_list": {"admin", "editor", "author"},
    "admin.media_upload_one": {"admin", "editor", "author"},
    "admin.media_edit": {"admin", "editor", "author"},
    "admin.media_delete": {"admin", "editor"},
    # Legal documents (blocks/documents): every role writes; what each may do to one
    # document is checked per document (tests/documents/test_admin_workflow.py).
    **dict.fromkeys(
        [
            f"documents_admin.{name}"
            for name in ("index", "new", "edit", "take_step", "delete", "download")
            + ("revisions", "compare", "restore")
        ],
        {"admin", "editor", "author"},
    ),
    "documents_admin.import_file": {"admin", "editor"},
    # Questions from citizens (blocks/questions): editors answer; admins keep the fields.
    **dict.fromkeys(
        [f"questions_admin.{name}" for name in ("index", "edit", "delete")], {"admin", "editor"}
    ),
}


def guarded_rules(app: Flask):
    """The rules to check: everything under /admin, and sign-out."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") or rule.rule == "/dang-xuat"
        ),
        key=lambda rule: rule.rule,
    )


def make_world(app) -> dict:
    """Real rows for URL arguments: pages, a placement, two revisions, an account, an audit entry."""
    ids = {role: make_user(app, f"{role}-access@example.org", role) for role in ROLES}
    with app.app_context():
        content = sample_content()
        content["article"].created_by_id = ids["author"]
        page = content["article_page"]
        placement = db.session.scalar(
            select(Placement).where(Placement.page_id == page.id).order_by(Placement.id).limit(1)
        )
        admin = db.session.get(User, ids["admin"])
        # Two published revisions (1: the state before the first change, 2: with a note block).
        change_draft(page, edit_version(page), admin, add_block("probe_note", "main", {}))
        db.session.commit()
        publish(page, edit_version(page), admin)
        entry = audit.record("test.entry", summary="Mục nhật ký để kiểm thử", user=admin)
        image = MediaImage(stored_name="uploads/te/test.jpg", mime_type="image/jpeg", width=800,
                           height=450, size=1000, variants={}, uploaded_by_id=admin.id)  # fmt: skip
        db.session.add(image)
        question = Question(subject="Câu hỏi", body="Nội dung câu hỏi", name="Bạn đọc",
                            email="ban-doc@example.org")  # fmt: skip
        db.session.add(question)
        invitation = AccountToken(purpose="invite", token_hash="0" * 64, email="moi@example.org",
                                  role="author", expires_at=utcnow() + timedelta(days=7))  # fmt: skip
        db.session.add(invitation)
        kept = Redirect(old_path="/dia-chi-cu", new_path="/gioi-thieu", status=301)
        db.session.add(kept)
        db.session.commit()
        return {
            "user_ids": ids,
            "values": {
                "slug": "header",  # menus: no such menu (404), which is neither 403 nor 500
                "page_id": page.id,
                "key": f"p{placement.id}",
                "block_name": "probe_note",
                "number": 1,
                "user_id": ids["author"],
                "entry_id": entry.id,
                "category_id": content["category"].id,
                "article_id": content["article"].id,
                "image_id": image.id,
                "name": "rich_text",  # a plugin
                # Legal documents: no such rows (404), which is neither 403 nor 500.
                "document_id": 1,
                "file_id": 1,
                "step": "xuat-ban",
                "question_id": question.id,
                "invitation_id": invitation.id,
                # Nobody's notification (404 for everyone), which is neither 403 nor 500.
                "notification_id": 1,
                "redirect_id": kept.id,
                # Xuất / nhập dữ liệu: no such job (404), which is neither 403 nor 500.
                "job_id": 1,
                # The site profile: no such rows (404), which is neither 403 nor 500.
                "leader_id": 1,
                "unit_id": 1,
                "link_id": 1,
                "filter_id": 1,  # no saved filter (404), which is neither 403 nor 500
            },
        }


def url_for_rule(app, rule, values: dict) -> str:
    missing = sorted(set(rule.arguments) - set(values))
    assert not missing, (
        f"{rule.endpoint} ({rule.rule}) takes {missing}: add a real value for it to "
        "make_world() in tests/admin/test_access.py"
    )
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def token_for(client, signed_in: bool) -> str:
    """A CSRF token for this client's session, read from a page it may open."""
    page = client.get("/admin/" if signed_in else "/dang-nhap")
    assert page.status_code == 200, page.status_code
    return csrf_of(page.get_data(as_text=True))


def access_problems(app, values: dict, user_ids: dict) -> list[str]:
    """Check every guarded rule; return what is wrong, in words."""
    problems: list[str] = []
    anonymous = app.test_client()
    anonymous_token = token_for(anonymous, signed_in=False)
    clients = {role: client_signed_in_as(app, user_ids[role]) for role in ROLES}
    tokens = {role: token_for(client, signed_in=True) for role, client in clients.items()}

    # After signing in, a form post continues on the admin's start page (a POST-only
    # address cannot be opened); see test_sign_in_after_a_post_returns_to_the_form.
    with app.test_request_context():
        back = url_for("admin.dashboard")

    for rule in guarded_rules(app):
        url = url_for_rule(app, rule, values)
        allowed = OPEN_TO.get(rule.endpoint, {"admin"})
        for method in sorted({"GET", "POST"} & rule.methods):
            where = f"{method} {url} ({rule.endpoint})"
            send = anonymous.get if method == "GET" else anonymous.post
            data = {"csrf_token": anonymous_token} if method == "POST" else None
            response = send(url, data=data)
            location = urlsplit(response.headers.get("Location", ""))
            if response.status_code != 302 or location.path != "/dang-nhap":
                problems.append(f"{where}: signed out gives {response.status_code}, not sign-in")
            elif parse_qs(location.query).get("next") != [url if method == "GET" else back]:
                problems.append(f"{where}: sign-in link has next={location.query!r}")

            for role in ROLES:
                client = clients[role]
                if role in allowed:
                    # Only look: a POST by an allowed role would really change the site.
                    if method != "GET":
                        continue
                    page = client.get(url)
                    if page.status_code in (403, 500):
                        problems.append(f"{where}: {role} may use it but is refused")
                    elif (
                        page.status_code == 200
                        and page.mimetype == "text/html"
                        and not re.search(r"<title>[^<>]+</title>", page.get_data(as_text=True))
                    ):
                        problems.append(f"{where}: its <title> is missing or holds markup")
                    continue
                send = client.get if method == "GET" else client.post
                data = {"csrf_token": tokens[role]} if method == "POST" else None
                response = send(url, data=data)
                if response.status_code != 403:
                    problems.append(f"{where}: {role} gets {response.status_code}, not 403")
                elif rule.endpoint.startswith("admin.") and (
                    "Bạn không có quyền dùng trang này" not in response.get_data(as_text=True)
                ):
                    problems.append(f"{where}: the 403 page does not explain itself")

            if method == "POST":
                role = sorted(allowed)[0]
                response = clients[role].post(url, data={"version": "0.0"})
                if response.status_code != 400:
                    problems.append(
                        f"{where}: POST without CSRF token by {role} gives {response.status_code}"
                    )
    return problems


def test_csrf_protection_is_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert "csrf" in app.extensions


def test_every_admin_route_checks_sign_in_role_and_csrf(app):
    world = make_world(app)
    endpoints = {rule.endpoint for rule in guarded_rules(app)}
    # The walk really covers the admin (a broken filter would check nothing).
    assert {
        "admin.dashboard",
        "admin.pages_list",
        "admin.page_editor",
        "admin.block_edit",
        "admin.block_move",
        "admin.page_publish",
        "admin.page_restore",
        "admin.page_state",
        "admin.autosave_store",
        "admin.autosave_discard",
        "admin.users_list",
        "admin.users_edit",
        "admin.users_password",
        "admin.users_sessions_end",
        "admin.users_invite",
        "admin.users_invitation_resend",
        "admin.users_invitation_cancel",
        "admin.users_2fa_off",
        "admin.account",
        "admin.account_profile",
        "admin.account_2fa",
        "admin.account_2fa_confirm",
        "admin.notifications_list",
        "admin.notifications_open",
        "admin.audit_log",
        "admin.audit_entry",
        "admin.exchange",
        "admin.exchange_import",
        "admin.exchange_job_confirm",
        "admin.exchange_download",
        "auth.logout",
    } <= endpoints
    before = snapshot(app)

    problems = access_problems(app, world["values"], world["user_ids"])

    assert problems == []
    after = snapshot(app)
    # Refused requests changed nothing (sign-in checks for tokens leave no audit entries either).
    assert after == before


class UnguardedRoute:
    """A plugin that adds admin screens and forgets the role check."""

    @hookimpl
    def portal_setup_app(self, app):
        app.add_url_rule("/admin/quen-kiem-tra", "admin_forgotten", lambda: "ai cũng vào được")
        app.add_url_rule(
            "/admin/quen-kiem-tra-post",
            "admin_forgotten_post",
            lambda: "đã làm",
            methods=["POST"],
        )


def test_the_walk_catches_a_route_without_role_check(tmp_path, probe_blocks):
    app = make_app(
        plugins=[("probe_blocks", probe_blocks), ("unguarded", UnguardedRoute())],
        instance_path=str(tmp_path / "instance"),
    )
    world = make_world(app)

    problems = access_problems(app, world["values"], world["user_ids"])

    assert any("GET /admin/quen-kiem-tra (admin_forgotten): signed out" in p for p in problems)
    assert any("(admin_forgotten): author gets 200, not 403" in p for p in problems)
    assert any("(admin_forgotten_post): editor gets 200, not 403" in p for p in problems)
    # Flask-WTF still guards the POST: the CSRF check does not depend on the view.
    assert not any("admin_forgotten_post): POST without CSRF" in p for p in problems)


def test_the_walk_needs_values_for_new_url_arguments(tmp_path, probe_blocks):
    class NewArgument:
        @hookimpl
        def portal_setup_app(self, app):
            app.add_url_rule("/admin/widgets/<int:widget_id>", "admin_widget", lambda widget_id: "")

    app = make_app(
        plugins=[("probe_blocks", probe_blocks), ("new_argument", NewArgument())],
        instance_path=str(tmp_path / "instance"),
    )
    world = make_world(app)

    with pytest.raises(AssertionError, match=r"admin_widget .* takes \['widget_id'\]"):
        access_problems(app, world["values"], world["user_ids"])


def test_author_sees_no_admin_only_menu_entries(app):
    world = make_world(app)
    author = client_signed_in_as(app, world["user_ids"]["author"])
    html = author.get("/admin/").get_data(as_text=True)
    for admin_only in ("/admin/users", "/admin/audit", "/admin/pages"):
        assert admin_only not in html
    admin = client_signed_in_as(app, world["user_ids"]["admin"])
    html = admin.get("/admin/").get_data(as_text=True)
    for admin_only in ("/admin/users", "/admin/audit", "/admin/pages"):
        assert admin_only in html


def test_sign_in_after_a_post_returns_to_the_form(app):
    """A form posted after the session ended: sign in, then back to the page with the form."""
    world = make_world(app)
    client = app.test_client()
    token = token_for(client, signed_in=False)
    page_id = world["values"]["page_id"]

    response = client.post(
        f"/admin/pages/{page_id}/publish",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost/admin/pages/{page_id}?tab=1"},
    )
    elsewhere = client.post(
        f"/admin/pages/{page_id}/publish",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/admin/pages/1"},
    )

    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [
        f"/admin/pages/{page_id}?tab=1"
    ]
    assert parse_qs(urlsplit(elsewhere.headers["Location"]).query)["next"] == ["/admin/"]


def test_refusals_are_explained_in_vietnamese(app):
    world = make_world(app)
    author = client_signed_in_as(app, world["user_ids"]["author"])
    admin = client_signed_in_as(app, world["user_ids"]["admin"])

    forbidden = author.get("/admin/users").get_data(as_text=True)
    no_token = admin.post("/admin/users/new", data={"name": "X"}).get_data(as_text=True)
    anonymous = app.test_client().post("/admin/users/new").get_data(as_text=True)

    assert "Tài khoản của bạn không có quyền mở trang quản trị này." in forbidden
    assert "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ, nên không có gì được lưu." in no_token
    assert "Biểu mẫu đã hết hạn" in anonymous and "Đăng xuất" not in anonymous
