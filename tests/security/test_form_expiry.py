"""Form tokens expire (PORTAL_CSRF_TIME_LIMIT_SECONDS), and nothing an editor typed is lost to it.

Tokens are made the way Flask-WTF makes them, with the signing time moved
back (no sleeping): the article editor and the block settings form come back
with everything typed, a clear message and a fresh token; nothing is saved;
posting again with the fresh token saves. Other forms keep the generic 400.
"""

from __future__ import annotations

import io
import time

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user, text_of
from articles.conftest import article_fields, form_of, load, make_article
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Placement
from portal.testing import sample_content

from .state import site_state

HOUR = 3600
EXPIRED_TEXT = "Biểu mẫu đã hết hạn (trang được mở quá lâu) nên chưa có gì được lưu."


def token_signed_ago(app, client, seconds: int) -> str:
    """A CSRF token for this client's session as Flask-WTF would have made it ``seconds`` ago."""
    assert client.get("/admin/").status_code == 200  # the session gets its raw token
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    then = int(time.time()) - seconds

    class SignedThen(TimestampSigner):
        def get_timestamp(self) -> int:
            return then

    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=SignedThen).dumps(raw)


@pytest.fixture
def site(app):
    with app.app_context():
        created = sample_content()
        page = created["article_page"]
        note = Placement(page_id=page.id, region="main", position=9, block_name="rich_text",
                         settings={"title": "Giờ tiếp dân", "html": "<p>Thứ Hai.</p>"})  # fmt: skip
        db.session.add(note)
        db.session.commit()
        return {
            "category": created["category"].id,
            "page": page.id,
            "note": f"p{note.id}",
        }


@pytest.fixture
def editor(app):
    return client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))


@pytest.fixture
def admin(app):
    return client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))


def test_tokens_have_a_lifetime(app):
    assert app.config["PORTAL_CSRF_TIME_LIMIT_SECONDS"] == 8 * HOUR
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 8 * HOUR


def test_a_token_younger_than_the_lifetime_is_accepted(app, site, editor):
    token = token_signed_ago(app, editor, 7 * HOUR)
    response = editor.post(
        "/admin/articles/new",
        data={"csrf_token": token, **article_fields(site["category"], title="Kịp giờ")},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Article.title).where(Article.title == "Kịp giờ"))


def test_an_expired_new_article_comes_back_as_typed(app, site, editor):
    before = site_state(app)
    fields = article_fields(
        site["category"],
        title="Tin dài viết cả buổi chiều",
        lead="Sapo gõ tay <b>không được mất</b>.",
        body="<p>Đoạn một.</p><p>Đoạn hai &amp; ba.</p>",
        tags="Hội nghị, Chợ Mới",
        author="Nguyễn Văn Bình",
        publish_date="02/09/2024",
        publish_time="08:30",
    )

    response = editor.post(
        "/admin/articles/new",
        data={"csrf_token": token_signed_ago(app, editor, 9 * HOUR), **fields},
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert EXPIRED_TEXT in text
    assert "Nội dung bạn nhập vẫn còn nguyên bên dưới: hãy bấm “Lưu” lần nữa." in text
    assert 'value="Tin dài viết cả buổi chiều"' in html
    assert "Sapo gõ tay &lt;b&gt;không được mất&lt;/b&gt;." in html
    assert "&lt;p&gt;Đoạn một.&lt;/p&gt;&lt;p&gt;Đoạn hai &amp;amp; ba.&lt;/p&gt;" in html
    for typed in ("Hội nghị, Chợ Mới", "Nguyễn Văn Bình", "02/09/2024", "08:30"):
        assert f'value="{typed}"' in html
    assert "chưa được tải lên" not in text  # no files were chosen
    assert site_state(app) == before

    # The page carries a fresh token: pressing Save again saves what was typed.
    again = editor.post("/admin/articles/new", data={"csrf_token": csrf_of(html), **fields})
    assert again.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(Article).where(Article.title == fields["title"]))
        assert saved.author == "Nguyễn Văn Bình"


