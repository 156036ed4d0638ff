"""A file name stored in a row is trusted nowhere: never served or deleted outside its folder.

Rows can come from an old or damaged database, or from a crafted site archive
imported before the import checked names. These rows are inserted directly,
as such a site would have them; serving and deleting must still stay inside
the media and attachments folders, and the media folder serves images only.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import insert, select

from portal.content.attachments import delete_attachment_file, save_attachment
from portal.content.attachments import is_stored_name as is_attachment_name
from portal.content.media import delete_image_files, save_image, variant_name
from portal.content.media import is_stored_name as is_media_name
from portal.extensions import db
from portal.models import Article, Attachment, MediaImage

SECRET = b"the-secret-key-of-this-instance"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def folder(app, key: str) -> Path:
    path = Path(app.instance_path) / app.config[key]
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def canary(app) -> Path:
    """A file beside the instance's media and attachments folders (both there, as on a real
    site, so that ``media/../secret_key`` does lead to it), which nothing may serve or delete."""
    (folder(app, "PORTAL_MEDIA_DIR") / "uploads" / "ab").mkdir(parents=True)
    (folder(app, "PORTAL_ATTACHMENTS_DIR") / "ab").mkdir()
    path = Path(app.instance_path) / "secret_key"
    path.write_bytes(SECRET)
    return path


def absolute(name: str, canary: Path) -> str:
    """``CANARY`` in a parametrized name stands for the canary's absolute path."""
    return name.replace("CANARY", str(canary))


# -- serving ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["evil.js", "logo.svg", "page.html", "page.htm", "uploads/ab/evil.JS", "data.json", "noext"],
)
def test_the_media_folder_never_serves_anything_but_images(app, client, name):
    media = folder(app, "PORTAL_MEDIA_DIR")
    (media / name).parent.mkdir(parents=True, exist_ok=True)
    (media / name).write_bytes(b"<script>alert(document.domain)</script>")

    response = client.get(f"/media/{name}")

    assert response.status_code == 404
    assert b"alert(document.domain)" not in response.data


def test_an_image_is_served_as_an_image_that_runs_nothing(app, client):
    media = folder(app, "PORTAL_MEDIA_DIR")
    (media / "anh.jpg").write_bytes(jpeg_bytes())
    (media / "trang.jpg").write_bytes(b"<html><script>alert(1)</script></html>")

    image = client.get("/media/anh.jpg")
    disguised = client.get("/media/trang.jpg")

    assert image.status_code == 200 and image.data == jpeg_bytes()
    for response in (image, disguised):
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"].startswith("sandbox")


@pytest.mark.parametrize(
    "url", ["/media/../secret_key", "/media/%2e%2e/secret_key", "/media/link.jpg"]
)
def test_the_media_folder_never_serves_a_file_outside_it(app, client, canary, url):
    media = folder(app, "PORTAL_MEDIA_DIR")
    (media / "link.jpg").symlink_to(canary)

    response = client.get(url)

    assert response.status_code == 404
    assert SECRET not in response.data


def add_attachment(app, article_id: int, stored_name: str) -> int:
    with app.app_context():
        db.session.execute(
            insert(Attachment).values(
                article_id=article_id,
                stored_name=stored_name,
                original_name="Quyết định.pdf",
                mime_type="application/pdf",
                size=len(SECRET),
                position=0,
            )
        )
        db.session.commit()
        return db.session.scalar(select(Attachment.id).where(Attachment.stored_name == stored_name))


@pytest.mark.parametrize("stored_name", ["../secret_key", "ab/../../secret_key", "CANARY"])
def test_an_attachment_naming_a_file_outside_its_folder_is_not_downloaded(
    app, client, content, canary, stored_name
):
    attachment_id = add_attachment(app, content["article"], absolute(stored_name, canary))

    response = client.get(f"/tai-lieu/{attachment_id}/Quyết định.pdf")

    assert response.status_code == 404
    assert SECRET not in response.data


def test_an_attachment_inside_its_folder_is_downloaded(app, client, content):
    pdf = b"%PDF-1.4\n%%EOF\n"
    (folder(app, "PORTAL_ATTACHMENTS_DIR") / "ab").mkdir()
    (folder(app, "PORTAL_ATTACHMENTS_DIR") / "ab" / "tai-lieu.pdf").write_bytes(pdf)
    attachment_id = add_attachment(app, content["article"], "ab/tai-lieu.pdf")

    response = client.get(f"/tai-lieu/{attachment_id}/Quyết định.pdf")

    assert response.status_code == 200 and response.data == pdf


