"""The admin's long lists in a real browser, in one session: an editor unpublishes three
articles at once (ticked, reviewed, confirmed), sorts and filters the list and keeps a
filter under a name; then uploads several images at once, each with its progress bar
and its own result, one of them refused."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Category, MediaImage, User

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-dai-1"
TITLES = ["Lễ hội Lồng tồng", "Chợ phiên vùng cao", "Hồ Ba Bể mùa thu"]


@pytest.fixture
def site(live_app, live_server, tmp_path):
    with live_app.app_context():
        editor = User(email="bientap@example.org", name="Trần Văn Biên Tập", role="editor")
        editor.set_password(PASSWORD)
        category = Category(name="Du lịch", slug="du-lich")
        db.session.add_all([editor, category])
        db.session.flush()
        for number, title in enumerate([*TITLES, "Bài còn lại"]):
            db.session.add(
                Article(
                    title=title,
                    slug=f"bai-{number}",
                    status="published",
                    category_id=category.id,
                    created_by_id=editor.id,
                    published_at=datetime(2024, 3, 1 + number, tzinfo=UTC),
                )  # fmt: skip
            )
        db.session.commit()
    files = []
    for name, color in (
        ("ruong-bac-thang.jpg", (40, 120, 70)),
        ("thac-ban-gioc.jpg", (20, 60, 160)),
    ):
        buffer = io.BytesIO()
        Image.new("RGB", (900, 600), color).save(buffer, "JPEG")
        path = tmp_path / name
        path.write_bytes(buffer.getvalue())
        files.append(str(path))
    bad = tmp_path / "ghi-chu.txt"
    bad.write_text("không phải ảnh")
    files.append(str(bad))
    return {"url": live_server.url, "app": live_app, "files": files}


def sign_in(page, site):
    page.goto(site["url"] + "/admin/")
    page.get_by_label("Thư điện tử").fill("bientap@example.org")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def statuses(site) -> dict[str, str]:
    with site["app"].app_context():
        db.session.remove()
        return dict(db.session.execute(select(Article.title, Article.status)).all())


def test_bulk_steps_sorting_saved_filters_and_several_uploads(page, site):
    sign_in(page, site)
    page.goto(site["url"] + "/admin/articles?status=published")
    for title in TITLES:
        page.get_by_label(f"Đánh dấu “{title}”").check()
    page.get_by_label("Việc cần làm").select_option("unpublish")
    page.get_by_role("button", name="Tiếp tục…").click()
    # The confirmation changes nothing yet.
    page.get_by_role("heading", name="Gỡ khỏi trang web: 3 bài viết?").wait_for()
    assert set(statuses(site).values()) == {"published"}
    page.get_by_role("button", name=re.compile("Xác nhận")).click()
    page.wait_for_url(re.compile(r"/admin/articles\?status=published$"))
    assert "Đã gỡ khỏi trang web 3 bài viết" in page.locator("main").inner_text()
    assert [statuses(site)[t] for t in TITLES] == ["archived"] * 3
    assert statuses(site)["Bài còn lại"] == "published"

    # Sorting by title keeps the filter; sorting again turns the order round.
    page.goto(site["url"] + "/admin/articles?status=archived")
    page.get_by_role("link", name=re.compile("^Tiêu đề")).click()
    page.wait_for_url(re.compile(r"status=archived&sort=title&dir=asc"))
    shown = page.locator(".articles-table__title a").all_inner_texts()
    assert shown == sorted(TITLES)
    assert page.locator('th[aria-sort="ascending"]').count() == 1
    # Kept under a name, found again from the bare list.
    page.get_by_label("Lưu bộ lọc hiện tại với tên").fill("Bài đã gỡ")
    page.get_by_role("button", name="Lưu bộ lọc").click()
    page.goto(site["url"] + "/admin/articles")
    page.get_by_role("link", name="Bài đã gỡ").click()
    page.wait_for_url(re.compile(r"status=archived&sort=title&dir=asc"))
    assert page.locator(".articles-table__title a").all_inner_texts() == sorted(TITLES)
    # The script's "tick all" box ticks the page's rows.
    page.get_by_label("Đánh dấu tất cả bài trên trang này").check()
    assert page.locator('input[name="ids"]:checked').count() == 3
    page.screenshot(path=str(site["files"][0]).replace("ruong-bac-thang.jpg", "list.png"))

    # Several images at once, each with its own progress and result.
    page.goto(site["url"] + "/admin/media")
    upload = page.locator("details.media-upload")
    if upload.get_attribute("open") is None:
        page.get_by_text("Tải ảnh mới lên").click()
    page.get_by_label("Tệp ảnh").set_input_files(site["files"])
    page.get_by_label("Mô tả ảnh (văn bản thay thế)").fill("Cảnh đẹp Cao Bằng")
    page.get_by_role("button", name="Tải lên").click()
    summary = page.locator(".upload-list__summary")
    summary.wait_for()
    rows = page.locator(".upload-list__item")
    assert rows.count() == 3
    assert page.locator(".upload-list__item progress").count() == 3
    assert "Xong: tải lên 2/3 tệp" in summary.inner_text()
    texts = rows.all_inner_texts()
    assert "Đã tải lên ảnh “ruong-bac-thang.jpg”" in texts[0]
    assert "Đã tải lên ảnh “thac-ban-gioc.jpg”" in texts[1]
    assert "ghi-chu.txt" in texts[2] and "Không tải lên được" in texts[2]
    assert page.locator(".upload-list__item--ok progress").evaluate_all(
        "(bars) => bars.map((bar) => bar.value)"
    ) == [100, 100]
    page.screenshot(path=str(site["files"][0]).replace("ruong-bac-thang.jpg", "media.png"))
    summary.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/admin/media\?new=\d+&new=\d+$"))
    assert page.locator(".media-card--new").count() == 2
    with site["app"].app_context():
        db.session.remove()
        assert sorted(db.session.scalars(select(MediaImage.original_name))) == [
            "ruong-bac-thang.jpg", "thac-ban-gioc.jpg"
        ]  # fmt: skip
