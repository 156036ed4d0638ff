"""site_header: the banner with the site name, tagline and today's date."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from blocks.site_header import SiteHeader, vietnamese_date
from portal.testing import render_block

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_vietnamese_date_names_the_weekday():
    assert vietnamese_date(datetime(2026, 11, 27, 9, 0, tzinfo=HANOI)) == "Thứ Sáu, 27/11/2026"
    assert vietnamese_date(datetime(2026, 11, 29, 23, 59, tzinfo=HANOI)) == "Chủ Nhật, 29/11/2026"
    assert vietnamese_date(datetime(2024, 3, 4, 0, 0, tzinfo=HANOI)) == "Thứ Hai, 04/03/2024"


def test_default_header_uses_configured_name_and_tagline(app):
    html = render_block(app, "site_header")
    assert '<header class="site-header" role="banner">' in html
    name = app.config["PORTAL_SITE_NAME"]
    assert re.search(r'<a class="site-header__home" href="/">.*?' + re.escape(name), html, re.S)
    assert app.config["PORTAL_SITE_TAGLINE"] in html
    # Pages carry their own h1; the banner has no heading at all.
    assert "<h1" not in html and "<h2" not in html
    # The emblem is decoration: hidden from assistive technology.
    assert 'aria-hidden="true"' in html


def test_today_is_shown_in_vietnamese_with_a_machine_readable_date(app):
    html = render_block(app, "site_header")
    match = re.search(r'<time datetime="(\d{4})-(\d\d)-(\d\d)">([^<]+)</time>', html)
    assert match, html
    year, month, day, text = match.groups()
    assert re.fullmatch(r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật), \d\d/\d\d/\d{4}", text)
    assert text.endswith(f"{day}/{month}/{year}")


def test_settings_override_name_and_hide_date(app):
    html = render_block(
        app,
        "site_header",
        {
            "title": "Báo Bắc Kạn điện tử",
            "tagline": "Cơ quan của Đảng bộ tỉnh",
            "show_today": False,
        },
    )
    assert "Báo Bắc Kạn điện tử" in html
    assert "Cơ quan của Đảng bộ tỉnh" in html
    assert app.config["PORTAL_SITE_NAME"] not in html
    assert "<time" not in html


def test_settings_validation(app):
    with app.app_context():
        clean, errors = SiteHeader.validate_settings({"title": "  Cổng tỉnh  "})
        assert errors == {}
        assert clean["title"] == "Cổng tỉnh"
        assert clean["show_today"] is True

        clean, errors = SiteHeader.validate_settings({"title": "x" * 201})
        assert clean == {}
        assert "200" in errors["title"][0]


def test_cache_keeps_the_date_fresh():
    policy = SiteHeader.cache
    assert 0 < policy.timeout <= 300, "today's date must not be cached for long"
    assert "locale" in policy.vary_on
