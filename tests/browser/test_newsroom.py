"""The newsroom in a real browser: an author writes an article with bold text and an
image in the editor and submits it; an editor publishes it; a reader sees it with
the bulletin toolbar and view blocks. It runs twice: with TinyMCE (from
node_modules, what `make vendor` installs with npm) the bold text, the image and
a paste from a word processor go through the editor; on a server without it
(no npm) the same article is typed as HTML into the plain textarea. Only the
TinyMCE case skips, and only when node_modules really lacks TinyMCE."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article, User

pytestmark = pytest.mark.browser

TINYMCE = Path(__file__).resolve().parents[2] / "node_modules" / "tinymce"

PASSWORD = "mat-khau-dai-1"
TITLE = "Ba Bể đón đoàn khách quốc tế đầu năm"
WORD_HTML = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}'
    "</style></head><body><!--StartFragment-->"
    "<p class=MsoNormal style='mso-line-height-rule:exactly'><b><span style='font-size:14pt;"
    "color:red'>Đoạn dán từ Word</span></b><o:p></o:p></p>"
    "<p class=MsoListParagraphCxSpFirst style='mso-list:l0 level1 lfo1'><![if !supportLists]>"
    "<span style='font-family:Symbol'>·<span>&nbsp;&nbsp;</span></span><![endif]>Mục thứ nhất"
    "<o:p></o:p></p><p class=MsoNormal><span style='display:none'>chữ ẩn</span>Đoạn thường."
    "<o:p></o:p></p><!--EndFragment--></body></html>"
)


@pytest.fixture(params=["tinymce", "textarea"])
def editor(request) -> str:
    """The article editor the author gets: TinyMCE, or the textarea of a server without it."""
    installed = (TINYMCE / "tinymce.min.js").is_file() and (TINYMCE / "package.json").is_file()
    if request.param == "tinymce" and not installed:
        pytest.skip(f"TinyMCE is not installed in {TINYMCE.parent} (`make vendor` needs npm)")
    return request.param


@pytest.fixture
def live_config(editor, tmp_path) -> dict:
    """The live app finds TinyMCE in the checkout's node_modules, or in an empty folder."""
    if editor == "tinymce":
        return {"PORTAL_NODE_MODULES": str(TINYMCE.parent)}
    empty = tmp_path / "no-node-modules"
    empty.mkdir()
    return {"PORTAL_NODE_MODULES": str(empty)}


@pytest.fixture
def site(live_app, live_server, tmp_path):
    with live_app.app_context():
        load_demo()
        for email, name, role in (("tacgia@example.org", "Nguyễn Thị Tác Giả", "author"),
                                  ("bientap@example.org", "Trần Văn Biên Tập", "editor")):  # fmt: skip
            user = User(email=email, name=name, role=role)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
    photo = tmp_path / "ho-ba-be.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 640), (40, 120, 70)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    return {"url": live_server.url, "photo": str(photo), "app": live_app}


def sign_in(page, site, email):
    page.goto(site["url"] + "/admin/")
    page.get_by_label("Thư điện tử").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def has_tinymce(page) -> bool:
    return page.locator('textarea[data-editor="tinymce"]').count() == 1


def write_body_with_tinymce(page, site):
    page.wait_for_selector(".tox-edit-area iframe")
    body = page.frame_locator(".tox-edit-area iframe").locator("body")
    body.click()
    page.keyboard.type("Đoàn khách gồm ")
    page.get_by_role("button", name="Đậm").click()
    page.keyboard.type("nhiều quốc tịch")
    page.get_by_role("button", name="Đậm").click()
    page.keyboard.type(" khác nhau.")
    page.keyboard.press("Enter")
    # An image through the editor's dialog: uploaded to the media library.
    page.get_by_role("button", name="Chèn/sửa ảnh").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="Tải lên").click()
    with page.expect_response(re.compile(r"/admin/articles/images$")) as uploaded:
        dialog.locator('input[type="file"]').set_input_files(site["photo"])
    assert uploaded.value.status == 200
    dialog.get_by_role("tab", name="Chung").click()
    source = dialog.get_by_label("Nguồn ảnh")
    page.wait_for_function("(el) => el.value.startsWith('/media/')", arg=source.element_handle())
    dialog.get_by_label("Mô tả ảnh (alt)").fill("Du khách bên hồ Ba Bể")
    dialog.get_by_role("button", name="Lưu").click()
    # Text pasted from a word processor arrives as plain structure.
    page.keyboard.press("End")
    body.evaluate(
        """(el, html) => { const data = new DataTransfer(); data.setData('text/html', html);
           el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                         cancelable: true})); }""",
        WORD_HTML,
    )
    content = page.evaluate("tinymce.activeEditor.getContent()")
    assert "<strong>nhiều quốc tịch</strong>" in content
    assert re.search(r'<img src="/media/uploads/[^"]+" alt="Du khách bên hồ Ba Bể"', content)
    assert "<ul>\n<li>Mục thứ nhất</li>\n</ul>" in content
    assert "style=" not in content and "Mso" not in content and "chữ ẩn" not in content


