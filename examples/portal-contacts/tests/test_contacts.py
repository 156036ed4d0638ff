"""Tests of the contacts plugin, using the harness that comes with blockportal."""

import re

from portal import Actor, db, menu_items
from portal.testing import (
    assert_block_contract,
    events_written,
    make_app,
    place_block,
    render_page,
    sample_content,
    schema_differences,
)

import portal_contacts
from portal_contacts import Contacts, add_contact
from portal_contacts.models import Contact

LAN = {"name": "Nguyễn Thị Lan", "position": "Chánh Văn phòng", "agency": "UBND tỉnh",
       "phone": "0209 3870 001", "email": "lan@example.org"}  # fmt: skip
MINH = {"name": "Trần Văn Minh", "agency": "Sở Y tế", "phone": "0209 3852 002"}


def test_keeps_the_block_contract():
    assert_block_contract(Contacts, sample_settings=[{"title": "Đường dây nóng", "limit": 3}])


def test_migrations_build_what_the_model_describes(portal_app, portal_migrations):
    assert portal_migrations == ["contacts"]
    assert schema_differences(portal_app, "contacts") == []


def test_an_added_entry_bumps_the_data_set(portal_app, portal_migrations):
    with portal_app.app_context(), events_written(portal_app) as events:
        add_contact(Actor.system("Plugin contacts"), **LAN)
    assert events == [("purged", "plugin:contacts", None)]  # bump_data_version("contacts")
    with portal_app.app_context():
        assert db.session.scalar(db.select(Contact.name)) == LAN["name"]


def test_the_cached_block_shows_an_added_entry_on_its_next_view(tmp_path):
    app = make_app(
        plugins=[("contacts", portal_contacts)],
        config={"PORTAL_CACHE_URL": "memory"},  # the fixtures' app caches nothing
        instance_path=str(tmp_path),
    )
    with app.app_context():
        sample_content(blocks=[])
    place_block(app, "/", "main", "contacts", {"title": "Đường dây nóng", "limit": 5})
    assert "Chưa có mục nào." in render_page(app.test_client(), "/")
    with app.app_context():
        db.session.add(Contact(**MINH))  # behind the plugin's back: the cache is not told
        db.session.commit()
    assert "Trần Văn Minh" not in render_page(app.test_client(), "/")
    with app.app_context():
        add_contact(Actor.system("Plugin contacts"), **LAN)  # bumps the data set
    html = render_page(app.test_client(), "/")
    assert "Nguyễn Thị Lan" in html and "Trần Văn Minh" in html


def test_the_block_lists_the_entries(portal_app, portal_migrations, portal_client, portal_content):
    with portal_app.app_context():
        add_contact(Actor.system("Plugin contacts"), **LAN)
        add_contact(Actor.system("Plugin contacts"), **MINH)
    place_block(portal_app, "/", "main", "contacts", {"title": "Đường dây nóng", "limit": 1})
    html = render_page(portal_client, "/")
    assert "Đường dây nóng" in html
    assert "Trần Văn Minh" in html  # "Sở Y tế" comes before "UBND tỉnh"
    assert "Nguyễn Thị Lan" not in html


def test_the_directory_page_is_in_the_site_frame(portal_app, portal_migrations, portal_client):
    with portal_app.app_context():
        add_contact(Actor.system("Plugin contacts"), **LAN)
    html = render_page(portal_client, "/danh-ba")
    assert "<h1" in html and "Danh bạ điện thoại" in html
    assert "lan@example.org" in html and "0209 3870 001" in html
    assert "<title>Danh bạ điện thoại" in html


def test_the_main_menu_has_an_entry(portal_app):
    with portal_app.test_request_context("/"):
        assert [(item.label, item.url) for item in menu_items("main")] == [("Danh bạ", "/danh-ba")]
        assert menu_items("footer") == []


def test_settings_come_from_the_config(tmp_path):
    app = make_app(
        plugins=[("contacts", portal_contacts)],
        config={
            "PORTAL_PLUGIN_CONTACTS_PAGE_TITLE": "Đường dây nóng",
            "PORTAL_PLUGIN_CONTACTS_SHOW_EMAIL": False,
        },
        instance_path=str(tmp_path),
    )
    with app.app_context():
        add_contact(Actor.system("Plugin contacts"), **LAN)
    html = render_page(app.test_client(), "/danh-ba")
    assert "Đường dây nóng" in html
    assert "lan@example.org" not in html


def csrf_token(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.get_data(as_text=True))[1]


def test_admins_add_entries(portal_app, portal_migrations, portal_admin_client):
    token = csrf_token(portal_admin_client, "/admin/danh-ba/")
    answer = portal_admin_client.post("/admin/danh-ba/", data={**MINH, "csrf_token": token})
    assert answer.status_code == 302
    html = portal_admin_client.get("/admin/danh-ba/").get_data(as_text=True)
    assert "Đã thêm Trần Văn Minh vào danh bạ." in html
    assert "0209 3852 002" in html


def test_a_bad_entry_is_refused_and_nothing_is_stored(
    portal_app, portal_migrations, portal_admin_client
):
    token = csrf_token(portal_admin_client, "/admin/danh-ba/")
    data = {"name": "", "phone": "gọi tôi", "email": "khong-hop-le", "csrf_token": token}
    html = portal_admin_client.post("/admin/danh-ba/", data=data).get_data(as_text=True)
    assert "Hãy nhập họ tên." in html
    assert "Số điện thoại chỉ gồm chữ số" in html
    assert "Địa chỉ thư điện tử không hợp lệ." in html
    with portal_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 0


def test_admins_edit_the_settings(portal_app, portal_migrations, portal_admin_client):
    with portal_app.app_context():
        add_contact(Actor.system("Plugin contacts"), **LAN)
    url = "/admin/plugins/contacts/settings"  # Quản trị → Plugin → Cấu hình
    data = {
        "setting_page_title": "Danh bạ các sở, ngành",
        "csrf_token": csrf_token(portal_admin_client, url),
    }
    assert portal_admin_client.post(url, data=data).status_code == 302  # show_email unticked
    html = render_page(portal_admin_client, "/danh-ba")
    assert "Danh bạ các sở, ngành" in html
    assert "lan@example.org" not in html


def test_editors_cannot_open_the_admin_screen(portal_editor_client):
    assert portal_editor_client.get("/admin/danh-ba/").status_code == 403


def test_a_too_long_title_is_refused():
    clean, errors = Contacts.validate_settings({"title": "x" * 201, "limit": 5})
    assert "title" in errors


def test_switched_off_its_page_menu_entry_and_screen_are_gone_and_its_rows_stay(
    portal_app, portal_migrations, portal_admin_client
):
    with portal_app.app_context():
        add_contact(Actor.system("Plugin contacts"), **LAN)
    cli = portal_app.test_cli_runner()
    done = cli.invoke(args=["portal", "plugins", "disable", "contacts"])
    assert done.exit_code == 0, done.output
    assert portal_admin_client.get("/danh-ba").status_code == 404
    assert portal_admin_client.get("/admin/danh-ba/").status_code == 404
    with portal_app.test_request_context("/"):
        assert menu_items("main") == []

    done = cli.invoke(args=["portal", "plugins", "enable", "contacts"])
    assert done.exit_code == 0, done.output
    assert "Nguyễn Thị Lan" in portal_admin_client.get("/danh-ba").get_data(as_text=True)
