"""Editable plugin settings in the admin Plugins screen: a form built from the declarations,
stored in the database, audit-logged with secrets masked, seen on the next request."""

from __future__ import annotations

import threading
import time

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import AuditEntry, PluginSettingValue

URL = "/admin/plugins/settings_weather/settings"


@pytest.fixture
def admin_client(app):
    return client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))


def form_data(client, **values) -> dict:
    data = {
        "setting_api_key": "",
        "setting_days": "3",
        "setting_ratio": "1.5",
        "setting_units": "C",
        "setting_cities": "Bắc Kạn",
        "setting_show_icons": "y",
        "csrf_token": csrf_of(client.get(URL).get_data(as_text=True)),
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def read(client) -> dict:
    return client.get("/_thu-nghiem/weather-settings").get_json()


def stored_rows(app) -> dict:
    with app.app_context():
        return {row.name: row.value for row in db.session.scalars(select(PluginSettingValue))}


def audit_entries(app) -> list[AuditEntry]:
    with app.app_context():
        entries = list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "plugin.settings"))
        )
        db.session.expunge_all()
        return entries


def test_the_list_links_to_the_settings_and_the_screen_shows_sources(admin_client):
    listing = admin_client.get("/admin/plugins").get_data(as_text=True)
    assert f'href="{URL}"' in listing and "Cấu hình (8 mục)" in listing
    html = admin_client.get(URL).get_data(as_text=True)
    assert "PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS" in html and "mặc định của plugin" in html
    assert 'name="setting_days"' in html and 'value="3"' in html
    assert 'name="setting_station"' not in html  # not editable
    assert 'name="setting_api_url"' not in html
    assert "Chỉ đặt được bằng biến môi trường, cấu hình hoặc tệp plugins.toml." in html


def test_a_change_is_stored_audited_and_seen_on_the_next_request(app, admin_client):
    reader = app.test_client()
    assert read(reader)["days"] == 3
    page = admin_client.post(
        URL,
        data=form_data(
            admin_client,
            setting_days="5",
            setting_cities="Ba Bể, Pác Nặm",
            setting_show_icons=None,  # unchecked
            setting_api_key="k-very-secret",
        ),
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Đã lưu cấu hình plugin “settings_weather”: api_key, days, cities, show_icons." in html
    assert "k-very-secret" not in html
    assert read(reader) == {
        "api_url": "https://api.example.org",
        "api_key": "set",
        "days": 5,
        "ratio": 1.5,
        "units": "C",
        "cities": ["Ba Bể", "Pác Nặm"],
        "show_icons": False,
        "station": "Chợ Đồn",
    }
    assert stored_rows(app) == {
        "api_key": "k-very-secret",
        "days": 5,
        "cities": ["Ba Bể", "Pác Nặm"],
        "show_icons": False,
    }
    (entry,) = audit_entries(app)
    assert (
        entry.summary == "Đổi cấu hình plugin “settings_weather”: api_key, days, cities, show_icons"
    )
    assert entry.subject_type == "plugin"
    assert entry.before == {"api_key": "—", "days": "3", "cities": "Bắc Kạn", "show_icons": "True"}
    assert entry.after == {
        "api_key": "••••••",
        "days": "5",
        "cities": "Ba Bể, Pác Nặm",
        "show_icons": "False",
    }
    assert "k-very-secret" not in repr(entry.before) + repr(entry.after)
    detail = admin_client.get(f"/admin/audit/{entry.id}").get_data(as_text=True)
    assert "Đổi cấu hình plugin" in detail and "••••••" in detail
    assert "k-very-secret" not in detail

    # The secret left empty keeps its value; saving the same values changes nothing.
    again = admin_client.post(
        URL,
        data=form_data(
            admin_client,
            setting_days="5",
            setting_cities="Ba Bể, Pác Nặm",
            setting_show_icons=None,
        ),
        follow_redirects=True,
    )
    assert "Không có gì thay đổi." in again.get_data(as_text=True)
    assert stored_rows(app)["api_key"] == "k-very-secret"
    assert len(audit_entries(app)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("setting_days", "năm", "Cần số nguyên; giá trị “năm” không hợp lệ."),
        ("setting_days", "", "Cần số nguyên; giá trị “” không hợp lệ."),
        ("setting_ratio", "1,5", "Cần số; giá trị “1,5” không hợp lệ."),
        ("setting_units", "K", "Cần một trong: C, F; giá trị “K” không hợp lệ."),
    ],
)
def test_a_bad_value_gets_a_field_error_and_nothing_is_stored(
    app, admin_client, field, value, message
):
    page = admin_client.post(
        URL, data=form_data(admin_client, **{"setting_cities": "Ba Bể", field: value})
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Chưa lưu: hãy sửa các mục được đánh dấu bên dưới." in html
    assert message in html and 'aria-invalid="true"' in html
    assert stored_rows(app) == {}
    assert audit_entries(app) == []
    assert read(app.test_client())["days"] == 3


def test_editors_get_403(app):
    editor = client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))
    assert editor.get(URL).status_code == 403
    token = csrf_of(editor.get("/admin/").get_data(as_text=True))
    assert editor.post(URL, data={"setting_days": "9", "csrf_token": token}).status_code == 403
    assert stored_rows(app) == {}


