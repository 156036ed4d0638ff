"""Writing an article through the form: fields, slug, tags, publication time, main image,
attachments; bad input gets a message on its field and changes nothing."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from admin.admin_helpers import field_errors, text_of
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, MediaImage

from .conftest import (
    article_fields,
    audit_actions,
    load,
    make_article,
    pdf_bytes,
    png_bytes,
    post_article,
    revisions,
    tag_names,
)


def created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_author_writes_a_draft(app, site, users, clients):
    response = post_article(
        clients["author"],
        "/admin/articles/new",
        article_fields(site["category"], tags="Lễ hội, lễ hội , Ba Bể,, Văn hóa dân tộc"),
    )

    article = load(app, created_id(response))
    assert article.status == "draft"
    assert article.created_by_id == users["author"]
    assert article.title == "Khai mạc Lễ hội Lồng Tồng năm 2024"
    assert article.slug == "khai-mac-le-hoi-long-tong-nam-2024"
    assert article.body_html == "<p>Lễ hội có nhiều hoạt động <strong>văn hóa</strong>.</p>"
    assert [t.name for t in article.tags] == ["Ba Bể", "Lễ hội", "Văn hóa dân tộc"]
    assert article.published_at is None
    (revision,) = revisions(app, article.id)
    assert revision.number == 1
    assert revision.snapshot["title"] == article.title
    assert revision.snapshot["tags"] == ["Ba Bể", "Lễ hội", "Văn hóa dân tộc"]
    assert "article.create" in audit_actions(app)
    follow = clients["author"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã tạo bản nháp “Khai mạc Lễ hội Lồng Tồng năm 2024”." in follow


def test_tags_are_shared_by_slug(app, site, clients):
    post_article(clients["author"], "/admin/articles/new", article_fields(site["category"]))
    post_article(
        clients["editor"],
        "/admin/articles/new",
        article_fields(site["category"], title="Bài khác", tags="LỄ HỘI, Du lịch"),
    )
    assert tag_names(app) == ["Ba Bể", "Du lịch", "Lễ hội"]


def test_slug_clash_gets_a_field_error_with_a_suggestion(app, site, clients):
    make_article(app, created_by=None, slug="khai-mac-le-hoi")
    make_article(app, created_by=None, slug="khai-mac-le-hoi-2")
    before = count(app, MediaImage), revisions(app, 1)

    response = post_article(
        clients["editor"],
        "/admin/articles/new",
        article_fields(site["category"], slug="khai-mac-le-hoi"),
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "slug") == [
        "Một bài viết khác đã dùng đường dẫn này. Gợi ý: khai-mac-le-hoi-3"
    ]
    assert "Khai mạc Lễ hội Lồng Tồng năm 2024" in html  # what was typed is still there
    assert (count(app, MediaImage), revisions(app, 1)) == before


def test_a_generated_slug_is_made_unique(app, site, clients):
    make_article(app, created_by=None, slug="khai-mac-le-hoi-long-tong-nam-2024")
    response = post_article(
        clients["editor"], "/admin/articles/new", article_fields(site["category"])
    )
    assert load(app, created_id(response)).slug == "khai-mac-le-hoi-long-tong-nam-2024-2"


def test_a_bad_slug_is_explained(app, site, clients):
    response = post_article(
        clients["editor"],
        "/admin/articles/new",
        article_fields(site["category"], slug="Lễ hội/Ba Bể"),
    )
    assert response.status_code == 422
    (message,) = field_errors(response.get_data(as_text=True), "slug")
    assert message.startswith("Đường dẫn chỉ gồm chữ thường không dấu")
    assert message.endswith("le-hoi-ba-be")


def test_required_fields(app, site, clients):
    response = post_article(
        clients["author"],
        "/admin/articles/new",
        article_fields(site["category"], title="  ", category_id="0"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "title") == ["Hãy nhập tiêu đề."]
    assert field_errors(html, "category_id") == ["Hãy chọn chuyên mục cho bài viết."]
    assert "Chưa lưu: hãy sửa các mục được đánh dấu bên dưới." in html


def test_publication_time_is_read_in_vietnam_time(app, site, clients):
    response = post_article(
        clients["editor"],
        "/admin/articles/new",
        article_fields(site["category"], publish_date="2030-02-01", publish_time="07:30"),
    )
    article = load(app, created_id(response))
    assert article.published_at == datetime(2030, 2, 1, 0, 30, tzinfo=UTC)
    html = clients["editor"].get(f"/admin/articles/{article.id}").get_data(as_text=True)
    assert 'value="01/02/2030"' in html and 'value="07:30"' in html


def test_publication_time_typed_by_hand_and_bad_values(app, site, clients):
    typed = post_article(
        clients["editor"],
        "/admin/articles/new",
        article_fields(site["category"], publish_date="01/02/2030", publish_time="7h05"),
    )
    assert load(app, created_id(typed)).published_at == datetime(2030, 2, 1, 0, 5, tzinfo=UTC)

    bad = post_article(
        clients["editor"],
        "/admin/articles/new",
        article_fields(site["category"], title="Khác", publish_date="31/02/2030",
                       publish_time="25:00"),
    )  # fmt: skip
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert field_errors(html, "publish_date") == [
        "Ngày không hợp lệ; hãy chọn ngày theo dạng dd/mm/yyyy."
    ]
    assert field_errors(html, "publish_time") == ["Giờ không hợp lệ; ví dụ: 08:30."]


def test_main_image_upload_needs_alt_text_and_goes_to_the_library(app, site, clients):
    media = Path(app.instance_path) / app.config["PORTAL_MEDIA_DIR"]
    no_alt = post_article(
        clients["author"],
        "/admin/articles/new",
        article_fields(site["category"]),
        files={"image_file": (io.BytesIO(png_bytes()), "anh.png")},
    )
    assert no_alt.status_code == 422
    assert field_errors(no_alt.get_data(as_text=True), "image_alt") == [
        "Hãy mô tả ảnh (alt) cho người không xem được ảnh."
    ]
    assert count(app, MediaImage) == 0 and files_under(media) == []

    response = post_article(
        clients["author"],
        "/admin/articles/new",
        article_fields(site["category"], image_alt="Đoàn người xuống đồng",
                       image_caption="Lễ hội năm 2024. Ảnh: H.A"),
        files={"image_file": (io.BytesIO(png_bytes((900, 600))), "anh.png")},
    )  # fmt: skip

    article = load(app, created_id(response))
    with app.app_context():
        image = db.session.get(MediaImage, article.image_id)
        assert image.alt == "Đoàn người xuống đồng"
        assert article.image == image.stored_name
    assert article.image_alt == "Đoàn người xuống đồng"
    assert article.image_caption == "Lễ hội năm 2024. Ảnh: H.A"
    assert len(files_under(media)) >= 2  # the image and its resized copies


def test_a_broken_image_is_refused_and_nothing_is_saved(app, site, clients):
    media = Path(app.instance_path) / app.config["PORTAL_MEDIA_DIR"]
    response = post_article(
        clients["author"],
        "/admin/articles/new",
        article_fields(site["category"], image_alt="Ảnh"),
        files={"image_file": (io.BytesIO(png_bytes()[:40]), "anh.png")},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "image_file")
    assert "Khai mạc Lễ hội Lồng Tồng năm 2024" in html
    assert count(app, MediaImage) == 0 and files_under(media) == []
    assert revisions(app, site["article"] + 1) == []


def test_choose_a_library_image_then_remove_it(app, site, clients):
    with app.app_context():
        from portal.content.media import save_image

        image = save_image(io.BytesIO(png_bytes()), "thu-vien.png", alt="Ảnh thư viện")
        db.session.commit()
        image_id = image.id
    article_id = make_article(app, created_by=None)
    url = f"/admin/articles/{article_id}"

    html = clients["editor"].get(url).get_data(as_text=True)
    assert f'name="image_id" value="{image_id}"' in html
    post_article(clients["editor"], url, article_fields(site["category"], image_id=str(image_id),
                                                        image_alt="Ảnh thư viện"))  # fmt: skip
    assert load(app, article_id).image_id == image_id

    post_article(clients["editor"], url, article_fields(site["category"], image_id=""))
    article = load(app, article_id)
    assert (article.image_id, article.image) == (None, "")


def test_back_from_the_media_library_the_picked_image_is_chosen(app, site, clients):
    """The library's picker links back with ?image_id=; the form offers and checks it."""
    with app.app_context():
        from portal.content.media import save_image

        ids = [save_image(io.BytesIO(png_bytes()), f"anh-{n}.png", alt=f"Ảnh {n}").id
               for n in range(30)]  # fmt: skip
        db.session.commit()
    oldest = ids[0]  # not among the newest offered by default
    article_id = make_article(app, created_by=None)
    plain = clients["editor"].get(f"/admin/articles/{article_id}").get_data(as_text=True)
    assert f'name="image_id" value="{oldest}"' not in plain
    assert f'href="/admin/media?pick=/admin/articles/{article_id}&amp;field=image_id"' in plain
    html = clients["editor"].get(f"/admin/articles/{article_id}?image_id={oldest}")
    assert f'name="image_id" value="{oldest}" checked' in html.get_data(as_text=True)


