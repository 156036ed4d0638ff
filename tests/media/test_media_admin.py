"""The media library screens: upload through the form, refusals shown on the form,
describe and delete images by role, the picker other screens link to."""

from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.content import media as library
from portal.extensions import db
from portal.models import Article, AuditEntry, MediaImage

from . import samples
from .conftest import NOTHING, csrf_of, files_under, left_behind, media_folder


@pytest.fixture
def app_config():
    return {"PORTAL_MAX_IMAGE_BYTES": 200 * 1024}


def upload(client, data: bytes, name: str, *, alt="Ảnh thử", caption="", query=""):
    page = client.get(f"/admin/media{query}")
    return client.post(
        f"/admin/media{query}",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "file": (io.BytesIO(data), name),
            "alt": alt,
            "caption": caption,
        },
        content_type="multipart/form-data",
    )


def errors_of(html: str, field: str) -> list[str]:
    block = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []


def image_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(MediaImage.id).order_by(MediaImage.id)))


def uploaded(app, client, name="anh.jpg", **kwargs) -> int:
    response = upload(client, samples.jpeg(1000, 600), name, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
    return image_ids(app)[-1]


# -- upload ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "editor", "author"])
def test_every_writer_uploads_an_image(app, clients, users, role):
    response = upload(clients[role], samples.jpeg(1600, 900), "Hội nghị.jpg", caption="Ảnh: TT")

    assert response.status_code == 302
    with app.app_context():
        image = db.session.scalar(select(MediaImage))
        assert (image.original_name, image.alt, image.caption) == (
            "Hội nghị.jpg",
            "Ảnh thử",
            "Ảnh: TT",
        )
        assert image.uploaded_by_id == users[role]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "media.upload"))
        assert entry.subject_id == image.id and "Hội nghị.jpg" in entry.summary
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"new": [str(image.id)]}
    library = clients[role].get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã tải lên ảnh “Hội nghị.jpg” (1600 × 900" in library
    assert 'class="media-card media-card--new"' in library


REFUSED = {
    "script named .jpg": (samples.SCRIPT, "anh.jpg", "không phải là ảnh"),
    "SVG": (samples.SVG_WITH_SCRIPT, "logo.svg", "SVG không được nhận"),
    "truncated": (samples.truncated_jpeg(), "anh.jpg", "cắt cụt"),
    "bomb": (samples.png_claiming(9000, 9000), "anh.png", "9000 × 9000"),
    "oversize": (samples.noisy_jpeg(), "lon.jpg", "tối đa 200 KB"),
    "empty": (b"", "anh.jpg", "Ảnh rỗng: không có dữ liệu (0 byte)."),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_upload_is_explained_on_the_form(app, clients, case):
    data, name, words = REFUSED[case]

    response = upload(clients["author"], data, name, alt="Mô tả vẫn còn")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert any(words in message for message in errors_of(html, "file")), errors_of(html, "file")
    assert 'value="Mô tả vẫn còn"' in html  # what was typed stays
    assert 'aria-invalid="true"' in html and "Chưa tải lên" in html
    assert left_behind(app) == NOTHING


def test_no_file_chosen_is_refused(app, clients):
    page = clients["author"].get("/admin/media").get_data(as_text=True)
    response = clients["author"].post(
        "/admin/media",
        data={"csrf_token": csrf_of(page), "alt": "Ảnh", "caption": ""},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert errors_of(response.get_data(as_text=True), "file") == ["Hãy chọn một tệp ảnh."]


def test_an_image_without_a_description_is_refused(app, clients):
    response = upload(clients["editor"], samples.jpeg(), "anh.jpg", alt="   ")

    assert response.status_code == 422
    assert errors_of(response.get_data(as_text=True), "alt") == [
        "Hãy mô tả ảnh: người không nhìn được ảnh cần nó."
    ]
    assert left_behind(app) == NOTHING


def test_a_request_larger_than_the_server_takes_gets_a_vietnamese_page(app, clients):
    app.config["MAX_CONTENT_LENGTH"] = 50 * 1024

    response = upload(clients["editor"], samples.noisy_jpeg(), "lon.jpg")

    assert response.status_code == 413
    assert "Tệp tải lên quá lớn" in response.get_data(as_text=True)
    assert left_behind(app) == NOTHING


# -- the library ----------------------------------------------------------------------------------


def test_the_library_shows_size_and_use_count(app, clients, site):
    used = uploaded(app, clients["editor"], "dung.jpg")
    unused = uploaded(app, clients["editor"], "chua-dung.jpg")
    in_body = uploaded(app, clients["editor"], "trong-bai.jpg")
    with app.app_context():
        article = db.session.get(Article, site["article"])
        body_image = db.session.get(MediaImage, in_body)
        article.image_id = used
        article.body_html += f'<p><img src="/media/{body_image.variants["480"]}" alt="x"></p>'
        db.session.commit()

    html = clients["author"].get("/admin/media").get_data(as_text=True)

    cards = dict(re.findall(r'media-card__name">(?:<span[^>]*>[^<]*</span> )?([^<]+)</p>.*?media-card__uses">(.*?)</p>', html, re.S))  # fmt: skip
    assert cards["dung.jpg"] == "Dùng trong 1 bài viết"
    assert cards["trong-bai.jpg"] == "Dùng trong 1 bài viết"
    assert "Chưa bài nào dùng" in cards["chua-dung.jpg"]
    assert "1000 × 600 ·" in html
    # Thumbnails: copies in srcset, intrinsic size, loaded lazily.
    assert re.search(r'<img src="/media/uploads/[^"]+" srcset="[^"]+ 480w, [^"]+ 800w, [^"]+ 1000w" sizes="[^"]+" width="1000" height="600" alt="Ảnh thử" loading="lazy"', html)  # fmt: skip
    assert unused


def test_the_library_is_searchable_and_paged(app, clients):
    for number in range(3):
        uploaded(app, clients["editor"], f"hoi-nghi-{number}.jpg")
    uploaded(app, clients["editor"], "le-hoi.jpg", alt="Lễ hội Lồng tồng")

    found = clients["editor"].get("/admin/media?q=lồng").get_data(as_text=True)
    assert "le-hoi.jpg" in found and "hoi-nghi-0.jpg" not in found
    assert "1 ảnh khớp “lồng”" in found

    from portal.web.admin import media as media_admin

    media_admin.PER_PAGE, before = 3, media_admin.PER_PAGE
    try:
        first = clients["editor"].get("/admin/media").get_data(as_text=True)
        second = clients["editor"].get("/admin/media?page=2").get_data(as_text=True)
    finally:
        media_admin.PER_PAGE = before
    assert "Trang 1/2" in first and "le-hoi.jpg" in first  # newest first
    assert "hoi-nghi-0.jpg" in second and "le-hoi.jpg" not in second


def test_an_image_taken_out_of_a_body_is_no_longer_counted_as_used(app, clients, site):
    in_body = uploaded(app, clients["editor"], "trong-bai.jpg")
    with app.app_context():
        article = db.session.get(Article, site["article"])
        image = db.session.get(MediaImage, in_body)
        before = article.body_html
        article.body_html = before + f'<p><img src="/media/{image.stored_name}" alt="x"></p>'
        db.session.commit()
        assert [use.article_id for use in library.articles_using([image])[image.id]] == [
            site["article"]
        ]
        article.body_html = before + "<p>Ảnh đã bỏ.</p>"
        db.session.commit()
        assert library.articles_using([image])[image.id] == []


# -- describing and deleting ----------------------------------------------------------------------


def post_form(client, url: str, **data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_of(page.get_data(as_text=True)), **data})


def test_the_uploader_and_editors_change_the_description_others_cannot(app, clients):
    image_id = uploaded(app, clients["author"], "cua-toi.jpg")
    url = f"/admin/media/{image_id}"

    own = post_form(clients["author"], url, alt="Cánh đồng lúa chín", caption="Ảnh: Thu Trang")
    editor = post_form(clients["editor"], url, alt="Cánh đồng lúa chín vàng", caption="")
    page = clients["other_author"].get(url)
    token = csrf_of(page.get_data(as_text=True))
    other = clients["other_author"].post(url, data={"csrf_token": token, "alt": "Bị sửa"})

    assert (own.status_code, editor.status_code, other.status_code) == (302, 302, 403)
    assert page.status_code == 200 and 'name="alt"' not in page.get_data(as_text=True)
    with app.app_context():
        image = db.session.get(MediaImage, image_id)
        assert (image.alt, image.caption) == ("Cánh đồng lúa chín vàng", "")
        changes = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "media.update").order_by(AuditEntry.id)
        ).all()
        assert [c.after["alt"] for c in changes] == [
            "Cánh đồng lúa chín",
            "Cánh đồng lúa chín vàng",
        ]