def test_a_plugin_without_settings_has_no_settings_screen(admin_client):
    assert admin_client.get("/admin/plugins/standard_layouts/settings").status_code == 404


def test_another_worker_sees_the_change_without_restart(app_factory, weather):
    plugins = [("settings_weather", weather)]
    config = {"PORTAL_PLUGIN_SYNC_SECONDS": 0}
    first = app_factory(plugins=plugins, config=config)
    second = app_factory(plugins=plugins, config=config)
    admin = client_signed_in_as(first, make_user(first, "qt@example.org", "admin"))
    assert read(second.test_client())["units"] == "C"
    admin.post(URL, data=form_data(admin, setting_units="F"))
    assert read(second.test_client())["units"] == "F"


def test_the_environment_fixes_a_setting_and_the_screen_says_so(build_app, monkeypatch):
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS", "9")
    app = build_app()
    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    html = admin.get(URL).get_data(as_text=True)
    assert 'name="setting_days"' not in html
    assert (
        "Đặt bằng <code>PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS</code> nên không sửa được ở đây."
        in html
    )
    assert "biến môi trường" in html
    # A crafted post of the fixed setting is ignored: the form has no such field.
    admin.post(URL, data=form_data(admin, setting_days="2", setting_units="F"))
    assert read(app.test_client())["days"] == 9
    assert "days" not in stored_rows(app)


def waiting_for_a_lock(app) -> bool:
    """Whether a transaction on the test's PostgreSQL database waits for another's row lock."""
    with app.app_context():
        return bool(
            db.session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def test_two_admins_saving_at_once_get_a_message_not_an_error(app, database_url, admin_client):
    """Two real transactions on PostgreSQL: the first admin's save holds the new row while
    the second admin's save of the same setting waits for it, then fails on the key."""
    if not database_url:
        pytest.skip("SQLite runs one writer at a time: two saves cannot overlap there")
    from portal.content.unit_of_work import Actor, unit_of_work
    from portal.plugin_settings import save

    data = form_data(admin_client, setting_days="5")
    second: dict = {}

    def second_admin_saves() -> None:
        response = admin_client.post(URL, data=data, follow_redirects=True)
        second.update(status=response.status_code, html=response.get_data(as_text=True))

    with app.app_context():
        with unit_of_work(Actor.system("quản trị viên thứ nhất")):
            assert save("settings_weather", {"days": "4"}) == ["days"]
            db.session.flush()  # the row is written, not yet committed
            thread = threading.Thread(target=second_admin_saves)
            thread.start()
            deadline = time.monotonic() + 10
            while not waiting_for_a_lock(app) and thread.is_alive():
                assert time.monotonic() < deadline, "the second save never waited for the first"
                time.sleep(0.02)
        db.session.remove()
    thread.join(timeout=20)
    assert not thread.is_alive()

    assert second["status"] == 200
    assert "một quản trị viên khác vừa lưu cấu hình này cùng lúc" in second["html"]
    # The first save stands, whole; the second changed nothing.
    assert stored_rows(app) == {"days": 4}
    assert read(app.test_client())["days"] == 4
    assert [entry.after for entry in audit_entries(app)] == [{"days": "4"}]
