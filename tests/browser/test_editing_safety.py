"""Never lose typing, in a real browser (one context for the whole story): an editor
types in the article form (title and the TinyMCE body); the autosave reaches the
server; following "Tổng quan" asks before leaving; the tab "crashes" (closed without
saving); opening the form again offers "Khôi phục bản tự lưu", which puts the fields
back, the rich-text body too; Ctrl+S saves the form without a warning, and the
autosave is gone. Then the page editor's "Gỡ" (a block) and "Hủy bản nháp" ask before
they act."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Autosave, Placement, User
from portal.testing import sample_content

pytestmark = pytest.mark.browser

TINYMCE = Path(__file__).resolve().parents[2] / "node_modules" / "tinymce"
PASSWORD = "mat-khau-dai-1"


@pytest.fixture
def live_config() -> dict:
    if not (TINYMCE / "tinymce.min.js").is_file():
        pytest.skip(f"TinyMCE is not installed in {TINYMCE.parent} (`make vendor` needs npm)")
    return {"PORTAL_NODE_MODULES": str(TINYMCE.parent)}


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        created = sample_content()
        user = User(email="quantri@example.org", name="Quản Trị", role="admin")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return {
            "url": live_server.url,
            "app": live_app,
            "article": created["article"].id,
            "page": created["article_page"].id,
        }


def saved(site) -> tuple[str, str, int]:
    with site["app"].app_context():
        db.session.expire_all()
        article = db.session.get(Article, site["article"])
        autosaves = len(db.session.scalars(select(Autosave)).all())
        return article.title, article.body_html, autosaves


def test_typing_survives_a_crash_leaving_asks_and_ctrl_s_saves(browser, site):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site["url"] + "/admin/")
    page.get_by_label("Thư điện tử").fill("quantri@example.org")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    form_url = f"{site['url']}/admin/articles/{site['article']}"
    title_before, body_before, _ = saved(site)

    page.goto(form_url)
    page.wait_for_selector(".tox-edit-area iframe")
    page.get_by_label("Tiêu đề").fill("Tiêu đề gõ dở trước khi máy treo")
    body = page.frame_locator(".tox-edit-area iframe").locator("body")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Đoạn gõ thêm chưa lưu.")
    page.wait_for_selector("[data-autosave-status]:has-text('Đã tự lưu')")
    assert saved(site) == (title_before, body_before, 1)  # the article itself is untouched

    # Following a link of the admin asks first; staying keeps everything.
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Tổng quan").click()
    page.wait_for_timeout(300)  # the browser's question came and was answered
    assert dialogs == ["beforeunload"]
    assert page.url == form_url
    page.remove_listener("dialog", stay)

    # The tab goes away without saving (as in a crash): no question, nothing saved.
    page.close(run_before_unload=False)
    page = context.new_page()
    page.goto(form_url)
    offer = page.get_by_role("region", name="Có bản tự lưu chưa được lưu")
    assert offer.is_visible()
    assert page.get_by_label("Tiêu đề").input_value() == title_before
    page.wait_for_selector(".tox-edit-area iframe")
    page.get_by_role("button", name="Khôi phục bản tự lưu").click()
    assert page.get_by_label("Tiêu đề").input_value() == "Tiêu đề gõ dở trước khi máy treo"
    body = page.frame_locator(".tox-edit-area iframe").locator("body")
    assert "Đoạn gõ thêm chưa lưu." in body.inner_text()
    assert not offer.is_visible()

    # Ctrl+S saves the form, without asking about leaving.
    seen = []

    def record(dialog):
        seen.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", record)
    with page.expect_navigation():
        page.keyboard.press("Control+s")
    page.remove_listener("dialog", record)
    assert seen == []
    assert "Đã lưu" in page.get_by_role("status").first.inner_text()
    title, body_html, autosaves = saved(site)
    assert title == "Tiêu đề gõ dở trước khi máy treo"
    assert "Đoạn gõ thêm chưa lưu." in body_html
    assert autosaves == 0
    page.reload()
    assert page.get_by_role("button", name="Khôi phục bản tự lưu").count() == 0

    # The page editor: "Hủy bản nháp" asks before throwing the draft away.
    with site["app"].app_context():
        placement = db.session.scalar(select(Placement).where(Placement.page_id == site["page"]))
        key = f"p{placement.id}"
    page.goto(f"{site['url']}/admin/pages/{site['page']}")
    page.locator(f"#card-{key}").get_by_role("button", name="Ẩn").first.click()
    assert page.get_by_role("button", name="Hủy bản nháp").is_visible()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Hủy bản nháp").click()
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name="Hủy bản nháp").is_visible()  # not thrown away
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Hủy bản nháp").click()
    assert "Đã hủy bản nháp" in page.get_by_role("status").first.inner_text()

    # "Gỡ" on a block asks too: "no" keeps the card, "yes" takes it out of the draft.
    card = page.locator(f"#card-{key}")
    asked = []

    def keep(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", keep)
    card.get_by_role("button", name="Gỡ").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and asked[0].startswith("Gỡ khối “")
    assert card.is_visible() and page.get_by_role("button", name="Hủy bản nháp").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        card.get_by_role("button", name="Gỡ").click()
    assert "Đã gỡ khối khỏi bản nháp" in page.get_by_role("status").first.inner_text()
    assert page.locator(f"#card-{key}").count() == 0
    context.close()
