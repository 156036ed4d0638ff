"""Interface translations: .po catalogs of the core and of plugins, and locale formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

from portal.i18n import CORE_TRANSLATIONS, build_translations, translate
from portal.testing import make_app, render_block
from portal.text import format_date, format_long_date, format_number

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_PLUGINS = ROOT / "blocks"


def test_a_plugin_catalog_is_merged_and_the_core_wins_on_a_clash(plugins_dir, tmp_path):
    app = make_app(config={"PORTAL_PLUGINS_DIR": plugins_dir("translated_pkg")})
    with app.app_context():
        assert translate("Xin chào bạn đọc", "en") == "Hello, reader"
        assert translate("Trang chủ", "en") == "Home"  # not the plugin's "Start page"
        assert translate("Bản nháp", "en") == "Bản nháp"  # fuzzy entries are left out
        assert translate("Xin chào bạn đọc", "vi") == "Xin chào bạn đọc"
        html = render_block(app, "translated_greeting", locale="en", path="/en")
        assert "Hello, reader – Home" in html
        assert "Xin chào bạn đọc – Trang chủ" in render_block(app, "translated_greeting")


def test_every_interface_text_has_an_english_translation():
    """Each ``_()`` / ``translate()`` text of portal/, blocks/ and templates/ has an msgstr."""
    folders = [CORE_TRANSLATIONS] + sorted(BUILTIN_PLUGINS.glob("*/translations"))
    english = build_translations(folders, "en")
    method_map = [
        ("portal/**.py", "python"),
        ("blocks/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("blocks/**/templates/**.html", "jinja2"),
    ]
    found = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "translate": None}
    ):
        if isinstance(message, str) and message.strip():
            found.setdefault(message, filename)
    assert len(found) > 40  # the extraction sees the templates
    # In the catalog with a msgstr ("Fax" may well stay "Fax" in English).
    translated = {key for key, value in english._catalog.items() if isinstance(key, str) and value}
    missing = sorted(f"{where}: {text}" for text, where in found.items() if text not in translated)
    assert not missing, "add these to a translations/en/LC_MESSAGES/messages.po:\n" + "\n".join(
        missing
    )


def test_dates_and_numbers_follow_the_language():
    moment = datetime(2026, 11, 30, 3, 5, tzinfo=UTC)  # 10:05 in Hà Nội
    assert format_date(moment) == "30/11/2026"
    assert format_date(moment, locale="en") == "30 November 2026"
    assert format_long_date(date(2026, 11, 30)) == "Thứ Hai, 30/11/2026"
    assert format_long_date(date(2026, 11, 30), "en") == "Monday, 30 November 2026"
    assert format_number(1234) == "1.234"
    assert format_number(1234, "en") == "1,234"
    assert format_date(datetime(2026, 1, 2, 20, tzinfo=UTC)) == "03/01/2026"  # local day
