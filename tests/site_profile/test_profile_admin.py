"""The admin screen "Thông tin cơ quan": validation, audit, purge, and what readers then see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blocks.site_profile.models import Profile
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.events import OutboxEvent
from portal.testing import events_written

URL = "/admin/thong-tin-co-quan/"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def post_form(client, url: str, data: dict, *, token_from: str | None = None):
    """POST ``data`` to ``url`` with a CSRF token read from the form page (``token_from``)."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_from or url)})


PROFILE = {
    "managing_body": "Ủy ban nhân dân tỉnh Bắc Kạn",
    "name": "Văn phòng UBND tỉnh Bắc Kạn",
    "responsible_person": "Nguyễn Minh Hải",
    "responsible_title": "Chánh Văn phòng",
    "licence_number": "12/GP-TTĐT",
    "licence_date": "15/03/2023",
    "licence_issuer": "Cục Phát thanh, truyền hình và thông tin điện tử",
    "street_address": "Số 7, đường Trường Chinh",
    "locality": "Thành phố Bắc Kạn",
    "region": "Bắc Kạn",
    "phone": "0209 3870 123",
    "fax": "0209 3870 124",
    "email": "vanphong@backan.gov.vn",
    "working_hours": "Sáng 7:30 – 11:30",
    "map_url": "",
    "chart_image": "",
    "chart_alt": "",
}


def test_saving_the_profile_is_audited_purges_and_shows_in_the_footer(site, admin):
    before = site.test_client().get("/").get_data(as_text=True)
    assert "Văn phòng UBND tỉnh Bắc Kạn" not in before
    with events_written(site) as events:
        response = post_form(admin, URL, PROFILE)
    assert response.status_code == 302
    assert [e[:2] for e in events] == [("purged", "plugin:site_profile")] * 2
    with site.app_context():
        profile = db.session.get(Profile, 1)
        assert profile.licence_date.isoformat() == "2023-03-15"
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "site_profile.update")
        )
        assert entry.after["email"] == "vanphong@backan.gov.vn" and entry.before["email"] == ""
        assert entry.user_name.startswith("Thử nghiệm (admin)")
        tags = set().union(*db.session.scalars(select(OutboxEvent.tags)))
        assert {"data:site_profile", "data:site_organization"} <= tags

    footer = site.test_client().get("/").get_data(as_text=True)
    assert "Giấy phép số 12/GP-TTĐT ngày 15/03/2023 do Cục Phát thanh" in footer
    assert "Người chịu trách nhiệm chính:</span> Nguyễn Minh Hải, Chánh Văn phòng" in footer
    assert '<a href="tel:02093870123">0209 3870 123</a>' in footer

    # Saving the same values again changes nothing: no audit entry, no event.
    with events_written(site) as again:
        post_form(admin, URL, PROFILE)
    assert again == []
    with site.app_context():
        entries = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("site_profile.%"))
        )
        assert list(entries) == ["site_profile.update"]


WRONG = [
    ("name", "", "Hãy nhập tên cơ quan."),
    ("email", "vanphong@", "Địa chỉ thư điện tử không hợp lệ"),
    ("phone", "gọi 113", "Số điện thoại chỉ gồm chữ số"),
    ("fax", "12 34", "ít nhất 6 chữ số"),
    ("licence_date", "31/02/2024", "Ngày “31/02/2024” không hợp lệ"),
    ("map_url", "javascript:alert(1)", "http:// hoặc https://"),
    ("chart_image", "../../etc/passwd.png", "thư viện ảnh"),
    ("chart_image", "2024/05/so-do.webp", "Ảnh sơ đồ cần có mô tả bằng lời"),
]

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_a_wrong_field_is_refused_with_its_message_and_the_input_kept(app, admin):
    for field, value, message in WRONG:
        response = post_form(admin, URL, {**PROFILE, field: value})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, field
        assert message in html and "Chưa lưu" in html, field
        assert 'value="Số 7, đường Trường Chinh"' in html  # what the admin typed stays
        assert value in html, field
    with app.app_context():
        assert db.session.get(Profile, 1) is None
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action.like("site_profile.%")))
            is None
        )


@SQLITE_ONLY
def test_admin_screens_are_for_admins_only_and_need_csrf(app, admin, editor):
    paths = [URL, URL + "lanh-dao/moi", URL + "don-vi/moi", "/admin/lien-ket-website/"]
    for path in paths:
        assert editor.get(path).status_code == 403, path
        assert app.test_client().get(path).status_code in (302, 303), path
        assert admin.get(path).status_code == 200, path
    assert editor.post(URL + "lanh-dao/1/xoa").status_code in (400, 403)
    # No token: refused, nothing stored.
    assert admin.post(URL, data=PROFILE).status_code == 400
    with app.app_context():
        assert db.session.get(Profile, 1) is None


def test_leaders_and_units_are_validated_audited_and_kept_as_a_tree(app, admin):
    bad = post_form(admin, URL + "lanh-dao/moi", {"name": "", "email": "x@y", "position": "0"})
    assert "Hãy nhập họ và tên." in bad.get_data(as_text=True)
    ok = post_form(
        admin,
        URL + "lanh-dao/moi",
        {
            "name": "Hoàng Thị Lan",
            "title": "Phó Chánh Văn phòng",
            "phone": "0209 3870 102",
            "position": "2",
        },
    )
    assert ok.status_code == 302
    post_form(admin, URL + "don-vi/moi", {"name": "Văn phòng", "parent_id": "", "position": "1"})
    post_form(
        admin, URL + "don-vi/moi", {"name": "Phòng Tổng hợp", "parent_id": "1", "position": "1"}
    )
    # The parent select of unit 1 does not offer its own child.
    form = admin.get(URL + "don-vi/1").get_data(as_text=True)
    assert '<option value="2"' not in form
    # Forged anyway: refused with a message, nothing changed.
    moved = post_form(
        admin, URL + "don-vi/1", {"name": "Văn phòng", "parent_id": "2", "position": "1"}
    )
    assert "Không thể đặt đơn vị làm cấp dưới của chính nó" in moved.get_data(as_text=True)
    assert 'value="Văn phòng"' in moved.get_data(as_text=True)
    junk = post_form(
        admin, URL + "don-vi/1", {"name": "Văn phòng", "parent_id": "1 OR 1", "position": "1"}
    )
    assert "Hãy chọn đơn vị cấp trên trong danh sách." in junk.get_data(as_text=True)
    refused = admin.post(
        URL + "don-vi/1/xoa", data={"csrf_token": csrf_token(admin, URL)}, follow_redirects=True
    )
    assert "còn đơn vị trực thuộc" in refused.get_data(as_text=True)
    with app.app_context():
        from blocks.site_profile.models import Unit

        units = {u.name: u.parent_id for u in db.session.scalars(select(Unit))}
        assert units == {"Văn phòng": None, "Phòng Tổng hợp": 1}
        actions = sorted(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("site_profile.%"))
            )
        )
        assert actions == [
            "site_profile.leader_create",
            "site_profile.unit_create",
            "site_profile.unit_create",
        ]
