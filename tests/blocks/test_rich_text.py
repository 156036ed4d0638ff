"""rich_text: editor HTML, sanitized when saved and again when shown."""

from __future__ import annotations

import pytest

from blocks.rich_text import RichText
from portal.testing import render_block

DIRTY = (
    '<p onclick="steal()">Lịch tiếp công dân <strong>thứ Năm</strong></p>'
    "<script>alert('xss')</script>"
    '<img src="x.jpg" alt="Trụ sở" onerror="alert(1)">'
    '<a href="javascript:alert(2)">bấm</a>'
    '<a href="https://backan.gov.vn/">Cổng tỉnh</a>'
    '<p style="color:red">Đoạn có kiểu</p>'
)


def assert_clean(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "alert('xss')" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered
    assert "style=" not in lowered


def test_saving_through_the_form_sanitizes(app):
    with app.app_context():
        clean, errors = RichText.validate_settings({"title": "Thông báo", "html": DIRTY})
    assert errors == {}
    assert_clean(clean["html"])
    assert "<strong>thứ Năm</strong>" in clean["html"]
    assert 'alt="Trụ sở"' in clean["html"]
    assert 'href="https://backan.gov.vn/"' in clean["html"]


def test_rendering_sanitizes_settings_that_bypassed_the_form(app):
    html = render_block(app, "rich_text", {"title": "Thông báo", "html": DIRTY})
    assert_clean(html)
    assert '<h2 class="section-heading__title">Thông báo</h2>' in html
    assert "Lịch tiếp công dân <strong>thứ Năm</strong>" in html
    assert 'href="https://backan.gov.vn/"' in html


def test_title_is_escaped(app):
    html = render_block(app, "rich_text", {"title": "<b>Tin</b> & thông báo", "html": "<p>x</p>"})
    assert "&lt;b&gt;Tin&lt;/b&gt; &amp; thông báo" in html


def test_empty_block_renders_nothing(app):
    assert render_block(app, "rich_text").strip() == ""
    only_title = render_block(app, "rich_text", {"title": "Giờ làm việc"})
    assert "Giờ làm việc" in only_title and "rich-text__body" not in only_title


@pytest.mark.parametrize(
    ("settings", "field"),
    [({"html": "<p>" + "a" * 50_001 + "</p>"}, "html"), ({"title": "t" * 201}, "title")],
)
def test_invalid_settings_are_rejected(app, settings, field):
    with app.app_context():
        clean, errors = RichText.validate_settings(settings)
    assert clean == {} and field in errors
    assert "không được dài quá" in errors[field][0]


def test_defaults_are_valid(app):
    with app.app_context():
        assert RichText.validate_settings(RichText.default_settings()) == (
            {"title": "", "html": ""},
            {},
        )
