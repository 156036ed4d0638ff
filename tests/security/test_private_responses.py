"""``Cache-Control: private, no-store`` on everything personal or unpublished; ``Vary: Cookie``.

Walks every admin route (the same walk as tests/admin/test_access.py, as an
admin, signed out, and without a form token), the sign-in page and its
errors, reader pages seen by an editor (a draft at its reader URL, previews,
attachments of unpublished articles) and a page showing a flashed message.
Anonymous readers' public pages keep their headers.
"""

from __future__ import annotations

import io

import admin.test_access as access_walk
import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user
from admin.conftest import _probe_blocks

from portal.content.attachments import download_url, save_attachment
from portal.extensions import db
from portal.models import Article
from portal.testing import sample_content

PRIVATE = "private, no-store"


@pytest.fixture
def app_plugins():
    return [("probe_blocks", _probe_blocks())]


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",")}


def test_every_admin_route_is_private_signed_in_signed_out_and_refused(app):
    world = access_walk.make_world(app)
    admin = client_signed_in_as(app, world["user_ids"]["admin"])
    author = client_signed_in_as(app, world["user_ids"]["author"])
    anonymous = app.test_client()
    problems = []
    walked = 0
    for rule in access_walk.guarded_rules(app):
        url = access_walk.url_for_rule(app, rule, world["values"])
        requests = [("signed out", anonymous.get if "GET" in rule.methods else anonymous.post)]
        if "GET" in rule.methods:
            requests += [("admin", admin.get), ("author", author.get)]
        else:  # a POST without its form token: refused, but still nobody's business
            requests += [("no token", admin.post)]
        for who, send in requests:
            response = send(url)
            walked += 1
            if response.headers.get("Cache-Control") != PRIVATE:
                problems.append(
                    f"{rule.endpoint} {who} ({response.status_code}): "
                    f"{response.headers.get('Cache-Control')!r}"
                )
    assert walked > 100
    assert problems == []


def test_the_sign_in_page_and_its_errors_are_private(app):
    client = app.test_client()
    page = client.get("/dang-nhap")
    wrong = client.post(
        "/dang-nhap",
        data={"email": "ai@example.org", "password": "sai-mat-khau-1", "csrf_token": csrf_of(page.get_data(as_text=True))},
    )  # fmt: skip
    no_token = client.post("/dang-nhap", data={"email": "ai@example.org", "password": "x"})
    assert (page.status_code, wrong.status_code, no_token.status_code) == (200, 422, 400)
    for response in (page, wrong, no_token):
        assert response.headers["Cache-Control"] == PRIVATE
        assert "cookie" in vary(response)


@pytest.fixture
def site(app):
    with app.app_context():
        created = sample_content()
        draft = Article(title="Bản nháp chưa đăng", slug="ban-nhap-chua-dang", status="draft",
                        category_id=created["category"].id, body_html="<p>Chưa công bố.</p>")  # fmt: skip
        db.session.add(draft)
        db.session.flush()
        attachment = save_attachment(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ke-hoach.pdf", draft)
        db.session.commit()
        with app.test_request_context():
            download = download_url(attachment)
        return {
            "article": f"/bai-viet/{created['article'].id}-{created['article'].slug}",
            "draft": f"/bai-viet/{draft.id}-{draft.slug}",
            "draft_id": draft.id,
            "page": created["article_page"].id,
            "download": download,
        }


def test_anonymous_readers_keep_their_headers(app, site):
    client = app.test_client()
    for url in ("/", site["article"]):
        response = client.get(url)
        assert response.status_code == 200
        assert "private" not in response.headers.get("Cache-Control", "")
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert "cookie" in vary(response)  # the same URL answers differently signed in
    assert client.get(site["draft"]).status_code == 404
    assert client.get(site["download"]).status_code == 404


def test_reader_pages_seen_by_an_editor_are_private(app, site):
    editor = client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))
    draft = editor.get(site["draft"])
    assert draft.status_code == 200 and "Chưa công bố." in draft.get_data(as_text=True)
    for url in ("/", site["article"], site["draft"], site["download"],
                f"/admin/articles/{site['draft_id']}/preview", "/khong-co-trang-nay"):  # fmt: skip
        response = editor.get(url)
        assert response.headers["Cache-Control"] == PRIVATE, url
    admin = client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))
    preview = admin.get(f"/admin/pages/{site['page']}/preview")
    assert preview.status_code == 200
    assert preview.headers["Cache-Control"] == PRIVATE


def test_shared_files_stay_cacheable_for_editors(app, site):
    editor = client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))
    response = editor.get("/static/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_page_showing_a_flashed_message_is_private(app, site):
    editor = client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))
    token = csrf_of(editor.get("/admin/").get_data(as_text=True))
    assert editor.post("/dang-xuat", data={"csrf_token": token}).status_code == 302

    farewell = editor.get("/")  # signed out now, but the page says "Bạn đã đăng xuất."
    assert "Bạn đã đăng xuất." in farewell.get_data(as_text=True)
    assert farewell.headers["Cache-Control"] == PRIVATE
    assert "no-store" not in editor.get("/").headers.get("Cache-Control", "")
