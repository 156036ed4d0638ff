"""``multiline`` and ``check`` of a PluginSetting: declarations, every source, the docs example."""

from __future__ import annotations

import types

import pytest

from portal.plugin_settings import (
    PluginSetting,
    SettingCheckError,
    SettingError,
    check_declarations,
    parse,
)

from .test_docs_examples import python_blocks


def docs_example() -> types.ModuleType:
    (code,) = [block for block in python_blocks("settings.md") if "check_notice" in block]
    module = types.ModuleType("docs_example_settings_check")
    exec(compile(code, "docs/plugins/settings.md", "exec"), module.__dict__)
    return module


def test_the_check_of_the_docs_example_refuses_with_its_own_message():
    notice = docs_example().NOTICE
    assert parse(notice, "Nghỉ lễ từ 30/4.") == "Nghỉ lễ từ 30/4."
    with pytest.raises(SettingCheckError) as refused:
        parse(notice, "<b>Nghỉ</b>", "PORTAL_PLUGIN_X_NOTICE")
    assert refused.value.message == "Thông báo là văn bản thường, không có thẻ HTML."
    assert str(refused.value).startswith("PORTAL_PLUGIN_X_NOTICE: ")


def test_wrong_declarations_are_refused():
    with pytest.raises(SettingError, match="multiline but not of type 'str'"):
        check_declarations("x", [PluginSetting("n", "int", default=1, multiline=True)])
    with pytest.raises(SettingError, match="check that is not callable"):
        check_declarations("x", [PluginSetting("n", "str", check="len")])

    def never(value):
        raise ValueError("không bao giờ")

    with pytest.raises(SettingError, match="default of setting 'n': không bao giờ"):
        check_declarations("x", [PluginSetting("n", "str", default="a", check=never)])


def test_the_admin_form_uses_a_textarea_and_shows_the_message(tmp_path):
    """On SQLite only: the database plays no part in the form."""
    from admin.admin_helpers import client_signed_in_as, csrf_of, make_user

    from portal.testing import make_app

    module = docs_example()
    plugin = types.ModuleType("notice_plugin")
    plugin.PLUGIN_SETTINGS = [module.NOTICE]
    app = make_app(plugins=[("notice", plugin)], instance_path=str(tmp_path))
    client = client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))
    url = "/admin/plugins/notice/settings"
    page = client.get(url).get_data(as_text=True)
    assert "<textarea" in page and 'name="setting_notice"' in page
    token = csrf_of(page)
    refused = client.post(url, data={"setting_notice": "<i>x</i>", "csrf_token": token})
    assert refused.status_code == 422
    assert "Thông báo là văn bản thường, không có thẻ HTML." in refused.get_data(as_text=True)
    saved = client.post(url, data={"setting_notice": "Dòng 1\r\nDòng 2", "csrf_token": token})
    assert saved.status_code == 302
    with app.app_context():
        from portal import plugin_setting

        assert plugin_setting("notice", "notice") == "Dòng 1\r\nDòng 2"
