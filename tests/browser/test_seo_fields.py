"""An editor types a meta description in the article form; readers' page carries it."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import User
from portal.testing import sample_content

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-dai-1"


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        created = sample_content()
        user = User(email="bientap@example.org", name="Trần Văn Biên Tập", role="editor")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return {"url": live_server.url, "article_id": created["article"].id}


def test_a_meta_description_typed_in_the_form_is_on_the_page(page, site):
    page.goto(site["url"] + "/admin/")
    page.get_by_label("Thư điện tử").fill("bientap@example.org")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(f"{site['url']}/admin/articles/{site['article_id']}")
    description = "Mười năm thực hiện Chỉ thị 30: những kết quả chính của Bắc Kạn."
    page.get_by_label("Mô tả cho máy tìm kiếm").fill(description)
    page.get_by_label("Không cho máy tìm kiếm lập chỉ mục (noindex)").check()
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/articles/{site['article_id']}$"))
    assert "Đã lưu" in page.locator(".notice").first.inner_text()
    assert page.get_by_label("Mô tả cho máy tìm kiếm").input_value() == description

    page.goto(f"{site['url']}/bai-viet/{site['article_id']}")
    head = page.evaluate(
        """() => ({
            description: document.querySelector('meta[name=description]').content,
            og: document.querySelector('meta[property="og:description"]').content,
            robots: document.querySelector('meta[name=robots]')?.content,
        })"""
    )
    assert head == {"description": description, "og": description, "robots": "noindex"}
