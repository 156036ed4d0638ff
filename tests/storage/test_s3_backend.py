"""Media and attachments on an S3-compatible store (moto's server, started by the tests):
uploaded through the admin, served by the portal or by a redirect to the store, removed
with their rows, never left behind by a failed transaction, exported and imported, and
the store's absence reported by /readyz."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from articles.conftest import article_fields, make_article, post_article
from media import samples
from media.conftest import csrf_of, files_under
from sqlalchemy import select

from portal.content import media as library
from portal.content.exchange import export_site, import_site, open_archive
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, Attachment, MediaImage
from portal.plugin_files import remove_plugin_file, send_plugin_file, store_plugin_file
from portal.testing import make_account, make_app, signed_in_client

from .conftest import free_port, new_bucket, objects, s3_client, s3_config

#: A bucket policy that lets anyone read the media (never the attachments).
PUBLIC_MEDIA = """{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::%s/media/*"}]
}"""
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload_image(client, data: bytes, name: str = "anh.jpg"):
    page = client.get("/admin/media")
    return client.post(
        "/admin/media",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "file": (io.BytesIO(data), name),
            "alt": "Ảnh thử",
            "caption": "",
        },
        content_type="multipart/form-data",
    )


def the_image(app) -> MediaImage:
    with app.app_context():
        image = db.session.scalar(select(MediaImage).order_by(MediaImage.id.desc()))
        db.session.expunge(image)
        return image


def attach(app, client, site, *, status="published") -> tuple[int, Attachment]:
    article_id = make_article(app, created_by=None, status=status)
    response = post_article(
        client,
        f"/admin/articles/{article_id}",
        article_fields(site["category"]),
        files={"attachment_files": [(io.BytesIO(PDF), "Kế hoạch.pdf")]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        attachment = db.session.scalar(
            select(Attachment).where(Attachment.article_id == article_id)
        )
        db.session.expunge(attachment)
    return article_id, attachment


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read()


def test_uploads_through_the_admin_go_to_the_bucket_and_the_portal_serves_them(
    app, clients, site, s3_endpoint, bucket
):
    response = upload_image(clients["editor"], samples.jpeg(640, 480))
    assert response.status_code == 302, response.get_data(as_text=True)
    image = the_image(app)
    _article_id, attachment = attach(app, clients["editor"], site)

    stored = objects(s3_endpoint, bucket)
    assert set(stored) == {
        f"media/{image.stored_name}",
        *(f"media/{name}" for name in image.variants.values()),
        f"attachments/{attachment.stored_name}",
    }
    instance = Path(app.instance_path)
    assert files_under(instance / "media") == [] and files_under(instance / "attachments") == []

    reader = app.test_client()
    served = reader.get(f"/media/{image.stored_name}")
    assert served.status_code == 200
    assert served.data == stored[f"media/{image.stored_name}"]
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Content-Length"] == str(len(served.data))
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=604800" in served.headers["Cache-Control"]
    assert served.headers["ETag"] and served.headers["Last-Modified"]
    again = reader.get(
        f"/media/{image.stored_name}", headers={"If-None-Match": served.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    part = reader.get(f"/media/{image.stored_name}", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == served.data[:10]
    assert reader.get(f"/media/{image.stored_name[:-4]}.js").status_code == 404
    assert reader.get("/media/uploads/00/000000000000000000000000.jpg").status_code == 404

    download = reader.get(f"/tai-lieu/{attachment.id}/{attachment.original_name}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "public, max-age=300"
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_files_can_be_served_by_a_redirect_to_the_store(app, clients, site, s3_endpoint, bucket):
    upload_image(clients["editor"], samples.jpeg(640, 480))
    image = the_image(app)
    _public_id, public = attach(app, clients["editor"], site)
    _draft_id, draft = attach(app, clients["editor"], site, status="draft")
    app.config["PORTAL_STORAGE_SERVE"] = "redirect"
    reader = app.test_client()

    signed = reader.get(f"/media/{image.stored_name}")
    assert signed.status_code == 302
    assert signed.location.startswith(f"{s3_endpoint}/{bucket}/media/{image.stored_name}?")
    assert "Signature=" in signed.location and "private" in signed.headers["Cache-Control"]
    assert fetch(signed.location) == objects(s3_endpoint, bucket)[f"media/{image.stored_name}"]

    download = reader.get(f"/tai-lieu/{public.id}/{public.original_name}")
    assert download.status_code == 302 and "Signature=" in download.location
    assert "response-content-disposition=attachment" in download.location
    assert fetch(download.location) == PDF

    # An attachment readers may not see never gets a URL that skips the portal's checks.
    assert reader.get(f"/tai-lieu/{draft.id}/{draft.original_name}").status_code == 404
    staff = clients["editor"].get(f"/tai-lieu/{draft.id}/{draft.original_name}")
    assert staff.status_code == 200 and staff.data == PDF
    assert staff.headers["Cache-Control"] == "private, no-store"

    app.config["PORTAL_STORAGE_PUBLIC_URL"] = f"{s3_endpoint}/{bucket}/"
    public_url = reader.get(f"/media/{image.stored_name}")
    assert public_url.status_code == 302
    assert public_url.location == f"{s3_endpoint}/{bucket}/media/{image.stored_name}"
    assert "public" in public_url.headers["Cache-Control"]
    with pytest.raises(urllib.error.HTTPError, match="403"):  # the bucket is private so far
        fetch(public_url.location)
    # What docs/operations.md tells the operator to do: let anyone read media/ only.
    s3_client(s3_endpoint).put_bucket_policy(Bucket=bucket, Policy=PUBLIC_MEDIA % bucket)
    assert fetch(public_url.location)[:3] == b"\xff\xd8\xff"
    attachment_key = f"{s3_endpoint}/{bucket}/attachments/{public.stored_name}"
    with pytest.raises(urllib.error.HTTPError, match="403"):
        fetch(attachment_key)


def test_a_deleted_image_leaves_the_bucket_after_the_commit(app, clients, s3_endpoint, bucket):
    upload_image(clients["editor"], samples.jpeg(640, 480))
    image = the_image(app)
    page = clients["editor"].get(f"/admin/media/{image.id}/delete")
    response = clients["editor"].post(
        f"/admin/media/{image.id}/delete", data={"csrf_token": csrf_of(page.get_data(as_text=True))}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert objects(s3_endpoint, bucket) == {}
    assert app.test_client().get(f"/media/{image.stored_name}").status_code == 404


def test_a_transaction_that_fails_leaves_no_object(app, users, s3_endpoint, bucket):
    with (
        app.app_context(),
        pytest.raises(RuntimeError, match="later step"),
        unit_of_work(Actor.system("test")),
    ):
        image = library.upload_image(io.BytesIO(samples.jpeg(640, 480)), "anh.jpg")
        assert f"media/{image.stored_name}" in objects(s3_endpoint, bucket)
        raise RuntimeError("a later step failed")
    assert objects(s3_endpoint, bucket) == {}
    with app.app_context():
        assert db.session.scalar(select(MediaImage)) is None


def test_export_and_import_round_trip_through_the_store(
    app, clients, site, database_url, s3_endpoint, bucket, tmp_path
):
    upload_image(clients["editor"], samples.jpeg(640, 480))
    attach(app, clients["editor"], site)
    archive = tmp_path / "site.zip"
    with app.app_context():
        report = export_site(archive)
    assert report.files == 3 and not report.warnings
    exported = objects(s3_endpoint, bucket)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    second_bucket = new_bucket(s3_endpoint)
    second = make_app(
        database_url=database_url,
        instance_path=str(tmp_path / "second"),
        config=s3_config(s3_endpoint, second_bucket, PORTAL_IMAGE_WIDTHS=[32]),
    )
    try:
        with second.app_context():
            imported = import_site(open_archive(archive))
            assert imported.files_written == 3
            stem = db.session.scalar(select(Article.id).limit(1))
            assert stem is not None
        assert set(objects(s3_endpoint, second_bucket)) == set(exported)
        assert objects(s3_endpoint, second_bucket) == exported
        with second.app_context():
            image = db.session.scalar(select(MediaImage))
            name = image.stored_name
        assert second.test_client().get(f"/media/{name}").data == exported[f"media/{name}"]
        with second.app_context():  # again: every file is already there
            assert import_site(open_archive(archive), merge=True).files_unchanged == 3
    finally:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


def test_readiness_reports_a_store_that_does_not_answer(app, s3_endpoint):
    ready = app.test_client().get("/readyz")
    assert ready.json["checks"]["storage"]["ok"] is True, ready.json
    assert "s3://" in ready.json["checks"]["storage"]["detail"]

    app.config["PORTAL_STORAGE_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    app.config["PORTAL_STORAGE_S3_TIMEOUT"] = 1
    away = app.test_client().get("/readyz")
    assert away.status_code == 503
    assert away.json["checks"]["storage"]["ok"] is False
    assert "127.0.0.1" in away.json["checks"]["storage"]["detail"]


def test_an_upload_to_a_store_that_does_not_answer_is_refused_with_a_message(app, clients):
    app.config["PORTAL_STORAGE_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    app.config["PORTAL_STORAGE_S3_TIMEOUT"] = 1
    response = upload_image(clients["editor"], samples.jpeg(640, 480))
    assert response.status_code == 422
    assert "Không lưu được tệp vào kho lưu trữ" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(MediaImage)) is None


def test_an_upload_through_one_server_is_served_by_another(app_factory, s3_endpoint, bucket):
    """Two apps with instance folders of their own (two machines) on one database and bucket."""
    config = s3_config(s3_endpoint, bucket, PORTAL_IMAGE_WIDTHS=[32])
    first, second = app_factory(config=config), app_factory(config=config)
    assert first.instance_path != second.instance_path
    editor_id = make_account(first, "editor")
    response = upload_image(signed_in_client(first, editor_id), samples.jpeg(640, 480))
    assert response.status_code == 302, response.get_data(as_text=True)
    image = the_image(first)
    served = second.test_client().get(f"/media/{image.stored_name}")
    assert served.status_code == 200
    assert served.data == objects(s3_endpoint, bucket)[f"media/{image.stored_name}"]


def test_plugin_files_are_kept_and_sent_from_the_store(app, s3_endpoint, bucket):
    with app.app_context(), unit_of_work(Actor.system("test")):
        stored = store_plugin_file("documents", io.BytesIO(PDF), "Công văn.pdf")
    assert objects(s3_endpoint, bucket) == {f"attachments/plugins/documents/{stored.key}": PDF}
    with app.test_request_context("/"):
        response = send_plugin_file(
            "documents", stored.key, name=stored.name, media_type=stored.media_type, public=False
        )
        assert response.status_code == 200
        response.direct_passthrough = False
        assert response.get_data() == PDF
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert send_plugin_file("documents", "00/nothing.pdf", name="x.pdf",
                                media_type="application/pdf", public=False) is None  # fmt: skip
        with unit_of_work(Actor.system("test")):
            remove_plugin_file("documents", stored.key)
    assert objects(s3_endpoint, bucket) == {}