def test_an_unused_image_is_deleted_with_its_files(app, clients):
    image_id = uploaded(app, clients["author"], "xoa.jpg")
    assert len(files_under(media_folder(app))) == 3  # 1000 wide: the image, 480 and 800
    url = f"/admin/media/{image_id}/delete"

    assert clients["other_author"].get(url).status_code == 403
    response = post_form(clients["author"], url)

    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "media.delete"))
        assert entry.before["original_name"] == "xoa.jpg"
    assert {k: v for k, v in left_behind(app).items() if k != "attachment rows"} == {
        k: v for k, v in NOTHING.items() if k != "attachment rows"
    }


@pytest.mark.parametrize("where", ["main image", "body"])
def test_an_image_in_use_is_not_deleted(app, clients, site, where):
    image_id = uploaded(app, clients["editor"], "dang-dung.jpg")
    with app.app_context():
        article = db.session.get(Article, site["article"])
        image = db.session.get(MediaImage, image_id)
        if where == "main image":
            article.image_id, article.image = image.id, image.stored_name
        else:
            article.body_html += f'<img src="/media/{image.stored_name}" alt="">'
        db.session.commit()
    url = f"/admin/media/{image_id}/delete"

    page = clients["editor"].get(url).get_data(as_text=True)
    response = clients["editor"].post(url, data={"csrf_token": csrf_of(page)})

    assert response.status_code == 409
    assert "đang được dùng trong 1 bài viết nên không xóa được" in response.get_data(as_text=True)
    assert "Bắc Kạn sau 10 năm" in page  # which article uses it
    assert image_ids(app) == [image_id]
    assert len(files_under(media_folder(app))) == 3


