"""User management for admins: list, create, edit, reset password; the last admin stays."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, LoginAttempt, User
from portal.testing import events_written

from .admin_helpers import (
    PASSWORD,
    client_signed_in_as,
    csrf_of,
    described_by,
    field_errors,
    flashes,
    make_user,
    snapshot,
    text_of,
)


def post_form(client, url, **data):
    token = csrf_of(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def user_by_email(app, email) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def audit_entries(app, action=None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(db.session.scalars(query))
        for entry in entries:
            db.session.expunge(entry)
        return entries


def all_audit_text(app) -> str:
    return json.dumps(
        [[e.summary, e.before, e.after] for e in audit_entries(app)], ensure_ascii=False
    )


def generated_password(html: str) -> str:
    found = re.search(r'<code id="generated-password">([^<]+)</code>', html)
    assert found, "no generated password shown"
    return found.group(1)


def test_list_shows_accounts_with_role_and_status(app, admin_client):
    make_user(app, "bientap@example.org", "editor", name="Trần Thị Biên")
    make_user(app, "nghi@example.org", "author", active=False, name="Lê Văn Nghỉ")

    html = admin_client.get("/admin/users").get_data(as_text=True)
    text = text_of(html)

    assert "Trần Thị Biên bientap@example.org Biên tập viên Đang hoạt động" in text
    assert "Lê Văn Nghỉ nghi@example.org Tác giả Đã khóa" in text
    assert "Quản Trị Một bạn quantri@example.org Quản trị viên" in text


def test_new_accounts_start_as_authors(admin_client):
    html = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert re.search(r'<option selected value="author">|<option value="author" selected>', html)
    assert not re.search(r'<option selected value="admin">|<option value="admin" selected>', html)


def test_create_with_a_typed_password(app, admin_client):
    response = post_form(
        admin_client,
        "/admin/users/new",
        name="  Trần Thị Biên ",
        email=" BienTap@Example.org ",
        role="editor",
        password="mot-mat-khau-dai",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    user = user_by_email(app, "bientap@example.org")
    assert (user.name, user.role, user.active) == ("Trần Thị Biên", "editor", True)
    assert user.check_password("mot-mat-khau-dai")
    assert "mot-mat-khau-dai" not in user.password_hash
    (entry,) = audit_entries(app, "user.create")
    assert entry.subject_id == user.id
    assert entry.before is None
    assert entry.after == {
        "name": "Trần Thị Biên",
        "email": "bientap@example.org",
        "role": "editor",
        "active": True,
        "initial_credential": "do quản trị viên nhập",
    }
    assert "mot-mat-khau-dai" not in all_audit_text(app)
    assert user.password_hash not in all_audit_text(app)


def test_create_with_a_generated_password_shows_it_once(app, admin_client):
    response = post_form(
        admin_client, "/admin/users/new", name="Tác Giả", email="tacgia@example.org", role="author"
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = generated_password(html)
    assert len(password) >= 10
    assert "chỉ hiện một lần" in text_of(html).lower()
    assert response.headers["Cache-Control"] == "private, no-store"
    user = user_by_email(app, "tacgia@example.org")
    assert user.check_password(password)
    # Nowhere else: not in the list, not in the session (flash messages), not in the log.
    assert password not in admin_client.get("/admin/users").get_data(as_text=True)
    assert not any(password in message for message in flashes(admin_client))
    assert password not in all_audit_text(app)
    assert audit_entries(app, "user.create")[0].after["initial_credential"] == "tạo ngẫu nhiên"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"password": "ngan-qua"},
            "password",
            "Mật khẩu cần từ 10 đến 500 ký tự.",
        ),
        ({"email": "QUANTRI@example.org"}, "email", "Đã có tài khoản dùng thư điện tử này."),
        ({"email": "khong-phai-thu"}, "email", "Thư điện tử không hợp lệ."),
        ({"name": "   "}, "name", "Hãy nhập họ và tên."),
        ({"role": "superuser"}, "role", "Hãy chọn một vai trò trong danh sách."),
    ],
)
def test_create_with_bad_input_shows_the_error_at_the_field(
    app, admin_client, data, field, message
):
    before = snapshot(app)
    values = {"name": "Người Mới", "email": "moi@example.org", "role": "author", **data}

    response = post_form(admin_client, "/admin/users/new", **values)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = field_errors(html, field)
    assert errors and errors[0].startswith(message.split(".")[0])
    assert f"{field}-errors" in described_by(html, field)
    assert snapshot(app) == before


def test_edit_name_role_and_active(app, admin_client):
    user_id = make_user(app, "bientap@example.org", "editor", name="Biên")

    response = post_form(
        admin_client,
        f"/admin/users/{user_id}",
        name="Biên Tập Viên",
        email="bientap@example.org",
        role="author",
    )

    assert response.status_code == 302
    user = user_by_email(app, "bientap@example.org")
    assert (user.name, user.role, user.active) == ("Biên Tập Viên", "author", False)
    (entry,) = audit_entries(app, "user.update")
    assert entry.before == {
        "name": "Biên",
        "email": "bientap@example.org",
        "role": "editor",
        "active": True,
    }
    assert entry.after == {
        "name": "Biên Tập Viên",
        "email": "bientap@example.org",
        "role": "author",
        "active": False,
    }


def test_edit_without_changes_records_nothing(app, admin_client):
    user_id = make_user(app, "bientap@example.org", "editor", name="Biên")
    post_form(
        admin_client,
        f"/admin/users/{user_id}",
        name="Biên",
        email="bientap@example.org",
        role="editor",
        active="y",
    )
    assert audit_entries(app, "user.update") == []
    assert "Không có gì thay đổi." in flashes(admin_client)


def test_edit_to_an_email_already_in_use_is_refused(app, admin_client):
    user_id = make_user(app, "bientap@example.org", "editor")
    before = snapshot(app)

    response = post_form(
        admin_client,
        f"/admin/users/{user_id}",
        name="Biên",
        email="Quantri@Example.org",
        role="editor",
        active="y",
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "email") == [
        "Đã có tài khoản dùng thư điện tử này."
    ]
    assert snapshot(app) == before


LAST_ADMIN = "Đây là quản trị viên đang hoạt động duy nhất."


@pytest.mark.parametrize(
    ("change", "field"),
    [({"role": "editor", "active": "y"}, "role"), ({"role": "admin"}, "active")],
    ids=["demote", "deactivate"],
)
def test_last_active_admin_cannot_demote_or_deactivate_themselves(
    app, admin_client, admin_id, change, field
):
    # An inactive admin does not count: they cannot sign in to manage the site.
    make_user(app, "cu@example.org", "admin", active=False)
    before = snapshot(app)

    response = post_form(
        admin_client,
        f"/admin/users/{admin_id}",
        name="Quản Trị Một",
        email="quantri@example.org",
        **change,
    )

    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), field)
    assert errors and errors[0].startswith(LAST_ADMIN)
    assert snapshot(app) == before
    assert admin_client.get("/admin/users").status_code == 200


def test_an_admin_may_step_down_when_another_admin_remains(app, admin_client, admin_id):
    make_user(app, "quantri2@example.org", "admin")

    response = post_form(
        admin_client,
        f"/admin/users/{admin_id}",
        name="Quản Trị Một",
        email="quantri@example.org",
        role="editor",
        active="y",
    )

    assert response.status_code == 302
    assert user_by_email(app, "quantri@example.org").role == "editor"
    # From now on the admin screens are closed to them.
    assert admin_client.get("/admin/users").status_code == 403


def test_deactivating_someone_signs_them_out(app, admin_client):
    user_id = make_user(app, "bientap@example.org", "editor")
    their_client = client_signed_in_as(app, user_id)
    assert their_client.get("/admin/").status_code == 200

    post_form(
        admin_client,
        f"/admin/users/{user_id}",
        name="Biên",
        email="bientap@example.org",
        role="editor",
    )

    assert their_client.get("/admin/").status_code == 302


def test_reset_password_with_a_typed_one(app, admin_client):
    user_id = make_user(app, "bientap@example.org", "editor")
    with app.app_context():
        db.session.add(LoginAttempt(email="bientap@example.org", ip="192.0.2.1"))
        db.session.commit()

    response = post_form(
        admin_client, f"/admin/users/{user_id}/password", password="mat-khau-moi-dai"
    )

    assert response.status_code == 302
    user = user_by_email(app, "bientap@example.org")
    assert user.check_password("mat-khau-moi-dai")
    assert not user.check_password(PASSWORD)
    with app.app_context():
        assert db.session.scalars(select(LoginAttempt)).all() == []
    (entry,) = audit_entries(app, "user.password_reset")
    assert entry.after == {"new_credential": "do quản trị viên nhập"}
    assert "mat-khau-moi-dai" not in all_audit_text(app)


def test_reset_password_generated(app, admin_client):
    user_id = make_user(app, "bientap@example.org", "editor")

    response = post_form(admin_client, f"/admin/users/{user_id}/password", password="")

    assert response.status_code == 200
    password = generated_password(response.get_data(as_text=True))
    assert user_by_email(app, "bientap@example.org").check_password(password)
    assert password not in all_audit_text(app)


def test_reset_password_too_short_changes_nothing(app, admin_client):
    user_id = make_user(app, "bientap@example.org", "editor")
    before = snapshot(app)

    response = post_form(admin_client, f"/admin/users/{user_id}/password", password="123")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "password") == ["Mật khẩu cần từ 10 đến 500 ký tự."]
    assert described_by(html, "password") == "password-hint password-errors"
    assert snapshot(app) == before


def test_unknown_account_is_404(admin_client):
    assert admin_client.get("/admin/users/9999").status_code == 404
    assert admin_client.get("/admin/users/9999/password").status_code == 404


# -- every account change goes through portal.content.users ------------------------------

ADMIN_ACTOR = "Quản Trị Một <quantri@example.org>"


def only_entry(app, action) -> AuditEntry:
    (entry,) = audit_entries(app, action)
    return entry


def test_creating_names_the_admin_and_announces_no_content_event(app, admin_client, admin_id):
    with events_written(app) as events:
        response = post_form(
            admin_client,
            "/admin/users/new",
            name="Tác Giả",
            email="tacgia@example.org",
            role="author",
            password="mot-mat-khau-dai",
        )

    assert response.status_code == 302
    entry = only_entry(app, "user.create")
    assert (entry.user_id, entry.user_name) == (admin_id, ADMIN_ACTOR)
    assert events == []  # accounts are not reader content


def test_editing_names_the_admin_and_announces_no_content_event(app, admin_client, admin_id):
    user_id = make_user(app, "bientap@example.org", "editor", name="Biên")
    their_client = client_signed_in_as(app, user_id)

    with events_written(app) as events:
        response = post_form(
            admin_client,
            f"/admin/users/{user_id}",
            name="Biên",
            email="bientap@example.org",
            role="author",
            active="y",
        )

    assert response.status_code == 302
    entry = only_entry(app, "user.update")
    assert (entry.user_id, entry.user_name) == (admin_id, ADMIN_ACTOR)
    assert entry.after["role"] == "author"
    assert events == []
    assert their_client.get("/admin/").status_code == 302  # a new role ends their sessions


def test_resetting_names_the_admin_ends_sessions_and_announces_nothing(app, admin_client, admin_id):
    user_id = make_user(app, "bientap@example.org", "editor")
    their_client = client_signed_in_as(app, user_id)

    with events_written(app) as events:
        response = post_form(
            admin_client, f"/admin/users/{user_id}/password", password="mat-khau-moi-dai"
        )

    assert response.status_code == 302
    entry = only_entry(app, "user.password_reset")
    assert (entry.user_id, entry.user_name) == (admin_id, ADMIN_ACTOR)
    assert events == []
    assert their_client.get("/admin/").status_code == 302


def test_an_admin_resetting_their_own_password_stays_signed_in_here_only(
    app, admin_client, admin_id
):
    elsewhere = client_signed_in_as(app, admin_id)

    response = post_form(
        admin_client, f"/admin/users/{admin_id}/password", password="mat-khau-moi-dai"
    )

    assert response.status_code == 302
    assert admin_client.get("/admin/users").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    ("change", "field"),
    [({"role": "editor", "active": "y"}, "role"), ({"role": "admin"}, "active")],
    ids=["demote", "deactivate"],
)
def test_a_refused_change_of_the_last_admin_writes_no_entry_and_no_event(
    app, admin_client, admin_id, change, field
):
    elsewhere = client_signed_in_as(app, admin_id)
    before = snapshot(app)

    with events_written(app) as events:
        response = post_form(
            admin_client,
            f"/admin/users/{admin_id}",
            name="Quản Trị Hai",  # changed too: nothing of the refused change is kept
            email="quantri@example.org",
            **change,
        )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field)[0].startswith(LAST_ADMIN)
    assert snapshot(app) == before
    assert events == []
    assert elsewhere.get("/admin/").status_code == 200  # no session was ended


def test_ending_a_session_names_the_admin_and_announces_nothing(app, admin_client, admin_id):
    user_id = make_user(app, "bientap@example.org", "editor")
    their_client = client_signed_in_as(app, user_id)
    url = f"/admin/users/{user_id}"
    token = csrf_of(admin_client.get(url).get_data(as_text=True))

    with events_written(app) as events:
        response = admin_client.post(f"{url}/sessions/end", data={"csrf_token": token})

    assert response.status_code == 302
    entry = only_entry(app, "user.sessions_end")
    assert (entry.user_id, entry.user_name) == (admin_id, ADMIN_ACTOR)
    assert events == []
    assert their_client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "address", ["bien@localhost", "bien tap@example.org", "bien@@example.org", "bien@example"]
)
def test_the_account_form_and_the_sign_in_form_refuse_the_same_addresses(
    app, admin_client, client, address
):
    before = snapshot(app)

    created = post_form(
        admin_client,
        "/admin/users/new",
        name="Người Mới",
        email=address,
        role="author",
        password="mot-mat-khau-dai",
    )
    signed_in = post_form(client, "/dang-nhap", email=address, password="mot-mat-khau-dai")

    assert created.status_code == 422
    assert field_errors(created.get_data(as_text=True), "email") == ["Thư điện tử không hợp lệ."]
    assert signed_in.status_code == 422
    assert field_errors(signed_in.get_data(as_text=True), "email") == ["Thư điện tử không hợp lệ."]
    assert snapshot(app) == before


def test_the_content_layer_refuses_to_change_an_account_outside_a_unit_of_work(app):
    from portal.content import users as accounts

    before = snapshot(app)
    with app.app_context(), pytest.raises(RuntimeError, match="unit_of_work"):
        accounts.create_user(
            name="Người Mới", email="moi@example.org", role="author", password="mot-mat-khau-dai"
        )
    assert snapshot(app) == before
