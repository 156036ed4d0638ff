"""The examples of docs/plugins/block-api.md and settings.md work as written."""

from __future__ import annotations

import re
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins"


def python_blocks(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def module_from_docs(page: str, marker: str) -> types.ModuleType:
    (code,) = [block for block in python_blocks(page) if marker in block]
    module = types.ModuleType(f"docs_example_{page.replace('.', '_').replace('-', '_')}")
    exec(compile(code, f"docs/plugins/{page}", "exec"), module.__dict__)
    return module


def test_the_declaration_of_block_api_md_gives_typed_values(build_app, monkeypatch):
    weather = module_from_docs("block-api.md", "PLUGIN_SETTINGS = [")
    monkeypatch.setenv("PORTAL_PLUGIN_WEATHER_API_KEY", "k")
    app = build_app(plugins=[("weather", weather)], config={"PORTAL_PLUGIN_WEATHER_DAYS": "5"})
    from portal import plugin_setting, settings_of

    with app.app_context():
        assert settings_of("weather") == {
            "api_url": "https://api.example.org",
            "api_key": "k",
            "days": 5,
            "units": "C",
        }
        assert plugin_setting("weather", "days") == 5


def test_the_declaration_of_settings_md_is_valid(build_app):
    code = next(b for b in python_blocks("settings.md") if "PLUGIN_SETTINGS = [" in b)
    code = code.replace("from .forecast import ForecastBlock\n", "").replace(
        "return [ForecastBlock]", "return []"
    )
    weather = types.ModuleType("docs_example_settings_md")
    exec(compile(code, "docs/plugins/settings.md", "exec"), weather.__dict__)
    app = build_app(plugins=[("weather", weather)])
    listing = app.test_cli_runner().invoke(args=["portal", "plugins", "--settings"]).output
    assert "  show_icons — bool, quản trị viên sửa được\n" in listing
    assert "      biến:     PORTAL_PLUGIN_WEATHER_API_URL\n" in listing


def test_a_bad_value_as_the_testing_section_says(build_app, monkeypatch):
    weather = module_from_docs("block-api.md", "PLUGIN_SETTINGS = [")
    monkeypatch.setenv("PORTAL_PLUGIN_WEATHER_DAYS", "ba")
    app = build_app(plugins=[("weather", weather)])
    listing = app.test_cli_runner().invoke(args=["portal", "plugins"]).output
    assert "weather — lỗi" in listing
    assert "PORTAL_PLUGIN_WEATHER_DAYS: expected a whole number, got 'ba'" in listing
