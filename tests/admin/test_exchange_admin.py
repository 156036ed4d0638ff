"""Xuất / nhập dữ liệu in the admin: export, site import (checked, then confirmed), feeds.

The jobs run in a thread of the app, as under gunicorn; the tests wait for the
threads (``wait_for_jobs``) instead of timing anything. The database is a file
(or PostgreSQL), since a background thread needs a connection of its own.
"""

from __future__ import annotations

import re
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.content import exchange_jobs
from portal.extensions import db
from portal.models import Article, AuditEntry, Category, ExchangeJob
from portal.testing import make_app, sample_content

from .admin_helpers import client_signed_in_as, csrf_of, make_user

FEEDS = Path(__file__).resolve().parents[1] / "content_io" / "data"
RSS = FEEDS / "tin-tuc.rss"


@pytest.fixture
def app(database_url, app_plugins, tmp_path):
    app = make_app(
        database_url=database_url or f"sqlite:///{tmp_path / 'site.db'}",
        plugins=app_plugins,
        instance_path=str(tmp_path / "instance"),
    )
    yield app
    exchange_jobs.wait_for_jobs()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def site(app):
    with app.app_context():
        sample_content()
        db.session.add(Category(name="Du lịch", slug="du-lich", position=5))
        db.session.commit()


def post(client, url, data=None, **kwargs):
    token = csrf_of(client.get("/admin/exchange").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def job_page(client, response) -> tuple[int, str]:
    """Follow the redirect to a job's page once its thread has finished."""
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(re.search(r"/exchange/jobs/(\d+)$", response.headers["Location"]).group(1))
    exchange_jobs.wait_for_jobs()
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return job_id, page.get_data(as_text=True)


def export_archive(client) -> bytes:
    job_id, html = job_page(client, post(client, "/admin/exchange/export"))
    assert "Đã xuất" in html and 'id="tai-ve"' in html
    download = client.get(f"/admin/exchange/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    return download.data


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_export_round_trip_through_import_site(app, site, admin_client, tmp_path):
    data = export_archive(admin_client)

    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert "content.json" in archive.namelist()
    archive_path = tmp_path / "site.zip"
    archive_path.write_bytes(data)
    other = make_app(instance_path=str(tmp_path / "other"))
    result = other.test_cli_runner().invoke(args=["portal", "import-site", str(archive_path)])
    assert result.exit_code == 0, result.output
    with other.app_context():
        titles = list(db.session.scalars(select(Article.title)))
    assert titles == ["Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "site.export"))
        assert entry is not None and "Quản Trị Một" in entry.user_name


def test_the_status_answers_for_the_script(app, site, admin_client):
    job_id, _html = job_page(admin_client, post(admin_client, "/admin/exchange/export"))
    state = admin_client.get(f"/admin/exchange/jobs/{job_id}/status").get_json()
    assert state["status"] == "done" and state["working"] is False and state["percent"] == 100


def upload_archive(client, data: bytes, mode: str, name: str = "site.zip"):
    return post(
        client,
        "/admin/exchange/import",
        {"mode": mode, "archive": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_site_import_is_checked_then_merged(app, site, admin_client):
    data = export_archive(admin_client)
    with app.app_context():  # a change the archive does not have: kept by the merge
        db.session.add(Category(name="Kinh tế", slug="kinh-te"))
        db.session.commit()
    articles = count(app, Article)

    job_id, html = job_page(admin_client, upload_archive(admin_client, data, "merge"))

    assert "Báo cáo kiểm tra" in html and "Chờ xác nhận" in html
    assert "Site đã có, giữ nguyên như site đang có" in html
    assert "1 bài viết" in html
    assert count(app, Article) == articles  # the check changed nothing

    confirm = post(admin_client, f"/admin/exchange/jobs/{job_id}/confirm")
    _same, html = job_page(admin_client, confirm)
    assert "Kết quả" in html and "Đã nhập: không thêm gì" in html
    assert count(app, Article) == articles
    assert count(app, Category) == 3
    with app.app_context():
        job = db.session.get(ExchangeJob, job_id)
        assert job.status == "done" and job.active_slot is None and job.file_path == ""
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "site.import"))


def test_replace_into_a_site_with_content_is_refused_at_once(app, site, admin_client):
    data = export_archive(admin_client)

    response = upload_archive(admin_client, data, "replace")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Site này đã có nội dung" in html and "Gộp vào nội dung có sẵn" in html
    assert count(app, ExchangeJob) == 1  # the export only
    uploads = Path(app.instance_path, "exchange", "uploads")
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_bad_archive_is_refused_and_changes_nothing(app, site, admin_client):
    articles, categories = count(app, Article), count(app, Category)

    _job_id, html = job_page(admin_client, upload_archive(admin_client, b"not a zip", "merge"))

    assert "Không thực hiện được" in html and "không phải tệp .zip" in html
    assert count(app, Article) == articles and count(app, Category) == categories
    uploads = Path(app.instance_path, "exchange", "uploads")
    assert not any(uploads.iterdir())  # the upload went with its job


def test_an_archive_over_the_limit_is_refused_before_anything(app, site, admin_client):
    app.config["PORTAL_MAX_IMPORT_BYTES"] = 100
    response = upload_archive(admin_client, b"x" * 101, "merge")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "PORTAL_MAX_IMPORT_BYTES" in html and "không có gì được nhập" in html
    assert count(app, ExchangeJob) == 0


def test_a_second_import_is_refused_while_one_waits(app, site, admin_client, second_admin_client):
    data = export_archive(admin_client)
    job_id, _html = job_page(admin_client, upload_archive(admin_client, data, "merge"))

    refused = upload_archive(second_admin_client, data, "merge")
    feed = post(
        second_admin_client,
        "/admin/exchange/feed",
        {"category": "du-lich", "feed_file": (BytesIO(RSS.read_bytes()), "tin-tuc.rss")},
        content_type="multipart/form-data",
    )

    for response in (refused, feed):
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert "Một lần nhập dữ liệu khác đang chạy" in html and f"#{job_id}" in html
    assert count(app, ExchangeJob) == 2  # the export and the waiting import
    # Cancelled, it gives its place up.
    cancel = post(admin_client, f"/admin/exchange/jobs/{job_id}/cancel")
    assert cancel.status_code == 302
    _id, html = job_page(second_admin_client, upload_archive(second_admin_client, data, "merge"))
    assert "Chờ xác nhận" in html


def test_only_one_slot_even_for_two_workers_at_once(app, site):
    """The unique slot refuses a second claim made by another connection."""
    with app.app_context():
        db.session.add(ExchangeJob(kind="feed-import", status="running", active_slot="import"))
        db.session.commit()
        with pytest.raises(exchange_jobs.JobBusy):
            exchange_jobs._claim(
                exchange_jobs.SITE_IMPORT, exchange_jobs.Actor.system("x"), status="checking"
            )


def test_feed_import_from_an_uploaded_file(app, site, admin_client):
    response = post(
        admin_client,
        "/admin/exchange/feed",
        {"category": "du-lich", "feed_file": (BytesIO(RSS.read_bytes()), "tin-tuc.rss")},
        content_type="multipart/form-data",
    )
    _id, html = job_page(admin_client, response)

    assert (
        "5 mục trong nguồn tin: 2 bài viết mới, 0 bài cập nhật, 0 bài không đổi, 3 mục bỏ qua"
        in html
    )
    assert "Mục bị bỏ qua" in html
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Article).where(Article.external_id.like("feed:%"))
            )
            == 2
        )
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert "tin-tuc.rss" in entry.user_name


