"""Notifications in a real browser: an author submits an article; the editor sees the
bell's count in the admin header, opens the inbox, opens the notification and lands on
the article, and the count is gone."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import User
from portal.testing import sample_content

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-dai-1"
TITLE = "Ba Bể đón đoàn khách quốc tế đầu năm"


@pytest.fixture
def live_config(tmp_path) -> dict:
    """The plain textarea editor (no TinyMCE): this test is about the notification."""
    empty = tmp_path / "no-node-modules"
    empty.mkdir()
    return {"PORTAL_NODE_MODULES": str(empty)}


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        sample_content()
        for email, name, role in (("tacgia@example.org", "Nguyễn Thị Tác Giả", "author"),
                                  ("bientap@example.org", "Trần Văn Biên Tập", "editor")):  # fmt: skip
            user = User(email=email, name=name, role=role)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
    return {"url": live_server.url}


def text(locator) -> str:
    return " ".join(locator.inner_text().split())


def sign_in(page, site, email):
    page.goto(site["url"] + "/admin/")
    page.get_by_label("Thư điện tử").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_an_editor_is_notified_when_an_author_submits(browser, page, site):
    editor = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    try:
        editor_page = editor.new_page()
        sign_in(editor_page, site, "bientap@example.org")
        bell = editor_page.locator("header").get_by_role("link", name=re.compile("Thông báo"))
        assert text(bell) == "Thông báo"  # nothing yet

        sign_in(page, site, "tacgia@example.org")
        page.get_by_role("link", name="Viết bài mới").first.click()
        page.get_by_label("Tiêu đề").fill(TITLE)
        page.get_by_label("Sapo (đoạn dẫn)").fill("Sáng nay, hơn 200 du khách đã đến hồ Ba Bể.")
        page.get_by_label("Nội dung").fill("<p>Đoàn khách gồm nhiều quốc tịch.</p>")
        page.get_by_label("Chuyên mục").select_option(label="Thời sự")
        page.get_by_role("button", name="Lưu và gửi duyệt").click()
        page.wait_for_url(re.compile(r"/admin/articles/\d+$"))
        assert "Đã lưu và gửi duyệt" in page.locator(".notice").first.inner_text()
        article_url = page.url

        editor_page.reload()
        assert text(bell) == "Thông báo 1 chưa đọc"
        bell.click()
        editor_page.wait_for_url(re.compile(r"/admin/thong-bao$"))
        assert editor_page.get_by_role("heading", level=1).inner_text() == "Thông báo"
        assert editor_page.locator("#so-chua-doc").inner_text() == "1 thông báo chưa đọc"
        editor_page.get_by_role(
            "button", name=f"Mới Nguyễn Thị Tác Giả đã gửi duyệt bài viết “{TITLE}”."
        ).click()
        editor_page.wait_for_url(article_url)
        assert editor_page.get_by_label("Tiêu đề").input_value() == TITLE
        assert text(bell) == "Thông báo"  # read now
    finally:
        editor.close()
