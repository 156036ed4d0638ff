"""Settings from ``plugins.toml`` in the instance folder: typed values, checked at start."""

from __future__ import annotations

import pytest

from portal.plugins import plugins_of


def read(app) -> dict:
    return app.test_client().get("/_thu-nghiem/weather-settings").get_json()


def test_values_of_the_instance_file_are_used_below_the_environment(build_app, monkeypatch):
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_UNITS", "C")
    app = build_app(
        instance_file='[settings_weather]\ndays = 6\ncities = ["Ba Bể", "Na Rì"]\nunits = "F"\n'
    )
    values = read(app)
    assert values["days"] == 6 and values["cities"] == ["Ba Bể", "Na Rì"]
    assert values["units"] == "C"
    listing = app.test_cli_runner().invoke(args=["portal", "plugins", "--settings"]).output
    assert "      giá trị:  6 (từ instance file)\n" in listing


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[settings_weather]\ndays = "sáu"\n',
            "[settings_weather] days: expected a whole number, got 'sáu'",
        ),
        (
            "[settings_weather]\ndayz = 6\n",
            "[settings_weather] sets 'dayz', which the plugin does not declare",
        ),
    ],
)
def test_a_bad_value_or_an_unknown_name_fails_the_plugin(build_app, text, message):
    app = build_app(instance_file=text)
    info = plugins_of(app).plugins["settings_weather"]
    assert info.status == "failed" and message in info.error and "plugins.toml" in info.error


def test_a_file_that_is_not_toml_stops_start_up_naming_the_file(build_app):
    with pytest.raises(RuntimeError, match=r"plugins\.toml is not valid TOML"):
        build_app(instance_file="[settings_weather\ndays = 6\n")


def test_the_admin_screen_shows_the_file_fixes_a_setting(build_app):
    from admin.admin_helpers import client_signed_in_as, make_user

    app = build_app(instance_file="[settings_weather]\ndays = 6\n")
    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    html = admin.get("/admin/plugins/settings_weather/settings").get_data(as_text=True)
    assert 'name="setting_days"' not in html and 'name="setting_units"' in html
    assert "Đặt bằng <code>tệp plugins.toml</code> nên không sửa được ở đây." in html