# -- deleting -----------------------------------------------------------------------------------


def add_image(app, stored_name: str, variants: dict[str, str]) -> int:
    with app.app_context():
        db.session.execute(
            insert(MediaImage).values(
                stored_name=stored_name,
                mime_type="image/jpeg",
                width=800,
                height=600,
                size=1,
                variants=variants,
            )
        )
        db.session.commit()
        return db.session.scalar(select(MediaImage.id).where(MediaImage.stored_name == stored_name))


@pytest.mark.parametrize(
    ("stored_name", "variants"),
    [("../secret_key", {}), ("uploads/ab/x.jpg", {"480": "../secret_key"}), ("CANARY", {})],
)
def test_deleting_an_image_row_deletes_nothing_outside_the_media_folder(
    app, canary, stored_name, variants
):
    image_id = add_image(app, absolute(stored_name, canary), variants)
    with app.app_context():
        image = db.session.get(MediaImage, image_id)
        delete_image_files(image)  # what the screens call
        db.session.delete(image)  # and the row's own clean-up after the commit
        db.session.commit()
        assert db.session.get(MediaImage, image_id) is None
    assert canary.read_bytes() == SECRET


def test_deleting_an_attachment_row_deletes_nothing_outside_its_folder(app, content, canary):
    attachment_id = add_attachment(app, content["article"], "../secret_key")
    with app.app_context():
        attachment = db.session.get(Attachment, attachment_id)
        delete_attachment_file(attachment)
        db.session.delete(attachment)
        db.session.commit()
        # Deleting the article takes its attachments with it, the same way.
        db.session.delete(db.session.get(Article, content["article"]))
        db.session.commit()
    assert canary.read_bytes() == SECRET


def test_deleting_a_well_named_image_still_deletes_its_files(app):
    with app.app_context():
        image = save_image(io.BytesIO(jpeg_bytes()), "anh.jpg")
        db.session.commit()
        files = [Path(app.instance_path) / "media" / image.stored_name]
        assert all(path.is_file() for path in files)
        db.session.delete(image)
        db.session.commit()
    assert not any(path.exists() for path in files)


def test_the_names_the_portal_gives_its_files_are_those_it_accepts(app, content):
    """The import accepts only generated names: these patterns must follow the generators."""
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 600), (20, 90, 160)).save(buffer, "JPEG")
    with app.app_context():
        image = save_image(io.BytesIO(buffer.getvalue()), "anh.jpg")
        article = db.session.get(Article, content["article"])
        attachment = save_attachment(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "Quyết định.pdf", article)
        db.session.commit()
        assert is_media_name(image.stored_name)
        assert image.variants == {
            w: variant_name(image.stored_name, int(w)) for w in ("480", "800")
        }
        assert all(is_media_name(name) for name in image.variants.values())
        assert is_attachment_name(attachment.stored_name)
    assert not is_media_name("uploads/ab/../../secret_key.jpg")
    assert not is_media_name("uploads/ab/abababababababababababab.svg")
    assert not is_attachment_name("ab/abababababababababababababababab.html")


def test_an_export_leaves_out_what_its_rows_name_outside_their_folders(
    app, content, canary, tmp_path
):
    """An old or damaged site exports neither its secret key nor files an import would refuse."""
    add_attachment(app, content["article"], "../secret_key")
    add_image(app, "../secret_key", {"480": "uploads/ab/../../../secret_key"})
    (folder(app, "PORTAL_MEDIA_DIR") / "evil.js").write_bytes(b"alert(1)")
    target = tmp_path / "site.zip"

    result = app.test_cli_runner().invoke(args=["portal", "export", str(target)])

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert not any(SECRET in archive.read(name) for name in names)
    assert names == ["content.json"]
    assert "tệp ảnh có tên mà cổng thông tin không đặt, không được xuất: '../secret_key'" in (
        result.output
    )
    assert "media/evil.js không thuộc ảnh nào trong thư viện, không được xuất" in result.output
    assert "tệp đính kèm có tên mà cổng thông tin không đặt" in result.output
