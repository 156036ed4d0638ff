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
    """No PORTAL_PLUGIN_* variable leaks in from the shell."""
    import os

    for key in list(os.environ):
        if key.startswith("PORTAL_PLUGIN_"):
            monkeypatch.delenv(key)


@pytest.fixture
def build_app(database_url, weather, tmp_path):
    """``build_app(config=..., instance_file=...)``: an app with the plugin, built now.

    ``instance_file`` is the text of the instance folder's ``plugins.toml``.
    """
    from portal.extensions import db
    from portal.testing import make_app

    apps = []

    def build(*, plugins=None, config=None, instance_file=None):
        instance = tmp_path / f"instance-{len(apps)}"
        if instance_file is not None:
            instance.mkdir(parents=True)
            (instance / "plugins.toml").write_text(instance_file, encoding="utf-8")
        app = make_app(
            database_url=database_url,
            plugins=plugins if plugins is not None else [("settings_weather", weather)],
            config=config,
            instance_path=str(instance),
        )
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