@pytest.fixture
def feed_server():
    handler = partial(SimpleHTTPRequestHandler, directory=str(FEEDS))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_feed_import_from_an_address(app, site, admin_client, feed_server):
    url = f"{feed_server}/thong-bao.atom"
    _id, html = job_page(
        admin_client,
        post(admin_client, "/admin/exchange/feed", {"category": "du-lich", "url": url}),
    )
    assert "bài viết mới" in html and "Xong" in html
    # Again: nothing new.
    _id, html = job_page(
        admin_client,
        post(admin_client, "/admin/exchange/feed", {"category": "du-lich", "url": url}),
    )
    assert " 0 bài viết mới" in html


def test_feed_mistakes_are_explained_and_change_nothing(app, site, admin_client):
    articles = count(app, Article)
    cases = [
        ({"category": "", "url": "https://example.org/rss"}, "Hãy chọn chuyên mục"),
        ({"category": "du-lich"}, "Hãy nhập địa chỉ của nguồn tin"),
        ({"category": "du-lich", "url": "ftp://example.org/rss"}, "http:// hoặc https://"),
    ]
    for data, message in cases:
        response = post(admin_client, "/admin/exchange/feed", data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    # A file that is no feed: the job fails, with the reason.
    response = post(
        admin_client,
        "/admin/exchange/feed",
        {"category": "du-lich", "feed_file": (BytesIO(b"<html>no</html>"), "x.xml")},
        content_type="multipart/form-data",
    )
    _id, html = job_page(admin_client, response)
    assert "Không thực hiện được" in html and "Không có gì được nhập" in html
    assert count(app, Article) == articles


def test_editors_and_authors_are_refused(app, site, editor_role_client, author_client):
    for client in (editor_role_client, author_client):
        assert client.get("/admin/exchange").status_code == 403
        token = csrf_of(client.get("/admin/").get_data(as_text=True))
        assert client.post("/admin/exchange/export", data={"csrf_token": token}).status_code == 403
    assert count(app, ExchangeJob) == 0


def test_posts_without_a_csrf_token_are_refused(app, site, admin_client):
    assert admin_client.post("/admin/exchange/export").status_code == 400
    assert (
        admin_client.post("/admin/exchange/feed", data={"category": "du-lich"}).status_code == 400
    )
    assert count(app, ExchangeJob) == 0


def test_the_menu_offers_the_screen_to_admins_only(app, site, admin_client, editor_role_client):
    assert "Xuất / nhập dữ liệu" in admin_client.get("/admin/").get_data(as_text=True)
    assert "Xuất / nhập dữ liệu" not in editor_role_client.get("/admin/").get_data(as_text=True)


def test_an_abandoned_job_gives_its_slot_up(app, site, admin_client):
    from datetime import timedelta

    from portal.models import utcnow

    with app.app_context():
        old = utcnow() - exchange_jobs.STALE_AFTER - timedelta(minutes=1)
        db.session.add(
            ExchangeJob(kind="feed-import", status="running", active_slot="import", updated_at=old)
        )
        db.session.commit()
    response = post(
        admin_client,
        "/admin/exchange/feed",
        {"category": "du-lich", "feed_file": (BytesIO(RSS.read_bytes()), "tin-tuc.rss")},
        content_type="multipart/form-data",
    )
    _id, html = job_page(admin_client, response)
    assert "Xong" in html
    with app.app_context():
        first = db.session.get(ExchangeJob, 1)
        assert first.status == "failed" and "dừng giữa chừng" in first.error


def test_another_user_id_client_sees_the_same_job(app, site, admin_client, second_admin_client):
    job_id, _html = job_page(admin_client, post(admin_client, "/admin/exchange/export"))
    page = second_admin_client.get(f"/admin/exchange/jobs/{job_id}").get_data(as_text=True)
    assert 'id="tai-ve"' in page


def test_unknown_job_is_404(app, admin_client):
    assert admin_client.get("/admin/exchange/jobs/99").status_code == 404
    assert admin_client.get("/admin/exchange/jobs/99/download").status_code == 404


def test_make_user_helper_still_works(app):
    assert client_signed_in_as(app, make_user(app, "x@example.org", "admin"))