def test_an_expired_edit_keeps_the_text_and_says_files_must_be_chosen_again(app, site, editor):
    article_id = make_article(app, created_by=None, status="draft", title="Bản cũ")
    url = f"/admin/articles/{article_id}"
    _token, version = form_of(editor, url)
    before = site_state(app)
    fields = article_fields(site["category"], title="Bản mới gõ", body="<p>Thân bài mới.</p>")

    response = editor.post(
        url,
        data={
            "csrf_token": token_signed_ago(app, editor, 30 * HOUR),
            "version": version,
            "attachment_files": [(io.BytesIO(b"%PDF-1.4\n"), "bien-ban.pdf")],
            **fields,
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert EXPIRED_TEXT in text_of(html)
    assert "bạn chọn chưa được tải lên : hãy chọn lại trước khi lưu." in text_of(html)
    assert 'value="Bản mới gõ"' in html
    assert "Thân bài mới." in html
    assert f'name="version" value="{version}"' in html
    assert site_state(app) == before
    assert load(app, article_id).title == "Bản cũ"


def test_an_expired_form_still_checks_who_may_edit(app, site):
    author = client_signed_in_as(app, make_user(app, "tacgia@example.org", "author"))
    other = make_user(app, "tacgia2@example.org", "author")
    article_id = make_article(app, created_by=other, status="draft", title="Của người khác")

    response = author.post(
        f"/admin/articles/{article_id}",
        data={
            "csrf_token": token_signed_ago(app, author, 9 * HOUR),
            **article_fields(site["category"], title="Lẻn vào"),
        },
    )

    assert response.status_code == 403
    assert "Lẻn vào" not in response.get_data(as_text=True)


def test_an_expired_block_settings_form_comes_back_as_typed(app, site, admin):
    base = f"/admin/pages/{site['page']}"
    html = admin.get(f"{base}/blocks/{site['note']}").get_data(as_text=True)
    version = html.split('name="version" value="')[1].split('"')[0]
    before = site_state(app)
    typed = {"title": "Lịch tiếp công dân", "html": "<p>Sáng thứ Năm hằng tuần.</p>"}

    response = admin.post(
        f"{base}/blocks/{site['note']}",
        data={"csrf_token": token_signed_ago(app, admin, 9 * HOUR), "version": version, **typed},
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert EXPIRED_TEXT in text
    assert "hãy bấm “Lưu vào bản nháp” lần nữa." in text
    assert 'value="Lịch tiếp công dân"' in html
    assert "Sáng thứ Năm hằng tuần." in html
    assert site_state(app) == before

    again = admin.post(
        f"{base}/blocks/{site['note']}",
        data={"csrf_token": csrf_of(html), "version": version, **typed},
    )
    assert again.status_code == 302


def test_an_expired_new_block_comes_back_as_typed(app, site, admin):
    base = f"/admin/pages/{site['page']}"
    html = admin.get(f"{base}/add/rich_text?region=main").get_data(as_text=True)
    version = html.split('name="version" value="')[1].split('"')[0]
    before = site_state(app)

    response = admin.post(
        f"{base}/add/rich_text",
        data={
            "csrf_token": token_signed_ago(app, admin, 9 * HOUR),
            "version": version,
            "region": "main",
            "title": "Thông báo nghỉ lễ",
            "html": "<p>Nghỉ từ ngày 30/4.</p>",
        },
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "hãy bấm “Thêm vào bản nháp” lần nữa." in text_of(html)
    assert 'value="Thông báo nghỉ lễ"' in html
    assert "Nghỉ từ ngày 30/4." in html
    assert site_state(app) == before


def test_other_forms_with_an_expired_token_get_the_plain_refusal(app, site, admin):
    before = site_state(app)
    response = admin.post(
        f"/admin/pages/{site['page']}/publish",
        data={"csrf_token": token_signed_ago(app, admin, 9 * HOUR)},
    )
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ, nên không có gì được lưu." in text_of(
        response.get_data(as_text=True)
    )
    assert site_state(app) == before


@pytest.mark.parametrize("app_config", [{"PORTAL_CSRF_TIME_LIMIT_SECONDS": 0}])
def test_a_lifetime_of_zero_means_tokens_never_expire(app, site, editor):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    response = editor.post(
        "/admin/articles/new",
        data={
            "csrf_token": token_signed_ago(app, editor, 400 * 24 * HOUR),
            **article_fields(site["category"], title="Không hết hạn"),
        },
    )
    assert response.status_code == 302