def test_an_imported_external_image_is_kept(app, site, clients):
    article_id = make_article(
        app, created_by=None, image="https://example.org/anh.jpg", image_alt="Ảnh nguồn"
    )
    url = f"/admin/articles/{article_id}"
    html = clients["editor"].get(url).get_data(as_text=True)
    assert re.search(r'name="image_id" value="giu-nguyen" checked', html)
    post_article(clients["editor"], url, article_fields(site["category"], image_id="giu-nguyen",
                                                        image_alt="Ảnh nguồn"))  # fmt: skip
    assert load(app, article_id).image == "https://example.org/anh.jpg"


def test_attachments_are_added_ordered_and_removed(app, site, clients):
    folder = Path(app.instance_path) / app.config["PORTAL_ATTACHMENTS_DIR"]
    article_id = make_article(app, created_by=None)
    url = f"/admin/articles/{article_id}"
    response = post_article(
        clients["editor"],
        url,
        article_fields(site["category"]),
        files={"attachment_files": [(io.BytesIO(pdf_bytes()), "Kế hoạch.pdf"),
                                    (io.BytesIO(pdf_bytes()), "Phụ lục.pdf")]},
    )  # fmt: skip
    assert response.status_code == 302
    names = [a.original_name for a in load(app, article_id).attachments]
    assert names == ["Kế hoạch.pdf", "Phụ lục.pdf"]
    assert len(files_under(folder)) == 2
    first, second = load(app, article_id).attachments
    html = clients["editor"].get(url).get_data(as_text=True)
    assert "Kế hoạch.pdf" in text_of(html) and "PDF" in text_of(html)

    post_article(clients["editor"], url, article_fields(
        site["category"], **{f"attachment_position-{first.id}": "2",
                             f"attachment_position-{second.id}": "1"}))  # fmt: skip
    assert [a.original_name for a in load(app, article_id).attachments] == [
        "Phụ lục.pdf", "Kế hoạch.pdf"
    ]  # fmt: skip

    post_article(clients["editor"], url, article_fields(
        site["category"], attachment_remove=str(first.id)))  # fmt: skip
    assert [a.original_name for a in load(app, article_id).attachments] == ["Phụ lục.pdf"]
    assert len(files_under(folder)) == 1
    assert "article.attachments" in audit_actions(app)


