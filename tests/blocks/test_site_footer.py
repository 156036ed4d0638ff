"""site_footer: the responsible organisation and its contact details."""

from __future__ import annotations

import re

import pytest

from blocks.site_footer import SiteFooter
from portal.testing import render_block

CONTACT = {
    "organisation": "Ủy ban nhân dân tỉnh Bắc Kạn",
    "address": "Số 7, đường Trường Chinh, phường Đức Xuân, thành phố Bắc Kạn",
    "phone": "0209 3870 123",
    "email": "banbientap@backan.gov.vn",
    "note": "Giấy phép số 12/GP-TTĐT\nNgười chịu trách nhiệm: Chánh Văn phòng",
}


def test_footer_shows_contact_details(app):
    html = render_block(app, "site_footer", CONTACT)
    assert '<footer class="site-footer" role="contentinfo">' in html
    assert "Ủy ban nhân dân tỉnh Bắc Kạn" in html
    assert "<address" in html
    assert "Địa chỉ:</span> Số 7, đường Trường Chinh" in html
    assert '<a href="tel:02093870123">0209 3870 123</a>' in html
    assert '<a href="mailto:banbientap@backan.gov.vn">banbientap@backan.gov.vn</a>' in html
    # Plain text: newlines kept (CSS pre-line), nothing interpreted as HTML.
    assert "Giấy phép số 12/GP-TTĐT\nNgười chịu trách nhiệm" in html


def test_default_copyright_names_the_site(app):
    html = render_block(app, "site_footer")
    name = re.escape(app.config["PORTAL_SITE_NAME"])
    assert re.search(rf"© \d{{4}} {name}</p>", html)
    # No contact given: no empty <address>.
    assert "<address" not in html


def test_custom_copyright_and_escaped_note(app):
    html = render_block(app, "site_footer", {"copyright": "© Báo Bắc Kạn", "note": "<b>đậm</b>"})
    assert "© Báo Bắc Kạn</p>" in html
    assert "&lt;b&gt;đậm&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("settings", "field", "fragment"),
    [
        ({"email": "khong-phai-thu"}, "email", "không hợp lệ"),
        ({"phone": "gọi cho tôi"}, "phone", "chữ số"),
        ({"address": "a" * 301}, "address", "300"),
    ],
)
def test_invalid_settings_are_rejected(app, settings, field, fragment):
    with app.app_context():
        clean, errors = SiteFooter.validate_settings(settings)
    assert clean == {}
    assert fragment in " ".join(errors[field])


def test_valid_settings_and_defaults(app):
    with app.app_context():
        assert SiteFooter.validate_settings(SiteFooter.default_settings())[1] == {}
        clean, errors = SiteFooter.validate_settings({**CONTACT, "phone": " +84 209 3870 123 "})
    assert errors == {}
    assert clean["phone"] == "+84 209 3870 123"
    assert clean["organisation"] == "Ủy ban nhân dân tỉnh Bắc Kạn"
