"""Autosave: what an editor typed is kept on the server (never a revision, never the saved
article), offered back when the form opens again, cleared by a real save, and a text
typed against an older version still meets the edit-conflict check. Also the image-swap
rule: a new main image is not saved with the old image's alt text and caption."""

from __future__ import annotations

import json
import re

from admin.admin_helpers import csrf_of, field_errors, text_of
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Autosave, MediaImage

from .conftest import article_fields, load, make_article, post_article, revisions


def autosave(client, key: str, fields: dict, *, base_version="", token=None, url="/admin/"):
    token = token or csrf_of(client.get(url).get_data(as_text=True))
    return client.post(
        "/admin/autosave",
        data=json.dumps({"key": key, "base_version": str(base_version), "fields": fields}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


def stored(app) -> list[tuple[int, str, str, dict]]:
    with app.app_context():
        return [
            (row.user_id, row.form_key, row.base_version, row.fields)
            for row in db.session.scalars(select(Autosave).order_by(Autosave.id))
        ]


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def offered(html: str) -> dict | None:
    found = re.search(r'<script type="application/json" id="autosave-data">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


def test_typing_is_kept_without_touching_the_article_and_offered_back(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], title="Bản đã lưu")
    url = f"/admin/articles/{article_id}"
    version = load(app, article_id).version
    audited = audit_count(app)

    response = autosave(
        clients["author"],
        f"article:{article_id}",
        {"title": "Bản đang gõ", "body": "<p>Đoạn mới</p>", "csrf_token": "x", "version": "9"},
        base_version=version,
        url=url,
    )

    assert response.status_code == 200 and response.json["ok"] and not response.json["stale"]
    assert load(app, article_id).title == "Bản đã lưu"
    assert revisions(app, article_id) == [] and audit_count(app) == audited
    [(user_id, key, base, fields)] = stored(app)
    assert (user_id, key, base) == (users["author"], f"article:{article_id}", str(version))
    assert fields == {"title": "Bản đang gõ", "body": "<p>Đoạn mới</p>"}  # no token, no version
    # Typing again replaces it (one record per account and form).
    autosave(clients["author"], f"article:{article_id}", {"title": "Gõ tiếp"}, url=url)
    assert [row[3] for row in stored(app)] == [{"title": "Gõ tiếp"}]

    html = clients["author"].get(url).get_data(as_text=True)
    assert offered(html)["fields"] == {"title": "Gõ tiếp"}
    assert "Khôi phục bản tự lưu" in html and "Bỏ bản tự lưu" in html
    # Another account has its own autosaves: none here.
    assert offered(clients["editor"].get(url).get_data(as_text=True)) is None


def test_saving_the_form_clears_the_autosave_and_discarding_removes_it(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"])
    url = f"/admin/articles/{article_id}"
    autosave(clients["author"], f"article:{article_id}", {"title": "Gõ dở"}, url=url)
    autosave(clients["author"], "article:new", {"title": "Bài mới gõ dở"}, url=url)

    post_article(clients["author"], url, article_fields(site["category"], title="Đã lưu hẳn"))

    assert [row[1] for row in stored(app)] == ["article:new"]
    assert offered(clients["author"].get(url).get_data(as_text=True)) is None
    assert offered(clients["author"].get("/admin/articles/new").get_data(as_text=True)) == {
        "fields": {"title": "Bài mới gõ dở"},
        "base_version": "",
        "updated_at": stored_time(app),
        "stale": False,
    }
    token = csrf_of(clients["author"].get(url).get_data(as_text=True))
    discarded = clients["author"].post(
        "/admin/autosave/discard",
        data=json.dumps({"key": "article:new"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert discarded.status_code == 200 and discarded.json["removed"] is True
    assert stored(app) == []


def stored_time(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Autosave.updated_at)).isoformat(timespec="seconds")


def test_only_who_may_save_the_form_may_autosave_it_and_only_with_the_token(
    app, site, users, clients
):
    article_id = make_article(app, created_by=users["author"])
    published_id = make_article(app, created_by=users["author"], status="published")
    key = f"article:{article_id}"

    assert autosave(clients["other_author"], key, {"title": "x"}).status_code == 403
    # An author cannot edit a published article, so cannot autosave it either.
    assert autosave(clients["author"], f"article:{published_id}", {"title": "x"}).status_code == 403
    # Page forms are the site admins'.
    assert autosave(clients["editor"], "page:1:properties", {"title": "x"}).status_code == 403
    assert autosave(clients["author"], "article:999999", {"title": "x"}).status_code == 404
    assert autosave(clients["author"], "tùy:ý", {"title": "x"}).status_code == 400
    assert autosave(clients["author"], key, ["not", "a", "dict"]).status_code == 400
    no_token = clients["author"].post(
        "/admin/autosave",
        data=json.dumps({"key": key, "fields": {"title": "x"}}),
        content_type="application/json",
    )
    assert no_token.status_code == 400
    signed_out = app.test_client().post(
        "/admin/autosave",
        data=json.dumps({"key": key, "fields": {}}),
        content_type="application/json",
    )
    assert signed_out.status_code in (302, 400)
    assert stored(app) == []


def test_an_autosave_typed_against_an_older_version_still_meets_the_conflict_check(
    app, site, users, clients
):
    article_id = make_article(app, created_by=users["author"], title="Bản một")
    url = f"/admin/articles/{article_id}"
    old_version = load(app, article_id).version
    autosave(clients["author"], f"article:{article_id}", {"title": "Gõ trên bản một"},
             base_version=old_version, url=url)  # fmt: skip
    # Meanwhile an editor saves the article.
    post_article(clients["editor"], url, article_fields(site["category"], title="Bản biên tập"))

    answer = autosave(clients["author"], f"article:{article_id}", {"title": "Gõ tiếp"},
                      base_version=old_version, url=url)  # fmt: skip
    assert answer.status_code == 200 and answer.json["stale"] is True
    assert "khác biệt" in answer.json["message"]
    html = clients["author"].get(url).get_data(as_text=True)
    offer = offered(html)
    assert offer["stale"] is True and offer["base_version"] == str(old_version)
    assert "Bản đã lưu đã thay đổi sau khi bạn gõ bản tự lưu này" in text_of(html)

    # Restoring puts the autosave's version in the form: saving it shows the conflict.
    response = post_article(
        clients["author"], url, article_fields(site["category"], title="Gõ tiếp"),
        version=str(old_version),
    )  # fmt: skip
    assert response.status_code == 409
    assert load(app, article_id).title == "Bản biên tập"
    assert 'value="Gõ tiếp"' in response.get_data(as_text=True)
    assert len(stored(app)) == 1  # the typing is still kept


def test_the_page_forms_autosave_for_site_admins(app, site, users, clients):
    with app.app_context():
        page_id = site["article_page"]
    key = f"page:{page_id}:properties"
    assert autosave(clients["admin"], key, {"title": "Trang đổi tên"}).status_code == 200
    html = clients["admin"].get(f"/admin/pages/{page_id}/properties").get_data(as_text=True)
    assert offered(html)["fields"] == {"title": "Trang đổi tên"}
    assert f'data-autosave-key="{key}"' in html
    assert autosave(clients["admin"], "page:0:new", {"title": "Trang mới"}).status_code == 200
    assert autosave(clients["admin"], f"page:{page_id}:block:p1", {"text": "x"}).status_code == 200


# -- swapping the main image -----------------------------------------------------------------------


def library_images(app, count: int) -> list[int]:
    with app.app_context():
        images = [
            MediaImage(
                stored_name=f"uploads/aa/{n:024x}.jpg",
                mime_type="image/jpeg",
                width=800,
                height=600,
                size=1000,
                alt=f"Ảnh thư viện {n}",
            )  # fmt: skip
            for n in range(count)
        ]
        db.session.add_all(images)
        db.session.commit()
        return [image.id for image in images]


def test_a_new_main_image_with_the_old_images_texts_is_refused_and_nothing_is_lost(
    app, site, users, clients
):
    first, second = library_images(app, 2)
    article_id = make_article(app, created_by=users["author"])
    url = f"/admin/articles/{article_id}"
    post_article(clients["author"], url, article_fields(
        site["category"], image_id=str(first), image_alt="Cầu treo qua sông",
        image_caption="Cầu treo mới khánh thành."))  # fmt: skip
    assert load(app, article_id).image_id == first

    swapped = post_article(clients["author"], url, article_fields(
        site["category"], title="Tiêu đề mới gõ", image_id=str(second),
        image_alt="Cầu treo qua sông", image_caption="Cầu treo mới khánh thành."))  # fmt: skip

    assert swapped.status_code == 422
    html = swapped.get_data(as_text=True)
    assert "mô tả (alt) vẫn là của ảnh cũ" in " ".join(field_errors(html, "image_alt"))
    assert 'value="Tiêu đề mới gõ"' in html  # what was typed is still there
    article = load(app, article_id)
    assert (article.image_id, article.title) == (first, "Khai mạc Lễ hội Lồng Tồng năm 2024")

    # A new alt text, the old caption: the caption is asked for.
    caption_kept = post_article(clients["author"], url, article_fields(
        site["category"], image_id=str(second), image_alt="Chợ phiên",
        image_caption="Cầu treo mới khánh thành."))  # fmt: skip
    assert caption_kept.status_code == 422
    assert field_errors(caption_kept.get_data(as_text=True), "image_caption")

    # New texts for the new image: saved.
    done = post_article(clients["author"], url, article_fields(
        site["category"], image_id=str(second), image_alt="Chợ phiên", image_caption=""))  # fmt: skip
    assert done.status_code == 302
    assert (load(app, article_id).image_id, load(app, article_id).image_alt) == (
        second,
        "Chợ phiên",
    )


def test_the_old_texts_may_be_kept_on_purpose_and_the_same_image_keeps_them(
    app, site, users, clients
):
    first, second = library_images(app, 2)
    article_id = make_article(app, created_by=users["author"])
    url = f"/admin/articles/{article_id}"
    fields = {"image_alt": "Toàn cảnh hồ Ba Bể", "image_caption": "Ảnh: Hoàng Anh"}
    post_article(
        clients["author"], url, article_fields(site["category"], image_id=str(first), **fields)
    )
    html = clients["author"].get(url).get_data(as_text=True)
    assert 'data-saved-alt="Toàn cảnh hồ Ba Bể"' in html and 'name="image_texts_kept"' in html

    same = post_article(clients["author"], url, article_fields(
        site["category"], title="Sửa tiêu đề", image_id=str(first), **fields))  # fmt: skip
    assert same.status_code == 302
    kept = post_article(clients["author"], url, article_fields(
        site["category"], image_id=str(second), image_texts_kept="1", **fields))  # fmt: skip
    assert kept.status_code == 302
    assert load(app, article_id).image_id == second
