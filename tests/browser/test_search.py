"""Search on the demo site in Chromium: a query without diacritics typed in the header
box, Enter, highlighted results, and the first one opens its article."""

from __future__ import annotations

import pytest

from portal.content.demo import load_demo

pytestmark = pytest.mark.browser

REFERENCE_TITLE = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"


@pytest.fixture
def demo_site(live_app, live_server):
    with live_app.app_context():
        load_demo()
    return live_server.url


def test_typing_without_diacritics_in_the_header_box_finds_and_opens_the_article(page, demo_site):
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(demo_site + "/")

    box = page.get_by_role("search", name="Tìm kiếm trên trang").get_by_label("Từ khóa tìm kiếm")
    box.fill("chi thi 30")
    box.press("Enter")
    page.wait_for_url("**/tim-kiem?q=chi+thi+30")

    assert page.get_by_role("heading", level=1).inner_text() == "Tìm kiếm"
    assert page.get_by_role("status").first.inner_text().startswith("Tìm thấy")
    first = page.locator(".search-hit__link").first
    assert first.inner_text() == REFERENCE_TITLE
    marks = first.locator("mark").all_inner_texts()
    assert [m.lower() for m in marks] == ["chỉ", "thị", "30"]
    assert page.locator(".search-hit__snippet mark").count() > 0
    # The filters and the header box are there, the page is usable on a phone too.
    assert page.get_by_label("Chuyên mục").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the results page scrolls sideways on a phone ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 900})

    first.click()
    page.wait_for_url("**/bai-viet/*")
    assert page.get_by_role("heading", level=1).inner_text() == REFERENCE_TITLE
    assert problems == []
