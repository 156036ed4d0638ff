"""The reference article page in a real browser: toolbar and view blocks."""

from __future__ import annotations

import pytest

from portal.testing import sample_content

pytestmark = pytest.mark.browser


@pytest.fixture
def article_url(live_app, live_server):
    with live_app.app_context():
        created = sample_content()
        return f"{live_server.url}/bai-viet/{created['article'].id}"


def body_font_size(page) -> float:
    return page.eval_on_selector(
        ".bulletin-view__body", "el => parseFloat(getComputedStyle(el).fontSize)"
    )


def test_font_size_buttons_enlarge_and_shrink_the_article_text(page, article_url):
    page.goto(article_url)
    original = body_font_size(page)

    page.get_by_role("button", name="Tăng cỡ chữ").click()
    enlarged = body_font_size(page)
    assert enlarged > original

    page.get_by_role("button", name="Giảm cỡ chữ").click()
    page.get_by_role("button", name="Giảm cỡ chữ").click()
    shrunk = body_font_size(page)
    assert shrunk < original


def test_date_author_and_title_appear(page, article_url):
    page.goto(article_url)
    assert page.locator(".bulletin-toolbar time").inner_text() == "29/11/2023"
    assert page.locator(".bulletin-view__author").inner_text() == "Nguyễn Văn A"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
    )
    # The head as the browser reads it (portal/page_meta.py): title, canonical, JSON-LD.
    assert page.title().startswith("Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW – ")
    head = page.evaluate(
        """() => ({
            lang: document.documentElement.lang,
            canonical: document.querySelector('link[rel=canonical]').href,
            ogType: document.querySelector('meta[property="og:type"]').content,
            types: [...document.querySelectorAll('script[type="application/ld+json"]')]
                .flatMap(s => JSON.parse(s.textContent)['@graph'].map(n => n['@type'])),
        })"""
    )
    assert head["lang"] == "vi"
    assert head["canonical"].endswith(page.url.split("://", 1)[1].split("/", 1)[1])
    assert head["ogType"] == "article"
    assert head["types"] == ["GovernmentOrganization", "BreadcrumbList", "NewsArticle"]


def test_text_size_is_remembered_across_pages_and_bounded(page, article_url):
    page.goto(article_url)
    original = body_font_size(page)
    larger = page.get_by_role("button", name="Tăng cỡ chữ")
    clicks = 0
    while larger.get_attribute("aria-disabled") != "true" and clicks < 20:
        larger.click()
        clicks += 1
    assert clicks == 6  # 100% → 160% in steps of 10%
    largest = body_font_size(page)
    assert largest == pytest.approx(original * 1.6, abs=0.5)
    larger.click(force=True)  # a disabled button does nothing
    assert body_font_size(page) == pytest.approx(largest)
    assert "160%" in page.locator("[data-font-size-status]").inner_text()

    page.reload()
    assert body_font_size(page) == pytest.approx(largest)


def test_keyboard_operates_the_buttons(page, article_url):
    page.goto(article_url)
    original = body_font_size(page)
    page.get_by_role("button", name="Tăng cỡ chữ").focus()
    page.keyboard.press("Enter")
    assert body_font_size(page) > original
    page.keyboard.press("Tab")  # moves to "Giảm cỡ chữ"
    page.keyboard.press("Space")
    page.keyboard.press("Space")
    assert body_font_size(page) < original


def test_without_javascript_the_article_is_readable_and_no_dead_buttons(browser, article_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(article_url)
        assert page.get_by_role("heading", level=1).is_visible()
        assert page.locator(".bulletin-view__body").inner_text().startswith("Đoạn thứ nhất")
        assert not page.get_by_role("button", name="Tăng cỡ chữ").is_visible()
        assert not page.get_by_role("button", name="In").is_visible()
        assert page.get_by_role("link", name="Chia sẻ qua Facebook").is_visible()
    finally:
        context.close()
