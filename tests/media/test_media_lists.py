"""The media library: several files in one upload, the one-file upload of the script,
search without diacritics, and the filters (type, upload days, used or not)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, AuditEntry, MediaImage

from . import samples
from .conftest import csrf_of
from .test_media_admin import errors_of, image_ids, uploaded


@pytest.fixture
def app_config():
    return {"PORTAL_MAX_IMAGE_BYTES": 200 * 1024}


def names_on(html: str) -> list[str]:
    return [
        unescape(name).strip()
        for name in re.findall(r'media-card__name">(?:<span[^>]*>[^<]*</span> )?([^<]+)</p>', html)
    ]


def post_files(client, files, *, alt="Ảnh hội nghị", query=""):
    page = client.get(f"/admin/media{query}").get_data(as_text=True)
    return client.post(
        f"/admin/media{query}",
        data={
            "csrf_token": csrf_of(page),
            "file": [(io.BytesIO(data), name) for data, name in files],
            "alt": alt,
            "caption": "",
        },
        content_type="multipart/form-data",
    )


def test_several_files_are_uploaded_in_one_post(app, clients):
    editor = clients["editor"]
    response = post_files(editor, [(samples.jpeg(800, 500), "mot.jpg"),
                                   (samples.png_with_alpha(), "hai.png"),
                                   (samples.jpeg(640, 480), "ba.jpg")])  # fmt: skip
    assert response.status_code == 302
    location = response.headers["Location"]
    ids = image_ids(app)
    assert len(ids) == 3
    assert location == "/admin/media?" + "&".join(f"new={i}" for i in ids)
    page = editor.get(location).get_data(as_text=True)
    for name in ("mot.jpg", "hai.png", "ba.jpg"):
        assert f"Đã tải lên ảnh “{name}”" in unescape(page)
    assert page.count("Vừa tải lên") == 3
    with app.app_context():
        assert db.session.scalar(
            select(db.func.count()).where(AuditEntry.action == "media.upload")
        ) == 3  # fmt: skip


def test_a_refused_file_is_named_and_the_others_are_kept(app, clients):
    editor = clients["editor"]
    response = post_files(editor, [(samples.jpeg(800, 500), "tot.jpg"),
                                   (samples.bmp(), "cu.bmp"),
                                   (b"", "rong.jpg")])  # fmt: skip
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = errors_of(html, "file")
    assert len(problems) == 2
    assert problems[0].startswith("cu.bmp: ") and problems[1].startswith("rong.jpg: Ảnh rỗng")
    assert "Đã tải lên ảnh “tot.jpg”" in unescape(html)
    with app.app_context():
        assert list(db.session.scalars(select(MediaImage.original_name))) == ["tot.jpg"]


def test_the_script_uploads_one_file_at_a_time_as_json(app, clients):
    author = clients["author"]
    token = csrf_of(author.get("/admin/media").get_data(as_text=True))

    def send(data: bytes, name: str, alt="Ảnh chợ phiên"):
        return author.post(
            "/admin/media/upload",
            data={"csrf_token": token, "file": (io.BytesIO(data), name), "alt": alt},
            content_type="multipart/form-data",
        )

    done = send(samples.jpeg(700, 400), "cho-phien.jpg")
    assert done.status_code == 201
    answer = done.get_json()
    assert answer["url"] == f"/admin/media/{answer['id']}"
    assert answer["message"].startswith("Đã tải lên ảnh “cho-phien.jpg” (700 × 400")
    refused = send(samples.bmp(), "cu.bmp")
    assert refused.status_code == 400 and "JPEG, PNG" in refused.get_json()["error"]
    nameless = send(samples.jpeg(), "anh.jpg", alt=" ")
    assert nameless.status_code == 400
    assert "Hãy mô tả ảnh" in nameless.get_json()["error"]
    assert image_ids(app) == [answer["id"]]
    # Without the form's token nothing is stored.
    stranger = author.post(
        "/admin/media/upload",
        data={"file": (io.BytesIO(samples.jpeg()), "x.jpg"), "alt": "x"},
        content_type="multipart/form-data",
    )
    assert stranger.status_code == 400 and image_ids(app) == [answer["id"]]


def test_search_ignores_diacritics(app, clients):
    editor = clients["editor"]
    uploaded(app, editor, "pho-co.jpg", alt="Phố cổ Hà Nội mùa thu")
    uploaded(app, editor, "ruong.jpg", alt="Ruộng bậc thang Đà Lạt")
    for query in ("ha noi", "HÀ NỘI", "Ha Nội", "pho co ha"):
        html = editor.get(f"/admin/media?q={query}").get_data(as_text=True)
        assert names_on(html) == ["pho-co.jpg"], query
    assert names_on(editor.get("/admin/media?q=da lat").get_data(as_text=True)) == ["ruong.jpg"]
    assert names_on(editor.get("/admin/media?q=dalat").get_data(as_text=True)) == []


def test_filters_by_type_upload_day_and_use(app, clients, site):
    editor = clients["editor"]
    old = uploaded(app, editor, "cu.jpg")
    main = uploaded(app, editor, "anh-chinh.jpg")
    in_body = uploaded(app, editor, "trong-bai.jpg")
    response = post_files(editor, [(samples.png_with_alpha(), "trong-suot.png")])
    assert response.status_code == 302
    with app.app_context():
        # Uploaded on 31/12/2023 at 23:30 in Hà Nội (16:30 UTC).
        db.session.get(MediaImage, old).created_at = datetime(2023, 12, 31, 16, 30, tzinfo=UTC)
        article = db.session.get(Article, site["article"])
        article.image_id = main
        body_image = db.session.get(MediaImage, in_body)
        article.body_html += f'<p><img src="/media/{body_image.variants["480"]}" alt="x"></p>'
        db.session.commit()

    def listed(query: str) -> list[str]:
        return sorted(names_on(editor.get(f"/admin/media?{query}").get_data(as_text=True)))

    assert listed("type=png") == ["trong-suot.png"]
    assert listed("type=jpeg") == ["anh-chinh.jpg", "cu.jpg", "trong-bai.jpg"]
    assert listed("use=used") == ["anh-chinh.jpg", "trong-bai.jpg"]
    assert listed("use=unused") == ["cu.jpg", "trong-suot.png"]
    assert listed("to=2023-12-31") == ["cu.jpg"]
    assert listed("to=31/12/2023") == ["cu.jpg"]
    assert listed("from=2024-01-01") == ["anh-chinh.jpg", "trong-bai.jpg", "trong-suot.png"]
    assert listed("from=2023-12-31&to=2023-12-31&use=unused&type=jpeg") == ["cu.jpg"]
    assert listed("from=2023-12-30&to=2023-12-30") == []
    assert "Không có ảnh nào khớp bộ lọc" in editor.get(
        "/admin/media?from=2023-12-30&to=2023-12-30"
    ).get_data(as_text=True)
    # Nonsense narrows nothing.
    assert len(listed("type=gif&use=sometimes&from=hôm-qua")) == 4


def test_paging_keeps_the_filters(app, clients, monkeypatch):
    from portal.web.admin import media as media_admin

    monkeypatch.setattr(media_admin, "PER_PAGE", 2)
    editor = clients["editor"]
    for number in range(5):
        uploaded(app, editor, f"anh-{number}.jpg", alt="Lễ hội")
    html = editor.get("/admin/media?type=jpeg&use=unused&from=2020-01-01").get_data(as_text=True)
    following = unescape(re.search(r'<a href="([^"]+)" rel="next"', html).group(1))
    assert "type=jpeg" in following and "use=unused" in following
    assert "from=2020-01-01" in following and "page=2" in following
    assert names_on(editor.get(following).get_data(as_text=True)) == ["anh-2.jpg", "anh-1.jpg"]