def write_body_as_html(page):
    """What the TinyMCE case produces, typed as HTML (the hint says so)."""
    assert "hãy nhập nội dung dạng HTML" in page.locator("#body-hint").inner_text()
    assert page.locator(".tox-edit-area").count() == 0
    image = page.locator(".image-grid img").first.get_attribute("src")
    page.get_by_label("Nội dung").fill(
        "<p>Đoàn khách gồm <strong>nhiều quốc tịch</strong> khác nhau.</p>"
        f'<p><img src="{image}" alt="Du khách bên hồ Ba Bể"></p>'
        "<ul><li>Mục thứ nhất</li></ul><p>Đoạn thường.</p>"
    )


def test_write_submit_publish_read(browser, page, site, editor):
    console_errors = []
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    sign_in(page, site, "tacgia@example.org")
    page.get_by_role("link", name="Viết bài mới").first.click()
    page.get_by_label("Tiêu đề").fill(TITLE)
    page.get_by_label("Sapo (đoạn dẫn)").fill("Sáng nay, hơn 200 du khách đã đến hồ Ba Bể.")
    assert has_tinymce(page) == (editor == "tinymce")
    if editor == "tinymce":
        write_body_with_tinymce(page, site)
    else:
        write_body_as_html(page)
    page.get_by_label("Chuyên mục").select_option(label="Văn hóa – Du lịch")
    page.get_by_label("Từ khóa").fill("Ba Bể, Du lịch quốc tế")
    page.locator('.image-grid input[name="image_id"]').nth(1).check()
    page.get_by_label("Mô tả ảnh cho người không xem được ảnh (alt)").fill("Hồ Ba Bể buổi sáng")
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    page.wait_for_url(re.compile(r"/admin/articles/\d+$"))
    assert "Đã lưu và gửi duyệt" in page.locator(".notice").first.inner_text()
    assert console_errors == []
    with site["app"].app_context():
        article = db.session.scalar(select(Article).where(Article.title == TITLE))
        article_id, slug, status = article.id, article.slug, article.status
        assert "<strong>nhiều quốc tịch</strong>" in article.body_html
    assert status == "review"
    reader_url = f"{site['url']}/bai-viet/{article_id}-{slug}"

    reader = browser.new_context(locale="vi-VN")
    try:
        assert reader.new_page().goto(reader_url).status == 404  # not published yet

        editor = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        editor_page = editor.new_page()
        sign_in(editor_page, site, "bientap@example.org")
        waiting = editor_page.locator("section", has_text="Chờ duyệt (1)")
        waiting.get_by_role("link", name=TITLE).click()
        editor_page.get_by_role("button", name="Lưu và xuất bản").click()
        editor_page.wait_for_url(re.compile(r"/admin/articles/\d+$"))
        assert "Đã lưu và xuất bản" in editor_page.locator(".notice").first.inner_text()
        editor.close()

        page_of_reader = reader.new_page()
        assert page_of_reader.goto(reader_url).status == 200
        view = page_of_reader.locator("article.bulletin-view")
        assert view.get_by_role("heading", level=1).inner_text() == TITLE
        assert view.locator(".bulletin-view__body strong").first.inner_text() == "nhiều quốc tịch"
        assert view.locator(".bulletin-view__body li").inner_text() == "Mục thứ nhất"
        body_image = view.locator('.bulletin-view__body img[alt="Du khách bên hồ Ba Bể"]')
        assert body_image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert view.locator('.bulletin-view__figure img[alt="Hồ Ba Bể buổi sáng"]').count() == 1
        toolbar = page_of_reader.get_by_role("group", name="Công cụ bài viết")
        assert toolbar.is_visible()
        toolbar.get_by_role("button", name="Tăng cỡ chữ").click()
        assert "bài viết chưa xuất bản" not in page_of_reader.content().lower()
    finally:
        reader.close()
