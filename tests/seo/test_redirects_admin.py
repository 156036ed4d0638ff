"""The admin's redirects screen: list with search, add, change, delete, with clear errors."""

from __future__ import annotations

from admin.admin_helpers import (
    client_signed_in_as,
    csrf_of,
    field_errors,
    flashes,
    make_user,
    text_of,
)
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Redirect


def rows(app) -> dict[str, tuple[int, str]]:
    with app.app_context():
        return {r.old_path: (r.status, r.new_path) for r in db.session.scalars(select(Redirect))}


def post_form(client, url: str, **data):
    token = csrf_of(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "note": "", **data})


def test_add_search_edit_and_delete_a_redirect(app, site):
    client = client_signed_in_as(app, make_user(app, "bt@example.org", "editor"))
    listing = client.get("/admin/redirects")
    assert listing.status_code == 200
    assert "Chưa có chuyển hướng nào" in text_of(listing.get_data(as_text=True))

    added = post_form(
        client,
        "/admin/redirects/new",
        old_path="/gioi-thieu-cu/",
        status="301",
        new_path="/gioi-thieu",
        note="Trang cũ của năm 2020",
    )
    assert added.status_code == 302
    assert rows(app) == {"/gioi-thieu-cu": (301, "/gioi-thieu")}
    assert any("Đã lưu chuyển hướng /gioi-thieu-cu" in m for m in flashes(client))
    assert app.test_client().get("/gioi-thieu-cu").headers["Location"] == "/gioi-thieu"
    post_form(client, "/admin/redirects/new", old_path="/tin-cu", status="410", new_path="")
    client.get("/admin/redirects")  # the confirmation, shown

    found = text_of(client.get("/admin/redirects?q=2020").get_data(as_text=True))
    assert "/gioi-thieu-cu" in found and "/tin-cu" not in found
    everything = text_of(client.get("/admin/redirects").get_data(as_text=True))
    assert "2 chuyển hướng" in everything and "410 – Đã gỡ bỏ" in everything

    with app.app_context():
        row_id = db.session.scalar(select(Redirect.id).where(Redirect.old_path == "/tin-cu"))
    edited = post_form(
        client, f"/admin/redirects/{row_id}", old_path="/tin-cu", status="301", new_path="/"
    )
    assert edited.status_code == 302
    assert rows(app)["/tin-cu"] == (301, "/")

    deleted = post_form(client, f"/admin/redirects/{row_id}/delete")
    assert deleted.status_code == 302
    assert "/tin-cu" not in rows(app)
    assert app.test_client().get("/tin-cu").status_code == 404
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == "redirect")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["redirect.create", "redirect.create", "redirect.update", "redirect.delete"]


def test_bad_input_gets_a_clear_message_beside_its_field_and_changes_nothing(app, site):
    client = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    post_form(client, "/admin/redirects/new", old_path="/a", status="301", new_path="/b")
    before = rows(app)
    cases = [
        ({"old_path": "a-khong-gach", "new_path": "/b"}, "old_path", "bắt đầu bằng một dấu"),
        ({"old_path": "/x", "new_path": "/x"}, "new_path", "trùng với đường dẫn cũ"),
        ({"old_path": "/b", "new_path": "/a"}, "new_path", "vòng lặp"),
        ({"old_path": "/a", "new_path": "/c"}, "old_path", "đã có chuyển hướng"),
        ({"old_path": "/x", "new_path": "ftp://example.org"}, "new_path", "https://"),
        ({"old_path": "/x", "new_path": "/y", "status": "302"}, "status", "Hãy chọn kiểu"),
    ]
    for data, field, words in cases:
        response = post_form(client, "/admin/redirects/new", **{"status": "301", **data})
        assert response.status_code == 422, data
        html = response.get_data(as_text=True)
        errors = field_errors(html, field)
        assert errors and words in errors[0], (data, errors)
        # What the admin typed is still there.
        assert f'value="{data["old_path"]}"' in html
        assert rows(app) == before


def test_a_redirect_that_does_not_exist_is_404(app, site):
    client = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    assert client.get("/admin/redirects/999").status_code == 404
