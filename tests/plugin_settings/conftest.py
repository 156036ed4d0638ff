"""The plugin with settings (tests/plugins/settings_weather.py), loaded in every app here."""

from __future__ import annotations

import pytest


@pytest.fixture
def weather(test_plugin):
    return test_plugin("settings_weather")


@pytest.fixture
def app_plugins(weather):
    return [("settings_weather", weather)]


@pytest.fixture(autouse=True)
def _no_weather_environment(monkeypatch):
    """No PORTAL_PLUGIN_SETTINGS_WEATHER_* variable leaks in from the shell."""
    import os

    for key in list(os.environ):
        if key.startswith("PORTAL_PLUGIN_SETTINGS_WEATHER_"):
            monkeypatch.delenv(key)