# -- the picker -----------------------------------------------------------------------------------


def choose_links(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<a class="button media-card__choose" href="([^"]+)"', html)]  # fmt: skip


def test_the_picker_sends_the_chosen_id_back_to_the_return_url(app, clients):
    image_id = uploaded(app, clients["author"], "chon.jpg")

    html = clients["author"].get("/admin/media?pick=/admin/articles/7%3Ftab%3Danh%26image_id%3D3").get_data(as_text=True)  # fmt: skip

    assert choose_links(html) == [f"/admin/articles/7?tab=anh&image_id={image_id}"]
    assert 'href="/admin/articles/7?tab=anh&amp;image_id=3" data-media-cancel' in html
    assert "admin-media.js" in html
    assert f'data-id="{image_id}"' in html and 'data-alt="Ảnh thử"' in html
    assert 'data-srcset="/media/uploads/' in html


def test_the_picker_can_name_the_parameter(app, clients):
    image_id = uploaded(app, clients["author"], "chon.jpg")

    html = clients["author"].get("/admin/media?pick=/admin/trang/2&field=anh_dai_dien").get_data(as_text=True)  # fmt: skip
    bad = clients["author"].get("/admin/media?pick=/admin/trang/2&field=x%22onclick").get_data(as_text=True)  # fmt: skip

    assert choose_links(html) == [f"/admin/trang/2?anh_dai_dien={image_id}"]
    assert choose_links(bad) == [f"/admin/trang/2?image_id={image_id}"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "admin/x"]
)
def test_the_picker_only_returns_to_this_site(app, clients, target):
    uploaded(app, clients["author"], "chon.jpg")

    html = (
        clients["author"].get("/admin/media", query_string={"pick": target}).get_data(as_text=True)
    )

    assert choose_links(html) == []  # the library opens as usual
    assert "evil.example" not in html and "javascript:" not in html


def test_uploading_in_the_picker_stays_in_the_picker(app, clients):
    query = "?pick=/admin/articles/7&field=image_id"

    response = upload(clients["author"], samples.jpeg(), "moi.jpg", query=query)

    image_id = image_ids(app)[-1]
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "new": [str(image_id)],
        "pick": ["/admin/articles/7"],
    }
    html = clients["author"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Bấm “Chọn ảnh này” để dùng ảnh." in html
    assert choose_links(html)[0] == f"/admin/articles/7?image_id={image_id}"
    refused = upload(clients["author"], samples.SCRIPT, "x.jpg", query=query)
    assert 'action="/admin/media?pick=/admin/articles/7"' in refused.get_data(as_text=True)
