"""Arranging blocks in a real browser: the admin turns the article page into
main + sidebar with a related-articles block in the sidebar, previews, publishes
and undoes it — once with the mouse (drag and drop), once with the keyboard only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article, Page, User

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-quan-tri-1"
SIDEBAR_TITLE = "Cùng chuyên mục"


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        load_demo()
        admin = User(email="quantri@example.org", name="Quản Trị Viên", role="admin")
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
        page = db.session.scalar(
            select(Page).where(
                Page.kind == "article", Page.category_id.is_(None), Page.language == "vi"
            )
        )
        article = reference_article()
        return {
            "url": live_server.url,
            "page_id": page.id,
            "article_id": article.id,
            "article_url": f"{live_server.url}/bai-viet/{article.id}",
        }


def reference_article() -> Article:
    """The newest public Vietnamese article shown on the default article page that has related
    articles (English articles have an article page of their own)."""
    own_pages = set(db.session.scalars(select(Page.category_id).where(Page.kind == "article")))
    articles = db.session.scalars(
        select(Article)
        .where(Article.public_filter(), Article.language == "vi")
        .order_by(Article.published_at.desc())
    ).all()
    for article in articles:
        siblings = [a for a in articles if a.category_id == article.category_id]
        if article.category_id not in own_pages and len(siblings) >= 2:
            return article
    raise AssertionError("the demo has no article with related articles on the default page")


def sign_in(page, site):
    page.goto(site["url"] + "/admin/")
    assert "/dang-nhap" in page.url
    page.get_by_label("Thư điện tử").fill("quantri@example.org")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def public_sidebar(browser, url) -> str | None:
    """What a reader (a fresh, signed-out browser) sees in the article page's sidebar."""
    context = browser.new_context()
    try:
        reader = context.new_page()
        reader.goto(url)
        sidebar = reader.locator("aside.region--sidebar")
        return sidebar.text_content() if sidebar.count() else None
    finally:
        context.close()


