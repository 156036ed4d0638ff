"""Tags in Chromium: the article's tag links lead to the tag's page; "Đọc nhiều" shows.

One browser session for the whole walk (article → tag page → page 2 → phone width);
screenshots go to the test's tmp folder (PORTAL_SCREENSHOTS=<dir> keeps them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article

pytestmark = pytest.mark.browser


def test_article_tags_lead_to_tag_pages_with_most_read(
    browser, page, live_app, live_server, tmp_path
):
    shots = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with live_app.app_context():
        load_demo()
        reference = db.session.scalar(
            select(Article).where(Article.slug.startswith("bac-kan-sau-10-nam"))
        )
        url = f"{live_server.url}/bai-viet/{reference.id}-{reference.slug}"
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    assert page.goto(url).status == 200
    tags = page.get_by_role("list", name="Từ khóa:")
    assert tags.get_by_role("link").all_inner_texts() == ["Chỉ thị 30", "Xây dựng Đảng"]
    most_read = page.locator(".most-read")
    assert most_read.get_by_role("heading", name="Đọc nhiều").is_visible()
    assert most_read.get_by_role("listitem").count() == 5
    assert re.fullmatch(
        r"[\d.]+ lượt xem", most_read.locator(".most-read__views").first.inner_text()
    )
    page.locator(".bulletin-view__tags").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "article-tags.png"), full_page=True)

    tags.get_by_role("link", name="Xây dựng Đảng").click()
    page.wait_for_url("**/the/xay-dung-dang")
    assert page.title().startswith("Thẻ: Xây dựng Đảng – ")
    assert page.get_by_role("heading", level=1).inner_text() == "Thẻ: Xây dựng Đảng"
    trail = page.get_by_role("navigation", name="Bạn đang ở đây")
    assert trail.locator('[aria-current="page"]').inner_text() == "Thẻ: Xây dựng Đảng"
    listed = page.locator(".block--article_list .teaser--list .teaser__link").all_inner_texts()
    assert reference.title in listed and len(listed) == 2
    assert page.locator(".most-read__item").count() == 5  # the home sidebar, inherited
    page.screenshot(path=str(shots / "tag-page.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        small = phone.new_page()
        for path in ("/the/vung-cao", url.removeprefix(live_server.url)):
            assert small.goto(live_server.url + path).status == 200
            overflow = small.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path
        small.screenshot(path=str(shots / "article-phone.png"), full_page=True)
    finally:
        phone.close()
    assert problems == []
