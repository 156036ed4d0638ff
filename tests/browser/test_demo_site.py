"""The demo site in Chromium: home, a category and an article render with Vietnamese text intact."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article

pytestmark = pytest.mark.browser

REFERENCE_TITLE = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"


@pytest.fixture
def demo_site(live_app, live_server):
    with live_app.app_context():
        load_demo()
        reference = db.session.scalar(select(Article).where(Article.title == REFERENCE_TITLE))
        return {"url": live_server.url, "reference_id": reference.id}


def open_page(page, url):
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(url)
    assert response.status == 200
    assert page.evaluate("document.characterSet") == "UTF-8"
    return problems


def test_home_page(page, demo_site):
    problems = open_page(page, demo_site["url"] + "/")
    assert "Cổng thông tin điện tử tỉnh Bắc Kạn" in page.title()
    nav = page.get_by_role("navigation", name="Danh mục chính")
    assert nav.get_by_role("link", name="Văn hóa – Du lịch").is_visible()
    assert page.get_by_role("heading", name="Tin mới nhất").is_visible()
    assert page.locator(".block--article_list article, .block--article_list li").count() > 10
    assert page.get_by_role("contentinfo").is_visible()
    assert problems == []


def test_category_page_pages_through_its_articles(page, demo_site):
    problems = open_page(page, demo_site["url"] + "/chuyen-muc/thoi-su")
    assert page.get_by_role("heading", level=1).inner_text().lower() == "thời sự"
    assert page.get_by_role("navigation", name="Bạn đang ở đây").is_visible()
    assert problems == []


def test_reference_article_page(page, demo_site):
    problems = open_page(page, f"{demo_site['url']}/bai-viet/{demo_site['reference_id']}")
    assert page.get_by_role("heading", level=1).inner_text() == REFERENCE_TITLE
    assert page.locator(".bulletin-toolbar time").inner_text() == "29/11/2023"
    assert page.get_by_role("button", name="Tăng cỡ chữ").is_visible()
    assert page.get_by_role("button", name="Giảm cỡ chữ").is_visible()
    image = page.locator(".bulletin-view__figure img")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    # The photo comes with resized copies (srcset); at this width the browser picks
    # the full 1200-pixel image, since the 800-pixel copy is narrower than the column.
    assert image.evaluate("img => img.currentSrc") == demo_site["url"] + image.get_attribute("src")
    assert "480w" in image.get_attribute("srcset") and image.get_attribute("sizes")
    assert image.get_attribute("alt")
    assert page.locator(".bulletin-view__figure figcaption").inner_text()
    assert page.locator(".bulletin-view__author").inner_text() == "Thu Trang"
    assert problems == []


def test_phone_width_has_no_horizontal_scroll(browser, demo_site):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        for path in ("/", "/chuyen-muc/thoi-su", f"/bai-viet/{demo_site['reference_id']}"):
            page.goto(demo_site["url"] + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path
    finally:
        context.close()
