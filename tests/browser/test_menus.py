"""The menus in a real browser (one context for the module's one test): on a 375 px phone the
main menu ships collapsed (no layout shift, CLS < 0.1) and opens by keyboard; in the admin an
item is reordered by drag and drop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blocks.menus import store
from blocks.menus.models import Menu
from blocks.menus.targets import shown_label
from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import User

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-bien-tap-1"

#: Sums the layout shifts not caused by input (the CLS of the page so far).
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) {
    if (!entry.hadRecentInput) window.__cls += entry.value;
  });
}).observe({type: "layout-shift", buffered: true});
"""


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        load_demo()
        editor = User(email="bientap@example.org", name="Biên Tập", role="editor")
        editor.set_password(PASSWORD)
        db.session.add(editor)
        db.session.commit()
    return live_server.url


def header_labels(live_app) -> list[str]:
    with live_app.app_context():
        header = db.session.scalar(select(Menu).where(Menu.slug == "header"))
        return [shown_label(node.entry) for node in store.draft_tree(header)]


def test_phone_menu_stays_put_opens_by_keyboard_and_items_drag(browser, site, live_app):
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.add_init_script(CLS_OBSERVER)
        page.goto(site + "/", wait_until="load")
        page.wait_for_timeout(800)  # scripts ran, fonts settled
        cls = page.evaluate("window.__cls")
        assert cls < 0.1, f"layout shift on a phone: {cls}"
        first_link = page.locator(".category-menu__link").first
        assert not first_link.is_visible()  # collapsed from the first paint
        # Keyboard: Tab to the "Danh mục" toggle, open it, reach the first link.
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('category-menu__toggle')"):
                break
        else:
            raise AssertionError("the menu toggle is not reachable with Tab")
        page.keyboard.press("Enter")
        assert page.locator(".category-menu__details").evaluate("d => d.open")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Trang chủ" and first_link.is_visible()
        assert page.evaluate("window.__cls") < 0.1  # opening was asked for: no unexpected shift

        # The editor drags "Liên hệ" above "Trang chủ" in the menu manager (a tall window: the
        # test drives the mouse without the scrolling a person does while dragging).
        page.set_viewport_size({"width": 1280, "height": 2400})  # the whole list in view
        page.goto(site + "/admin/trinh-don/header")
        page.get_by_label("Thư điện tử").fill("bientap@example.org")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/admin/trinh-don/header")
        before = header_labels(live_app)
        assert before[0] == "Trang chủ" and "Liên hệ" in before
        source = page.locator(".menu-item", has_text="Liên hệ").locator(".menu-item__handle").last
        target = page.locator(
            "#muc-{} > .menu-item__row".format(
                page.locator(".menu-item").first.get_attribute("data-id")
            )
        )
        with page.expect_navigation():
            source.drag_to(target, target_position={"x": 40, "y": 3})
        assert header_labels(live_app) == [
            "Liên hệ",
            *(label for label in before if label != "Liên hệ"),
        ]
        assert "Đã lưu thứ tự mới vào bản nháp." in page.locator(".notice").first.inner_text()
        assert page.locator(".menu-item__label").first.inner_text() == "Liên hệ"
    finally:
        context.close()
