"""``portal plugins --settings`` documents every declared setting, secrets masked."""

from __future__ import annotations


def test_settings_are_listed_with_variable_type_default_value_and_source(build_app, monkeypatch):
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_API_KEY", "very-secret-key")
    app = build_app(config={"PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS": 5})
    result = app.test_cli_runner().invoke(args=["portal", "plugins", "--settings"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "settings_weather:\n" in out
    assert (
        "  days — int, quản trị viên sửa được\n"
        "      biến:     PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS\n"
        "      mặc định: 3\n"
        "      giá trị:  5 (từ config)\n"
        "      giải thích: Số ngày hiển thị\n"
    ) in out
    assert "  units — choice (C, F), quản trị viên sửa được\n" in out
    assert "      giá trị:  Bắc Kạn (từ default)\n" in out
    assert "      giá trị:  •••••• (từ environment)\n" in out
    assert "very-secret-key" not in out
    assert "  station — str\n" in out  # not editable: no mention of admins


def test_a_plain_app_says_no_plugin_declares_settings(build_app):
    from portal import layouts

    app = build_app(
        plugins=[("standard_layouts", layouts)], config={"PORTAL_AUTOLOAD_PLUGINS": False}
    )
    result = app.test_cli_runner().invoke(args=["portal", "plugins", "--settings"])
    assert result.output == "Không plugin nào khai báo thiết lập.\n"


def test_the_plugin_list_counts_settings_and_failures_are_listed(build_app, monkeypatch):
    app = build_app()
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"]).output
    assert "    thiết lập: 8 (portal plugins --settings)\n" in listing
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_RATIO", "nhiều")
    failed = build_app()
    out = failed.test_cli_runner().invoke(args=["portal", "plugins", "--settings"]).output
    # Listed at the end, after the settings of the plugins that loaded (built-in ones too).
    assert out.endswith(
        "\nsettings_weather: lỗi — bad setting — environment variable "
        "PORTAL_PLUGIN_SETTINGS_WEATHER_RATIO: expected a number, got 'nhiều'\n"
    ) or out == (
        "settings_weather: lỗi — bad setting — environment variable "
        "PORTAL_PLUGIN_SETTINGS_WEATHER_RATIO: expected a number, got 'nhiều'\n"
    )
    assert "PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS" not in out