def test_a_bad_attachment_is_refused_and_nothing_is_saved(app, site, clients):
    folder = Path(app.instance_path) / app.config["PORTAL_ATTACHMENTS_DIR"]
    article_id = make_article(app, created_by=None)
    url = f"/admin/articles/{article_id}"
    response = post_article(
        clients["editor"],
        url,
        article_fields(site["category"], title="Tiêu đề mới chưa lưu"),
        files={"attachment_files": [(io.BytesIO(pdf_bytes()), "tot.pdf"),
                                    (io.BytesIO(b"MZ\x90\x00virus"), "bao-cao.pdf")]},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    (message,) = field_errors(html, "attachment_files")
    assert message.startswith("bao-cao.pdf: ")
    assert "Tiêu đề mới chưa lưu" in html
    assert load(app, article_id).title == "Bài thử nghiệm"
    assert count(app, Attachment) == 0 and files_under(folder) == []


def test_an_unchanged_save_makes_no_revision(app, site, clients):
    response = post_article(
        clients["editor"], "/admin/articles/new", article_fields(site["category"])
    )
    article_id = created_id(response)
    post_article(
        clients["editor"], f"/admin/articles/{article_id}", article_fields(site["category"])
    )
    assert len(revisions(app, article_id)) == 1
    post_article(clients["editor"], f"/admin/articles/{article_id}",
                 article_fields(site["category"], lead="Sapo mới."))  # fmt: skip
    assert [r.number for r in revisions(app, article_id)] == [1, 2]


def test_correcting_a_published_article_keeps_its_publication_time(app, site, clients):
    article_id = site["article"]
    before = load(app, article_id)
    post_article(clients["editor"], f"/admin/articles/{article_id}",
                 article_fields(site["category"], title="Đính chính", publish_date=""))  # fmt: skip
    after = load(app, article_id)
    assert (after.title, after.status, after.published_at) == (
        "Đính chính", "published", before.published_at
    )  # fmt: skip
    reader = app.test_client().get(f"/bai-viet/{article_id}-{after.slug}")
    assert reader.status_code == 200 and "Đính chính" in reader.get_data(as_text=True)


def test_a_read_only_screen_for_what_the_author_may_not_change(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], status="review")
    html = clients["author"].get(f"/admin/articles/{article_id}").get_data(as_text=True)
    assert "Bài đang chờ biên tập viên duyệt nên bạn không sửa được." in html
    assert html.count(" disabled>") >= 4  # every group of fields
    assert 'name="intent"' not in html
    assert 'form="step-withdraw"' in html
