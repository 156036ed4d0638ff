"""Declared settings: types, where values come from, checks at start (docs/plugins/settings.md)."""

from __future__ import annotations

import pytest

from portal import PluginSetting
from portal.plugin_settings import SettingError, check_declarations, parse, variable_name
from portal.plugins import plugins_of


def read(app) -> dict:
    return app.test_client().get("/_thu-nghiem/weather-settings").get_json()


def test_defaults_come_back_with_their_types(app):
    assert read(app) == {
        "api_url": "https://api.example.org",
        "api_key": None,
        "days": 3,
        "ratio": 1.5,
        "units": "C",
        "cities": ["Bắc Kạn"],
        "show_icons": True,
        "station": "Chợ Đồn",
    }


@pytest.fixture
def typed_config():
    return {"PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS": 5, "PORTAL_PLUGIN_SETTINGS_WEATHER_UNITS": "F"}


def test_the_environment_wins_over_the_config(build_app, monkeypatch, typed_config):
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS", " 7 ")
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_CITIES", "Bắc Kạn, Ba Bể,, Pác Nặm")
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_SHOW_ICONS", "no")
    monkeypatch.setenv("PORTAL_PLUGIN_SETTINGS_WEATHER_API_KEY", "k-123")
    app = build_app(config=typed_config)
    values = read(app)
    assert values["days"] == 7 and values["units"] == "F"
    assert values["cities"] == ["Bắc Kạn", "Ba Bể", "Pác Nặm"]
    assert values["show_icons"] is False and values["api_key"] == "set"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DAYS", "ba", "expected a whole number, got 'ba'"),
        ("RATIO", "1,5", "expected a number, got '1,5'"),
        ("SHOW_ICONS", "có", "expected a yes/no value"),
        ("UNITS", "K", "expected one of 'C', 'F', got 'K'"),
        ("API_URL", "ftp://x", "expected an http:// or https:// address, got 'ftp://x'"),
    ],
)
def test_a_bad_environment_value_fails_the_plugin_and_the_site_starts(
    build_app, monkeypatch, variable, value, expected
):
    name = f"PORTAL_PLUGIN_SETTINGS_WEATHER_{variable}"
    monkeypatch.setenv(name, value)
    app = build_app()
    info = plugins_of(app).plugins["settings_weather"]
    assert info.status == "failed"
    assert f"environment variable {name}: {expected}" in info.error
    assert "settings_weather" not in plugins_of(app).blocks
    client = app.test_client()
    assert client.get("/_thu-nghiem/weather-settings").status_code == 404  # no setup ran
    assert client.get("/").status_code in {200, 302, 404}  # the site itself answers


def test_a_bad_config_value_names_the_config_key(build_app):
    app = build_app(config={"PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS": "3.5"})
    assert (
        plugins_of(app)
        .plugins["settings_weather"]
        .error.endswith(
            "config key PORTAL_PLUGIN_SETTINGS_WEATHER_DAYS: expected a whole number, got '3.5'"
        )
    )


def test_a_secret_value_is_never_in_a_message():
    secret = PluginSetting("token", "secret")
    with pytest.raises(SettingError) as caught:
        parse(secret, 12345, "environment variable X")
    assert "12345" not in str(caught.value) and "(value hidden)" in str(caught.value)


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"days": 3}, "must be a list of portal.PluginSetting"),
        (["days"], "not a portal.PluginSetting"),
        ([PluginSetting("Days")], "setting name 'Days' is not valid"),
        ([PluginSetting("a"), PluginSetting("a")], "setting 'a' is declared twice"),
        ([PluginSetting("a", "date")], "unknown type 'date'"),
        ([PluginSetting("a", "choice")], "is a choice but declares no choices"),
        ([PluginSetting("a", "int", default="x")], "default of setting 'a': expected a whole"),
    ],
)
def test_wrong_declarations_are_refused_with_a_message(declared, message):
    with pytest.raises(SettingError, match=message.replace("(", r"\(")):
        check_declarations("p", declared)


def test_a_wrong_declaration_fails_only_that_plugin(build_app, weather):
    import types

    broken = types.ModuleType("broken_settings")
    broken.PLUGIN_SETTINGS = [PluginSetting("n", "int", default="many")]
    app = build_app(plugins=[("settings_weather", weather), ("broken_settings", broken)])
    plugins = plugins_of(app)
    assert plugins.plugins["broken_settings"].status == "failed"
    assert "default of setting 'n': expected a whole number" in (
        plugins.plugins["broken_settings"].error
    )
    assert plugins.plugins["settings_weather"].status == "loaded"


def test_variable_names():
    assert variable_name("weather", "api_url") == "PORTAL_PLUGIN_WEATHER_API_URL"
    assert variable_name("my-plugin", "x") == "PORTAL_PLUGIN_MY_PLUGIN_X"


def test_unknown_settings_raise_a_lookup_error(app):
    from portal import plugin_setting, settings_of

    with app.app_context():
        with pytest.raises(LookupError, match="declares no setting 'dayz'"):
            plugin_setting("settings_weather", "dayz")
        with pytest.raises(LookupError, match="declares no settings"):
            settings_of("nobody")


def test_a_setting_cannot_take_a_variable_of_the_portal(build_app):
    import types

    sync = types.ModuleType("sync_plugin")
    sync.PLUGIN_SETTINGS = [PluginSetting("seconds", "int", default=1)]
    app = build_app(plugins=[("sync", sync)])
    assert plugins_of(app).plugins["sync"].error == (
        "bad setting — setting 'seconds' would be read from PORTAL_PLUGIN_SYNC_SECONDS, "
        "a variable of the portal itself; rename the setting"
    )
