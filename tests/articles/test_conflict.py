"""Two people editing one article: the second save from an outdated screen is refused
with who saved in between and when, the text typed is kept in the form, and saving
again (after looking) puts it over the latest version."""

from __future__ import annotations

import io
import re
from pathlib import Path

from admin.admin_helpers import csrf_of, text_of

from portal.extensions import db
from portal.models import Article

from .conftest import article_fields, form_of, load, make_article, png_bytes, revisions


def test_a_stale_save_is_refused_and_the_text_is_kept(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], status="review",
                              body_html="<p>Một hai ba.</p>")  # fmt: skip
    url = f"/admin/articles/{article_id}"
    editor, admin = clients["editor"], clients["admin"]
    editor_token, editor_version = form_of(editor, url)
    admin_token, admin_version = form_of(admin, url)
    assert editor_version == admin_version

    first = admin.post(url, data={"csrf_token": admin_token, "version": admin_version,
                                  **article_fields(site["category"], title="Bản của quản trị",
                                                   body="<p>Một hai ba bốn.</p>")})  # fmt: skip
    assert first.status_code == 302
    saved = load(app, article_id)
    second = editor.post(url, data={"csrf_token": editor_token, "version": editor_version,
                                    **article_fields(site["category"], title="Bản của biên tập",
                                                     body="<p>Một hai <em>năm</em>.</p>")})  # fmt: skip

    assert second.status_code == 409
    html = second.get_data(as_text=True)
    text = text_of(html)
    assert "Chưa lưu." in text
    assert re.search(
        r"Quản Trị đã lưu bài viết này lúc \d\d:\d\d \d\d/\d\d/\d{4}, sau khi bạn mở nó", text
    )
    # The editor's text is still in the form, the link opens the latest in a new tab.
    assert 'value="Bản của biên tập"' in html
    assert "&lt;p&gt;Một hai &lt;em&gt;năm&lt;/em&gt;.&lt;/p&gt;" in html
    assert f'href="{url}" target="_blank" rel="noopener"' in html
    # The difference between the latest and theirs, word by word.
    diff = html.split('class="conflict__diff"')[1].split("</details>")[0]
    assert re.search(r"<del>.*?bốn.*?</del>", diff, re.S)
    assert re.search(r"<ins>.*?năm.*?</ins>", diff, re.S)
    assert re.search(r"<del>.*?quản trị.*?</del>", diff, re.S)
    # Nothing of the refused save was written.
    after = load(app, article_id)
    assert (after.title, after.version, after.body_html) == (
        "Bản của quản trị", saved.version, saved.body_html
    )  # fmt: skip
    assert len(revisions(app, article_id)) == 1

    # Saving again from the conflict screen (it carries the latest version) overwrites.
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert version == str(saved.version)
    third = editor.post(url, data={"csrf_token": csrf_of(html), "version": version,
                                   **article_fields(site["category"], title="Bản của biên tập",
                                                    body="<p>Một hai <em>năm</em>.</p>")})  # fmt: skip
    assert third.status_code == 302
    assert load(app, article_id).title == "Bản của biên tập"
    assert [r.snapshot["title"] for r in revisions(app, article_id)] == [
        "Bản của quản trị", "Bản của biên tập"
    ]  # fmt: skip


def test_a_conflict_stores_no_upload(app, site, clients):
    article_id = make_article(app, created_by=None)
    url = f"/admin/articles/{article_id}"
    token, version = form_of(clients["editor"], url)
    with app.app_context():
        db.session.get(Article, article_id).lead = "Người khác vừa sửa."
        db.session.commit()

    response = clients["editor"].post(
        url,
        data={"csrf_token": token, "version": version,
              **article_fields(site["category"], image_alt="Ảnh"),
              "image_file": (io.BytesIO(png_bytes()), "anh.png")},
        content_type="multipart/form-data",
    )  # fmt: skip

    assert response.status_code == 409
    assert "chưa được tải lên" in text_of(response.get_data(as_text=True))
    media = Path(app.instance_path) / app.config["PORTAL_MEDIA_DIR"]
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_race_between_check_and_write_is_still_caught(app, site, clients, monkeypatch):
    """Both saves pass the version check; the database's versioned UPDATE refuses the second."""
    from portal.content import articles as workflow

    article_id = make_article(app, created_by=None)
    url = f"/admin/articles/{article_id}"
    token, version = form_of(clients["editor"], url)
    real_check = workflow.check_version

    def someone_saves_right_after_the_check(article, expected):
        real_check(article, expected)
        with db.engine.begin() as connection:  # another worker commits in between
            connection.execute(
                Article.__table__.update()
                .where(Article.id == article_id)
                .values(title="Bản chen ngang", version=Article.version + 1)
            )

    monkeypatch.setattr(workflow, "check_version", someone_saves_right_after_the_check)
    response = clients["editor"].post(
        url, data={"csrf_token": token, "version": version,
                   **article_fields(site["category"], title="Bản của tôi")},
    )  # fmt: skip

    assert response.status_code == 409
    assert 'value="Bản của tôi"' in response.get_data(as_text=True)
    assert load(app, article_id).title == "Bản chen ngang"
    assert revisions(app, article_id) == []