def test_arrange_preview_publish_and_restore_with_the_mouse(browser, page, site):
    sign_in(page, site)
    page.get_by_role("link", name="Trang & khối").click()
    page.get_by_role("link", name="Trang bài viết", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sắp xếp khối: Trang bài viết"

    page.get_by_label("Bố cục").select_option("main_sidebar")
    page.get_by_role("button", name="Đổi bố cục").click()
    assert page.locator("#region-sidebar").is_visible()

    page.get_by_role("link", name="+ Thêm khối vào vùng Nội dung chính").click()
    page.get_by_role("link", name="Tin liên quan").click()
    page.get_by_label("Tiêu đề").fill(SIDEBAR_TITLE)
    page.get_by_role("button", name="Thêm vào bản nháp").click()

    new_card = page.locator("#region-main ol.cards > li.card").last
    assert SIDEBAR_TITLE in new_card.inner_text()
    with page.expect_navigation():  # dropping submits the move and reloads the editor
        new_card.drag_to(page.locator("#region-sidebar ol.cards"))
    assert SIDEBAR_TITLE in page.locator("#region-sidebar ol.cards").inner_text()
    assert SIDEBAR_TITLE not in page.locator("#region-main ol.cards").inner_text()

    # Readers still see the published page: one column, nothing in a sidebar.
    assert public_sidebar(browser, site["article_url"]) is None

    page.get_by_role("link", name="Xem trước").click()
    assert page.get_by_role("region", name="Xem trước").is_visible()
    page.goto(f"{page.url}?article={site['article_id']}")  # preview with the test's article
    assert SIDEBAR_TITLE in page.locator("aside.region--sidebar").text_content()
    page.get_by_role("link", name="Quay lại chỉnh sửa").click()

    page.get_by_role("button", name="Xuất bản").click()
    assert "Đã xuất bản" in page.get_by_role("status").first.inner_text()
    assert SIDEBAR_TITLE in public_sidebar(browser, site["article_url"])

    page.get_by_role("link", name="Lịch sử phiên bản").click()
    page.get_by_role("button", name="Khôi phục thành bản nháp phiên bản 1").click()
    assert "Đã đưa phiên bản 1 vào bản nháp" in page.get_by_role("status").first.inner_text()
    assert SIDEBAR_TITLE in public_sidebar(browser, site["article_url"])  # a draft, for now
    page.get_by_role("button", name="Xuất bản").click()
    assert public_sidebar(browser, site["article_url"]) is None


def press(page, locator, key="Enter"):
    """Focus a link or button and press a key on it; every control here loads a new page."""
    locator.focus()
    with page.expect_navigation():
        page.keyboard.press(key)


def test_the_same_with_the_keyboard_only(browser, page, site):
    sign_in(page, site)
    page.goto(f"{site['url']}/admin/pages/{site['page_id']}")

    layout = page.get_by_label("Bố cục")
    layout.focus()
    page.keyboard.press("ArrowDown")  # "Một cột" → "Nội dung và cột phụ"
    assert layout.input_value() == "main_sidebar"
    press(page, page.get_by_role("button", name="Đổi bố cục"))
    page.wait_for_selector("#region-sidebar")

    press(page, page.get_by_role("link", name="+ Thêm khối vào vùng Nội dung chính"))
    press(page, page.get_by_role("link", name="Tin liên quan"))
    page.get_by_label("Tiêu đề").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(SIDEBAR_TITLE)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector(f"#region-main li.card:has-text('{SIDEBAR_TITLE}')")

    card = page.locator(f"#region-main li.card:has-text('{SIDEBAR_TITLE}')")
    region_menu = card.get_by_label(re.compile("sang vùng"))
    region_menu.focus()
    page.keyboard.press("ArrowDown")  # main → sidebar
    assert region_menu.input_value() == "sidebar"
    press(page, card.get_by_role("button", name="Chuyển vùng"))
    page.wait_for_selector(f"#region-sidebar li.card:has-text('{SIDEBAR_TITLE}')")

    # Up/Down reorder within the region.
    sidebar_cards = page.locator("#region-main ol.cards > li.card")
    first_before = sidebar_cards.first.locator(".card__title").inner_text()
    press(page, sidebar_cards.first.get_by_role("button", name=re.compile("^Xuống")))
    assert (
        page.locator("#region-main ol.cards > li.card").nth(1).locator(".card__title").inner_text()
        == first_before
    )

    press(page, page.get_by_role("button", name="Xuất bản"))
    page.wait_for_selector("text=Đã xuất bản")
    assert SIDEBAR_TITLE in public_sidebar(browser, site["article_url"])

    press(page, page.get_by_role("link", name="Lịch sử phiên bản"))
    press(page, page.get_by_role("button", name="Khôi phục thành bản nháp phiên bản 1"))
    page.wait_for_selector("text=Đã đưa phiên bản 1 vào bản nháp")
    press(page, page.get_by_role("button", name="Xuất bản"))
    assert public_sidebar(browser, site["article_url"]) is None


def test_a_rich_text_block_is_edited_with_the_rich_editor(browser, page, site):
    """The home page's "Thông tin liên hệ" block, rewritten with TinyMCE, shows on the page."""
    tinymce = Path(__file__).resolve().parents[2] / "node_modules" / "tinymce" / "tinymce.min.js"
    if not tinymce.is_file():
        pytest.skip("TinyMCE is not installed (npm ci): the block form is a plain textarea")
    sign_in(page, site)
    page.get_by_role("link", name="Trang & khối").click()
    page.get_by_role("link", name="Trang chủ", exact=True).click()
    card = page.locator("#region-sidebar li.card", has_text="Thông tin liên hệ")
    assert "Đường dây nóng" in card.locator(".card__settings").inner_text()
    card.get_by_role("link", name=re.compile("^Cấu hình")).click()

    page.wait_for_selector(".tox-edit-area iframe")
    assert page.locator('textarea[name="html"]').is_hidden()  # the editor stands in for it
    body = page.frame_locator(".tox-edit-area iframe").locator("body")
    body.click()
    page.keyboard.press("Control+A")
    page.get_by_role("button", name="Xóa định dạng").click()  # the old text starts in bold
    page.keyboard.press("Control+A")
    page.keyboard.type("Tiếp công dân: ")
    page.get_by_role("button", name="Đậm").click()
    page.keyboard.type("sáng thứ Năm hằng tuần")
    page.get_by_role("button", name="Đậm").click()
    page.keyboard.type(".")
    page.get_by_role("button", name="Lưu vào bản nháp").click()

    card = page.locator("#region-sidebar li.card", has_text="Thông tin liên hệ")
    assert "Tiếp công dân: sáng thứ Năm hằng tuần." in card.locator(".card__settings").inner_text()
    page.get_by_role("button", name="Xuất bản").click()
    assert "Đã xuất bản" in page.get_by_role("status").first.inner_text()

    context = browser.new_context()
    try:
        reader = context.new_page()
        reader.goto(site["url"] + "/")
        sidebar = reader.locator("aside.region--sidebar")
        assert "<strong>sáng thứ Năm hằng tuần</strong>" in sidebar.inner_html()
        assert "Đường dây nóng" not in sidebar.inner_text()
    finally:
        context.close()
