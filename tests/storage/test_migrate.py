"""``flask portal storage migrate``: a site on local folders copied to an S3 bucket (moto's
server) with a progress bar; running it again skips what is there and copies what is missing
or different; the source is never changed; the site then serves from the bucket."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from articles.conftest import article_fields, make_article, post_article
from media import samples
from media.conftest import files_under

from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.plugin_files import store_plugin_file

from .conftest import objects, s3_client, s3_config
from .test_s3_backend import PDF, the_image, upload_image


@pytest.fixture
def app_config(s3_endpoint, bucket):
    """A site on local folders, with the bucket it is moving to already configured."""
    return s3_config(s3_endpoint, bucket, PORTAL_STORAGE_BACKEND="local", PORTAL_IMAGE_WIDTHS=[32])


def local_files(app) -> dict[str, bytes]:
    instance = Path(app.instance_path)
    return {
        path.relative_to(instance).as_posix(): path.read_bytes()
        for area in ("media", "attachments")
        for path in files_under(instance / area)
    }


def migrate(app, *args):
    return app.test_cli_runner().invoke(
        args=["portal", "storage", "migrate", "--to", "s3", *args], catch_exceptions=False
    )


def test_migrate_copies_every_file_then_resumes_and_the_site_serves_from_the_bucket(
    app, clients, site, s3_endpoint, bucket
):
    upload_image(clients["editor"], samples.jpeg(640, 480))
    image = the_image(app)
    article_id = make_article(app, created_by=None, status="published")
    post_article(
        clients["editor"],
        f"/admin/articles/{article_id}",
        article_fields(site["category"]),
        files={"attachment_files": [(io.BytesIO(PDF), "Kế hoạch.pdf")]},
    )
    with app.app_context(), unit_of_work(Actor.system("test")):
        store_plugin_file("documents", io.BytesIO(PDF), "van-ban.pdf")
    before = local_files(app)
    assert len(before) == 4  # the image, its copy, the attachment, the plugin's file

    first = migrate(app)
    assert first.exit_code == 0, first.output
    assert "Đang chép" in first.stderr  # the progress bar
    assert "4 tệp đã chép" in first.stdout and "0 đã có sẵn, 0 lỗi" in first.stdout
    assert objects(s3_endpoint, bucket) == before
    assert local_files(app) == before  # the source is never changed

    again = migrate(app)
    assert again.exit_code == 0, again.output
    assert "0 tệp đã chép (0 byte), 4 đã có sẵn, 0 lỗi" in again.stdout

    # An interrupted run: one object missing, one of another content (same size too).
    client = s3_client(s3_endpoint)
    missing, changed = sorted(before)[:2]
    client.delete_object(Bucket=bucket, Key=missing)
    client.put_object(Bucket=bucket, Key=changed, Body=bytes(len(before[changed])))
    resumed = migrate(app)
    assert "2 tệp đã chép" in resumed.stdout and "2 đã có sẵn" in resumed.stdout, resumed.output
    assert objects(s3_endpoint, bucket) == before

    app.config["PORTAL_STORAGE_BACKEND"] = "s3"
    served = app.test_client().get(f"/media/{image.stored_name}")
    assert served.status_code == 200
    assert served.data == before[f"media/{image.stored_name}"]
    with app.app_context():
        db.session.remove()


def test_migrate_to_an_unknown_bucket_says_so_and_copies_nothing(app, clients, s3_endpoint):
    upload_image(clients["editor"], samples.jpeg(640, 480))
    result = migrate(app, "--bucket", "no-such-bucket")
    assert result.exit_code == 1
    assert "2 lỗi" in result.stdout
    assert "NoSuchBucket" in result.stderr
    assert "chạy lại lệnh" in result.stderr


def test_migrate_needs_a_place_to_copy_to(app):
    result = app.test_cli_runner().invoke(
        args=["portal", "storage", "migrate", "--to", "local"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "đều là local" in result.stderr


def test_the_storage_command_says_what_is_configured(app, bucket):
    result = app.test_cli_runner().invoke(args=["portal", "storage"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "nơi lưu: local; phục vụ: portal" in result.stdout
    assert f"media: {Path(app.instance_path) / 'media'}" in result.stdout
    app.config["PORTAL_STORAGE_BACKEND"] = "s3"
    result = app.test_cli_runner().invoke(args=["portal", "storage"], catch_exceptions=False)
    assert f"attachments: s3://{bucket}/attachments/" in result.stdout
