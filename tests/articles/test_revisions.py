"""Revisions: every save is one; two can be compared word by word; an old one opens in
the form to review, and saving it makes a new revision without changing whether the
article is published."""

from __future__ import annotations

import re

from admin.admin_helpers import csrf_of, text_of

from portal.content.article_diff import Piece, body_text, word_diff

from .conftest import article_fields, load, make_article, post_article, revisions


def write_three_versions(app, site, client, url="/admin/articles/new") -> int:
    response = post_article(client, url, article_fields(
        site["category"], title="Mưa lớn ở Ba Bể", lead="Mưa kéo dài hai ngày.",
        body="<p>Nước hồ dâng cao.</p><p>Chưa có thiệt hại.</p>", tags="Thời tiết"))  # fmt: skip
    article_id = int(response.headers["Location"].rsplit("/", 1)[1])
    url = f"/admin/articles/{article_id}"
    post_article(client, url, article_fields(
        site["category"], title="Mưa lớn ở Ba Bể", lead="Mưa kéo dài ba ngày.",
        body="<p>Nước hồ dâng cao.</p><p>Hai nhà bị tốc mái.</p>", tags="Thời tiết"))  # fmt: skip
    post_article(client, url, article_fields(
        site["category"], title="Mưa lũ ở Ba Bể", lead="Mưa kéo dài ba ngày.",
        body="<p>Nước hồ dâng cao.</p><p>Hai nhà bị tốc mái.</p>", tags="Thời tiết, Lũ"))  # fmt: skip
    return article_id


def test_every_save_is_a_revision(app, site, clients):
    article_id = write_three_versions(app, site, clients["author"])
    rows = revisions(app, article_id)
    assert [r.number for r in rows] == [1, 2, 3]
    assert [r.snapshot["lead"] for r in rows] == [
        "Mưa kéo dài hai ngày.", "Mưa kéo dài ba ngày.", "Mưa kéo dài ba ngày."
    ]  # fmt: skip
    assert rows[2].snapshot["tags"] == ["Lũ", "Thời tiết"]
    assert {r.created_by_name for r in rows} == {"Tác Giả Một"}
    html = clients["author"].get(f"/admin/articles/{article_id}/revisions").get_data(as_text=True)
    text = text_of(html)
    assert "3 hiện tại" in text and "Tác Giả Một" in text


def test_compare_two_revisions(app, site, clients):
    article_id = write_three_versions(app, site, clients["author"])
    response = clients["author"].get(f"/admin/articles/{article_id}/revisions/compare?a=1&b=3")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Phiên bản 1 → 3" in html
    assert re.search(r"<del>.*?lớn.*?</del>", html, re.S)
    assert re.search(r"<ins>.*?lũ.*?</ins>", html, re.S)
    assert re.search(r"<del>.*?hai.*?</del>.*?<ins>.*?ba.*?</ins>", html, re.S)
    assert re.search(r"<del>.*?Chưa có thiệt hại.*?</del>", html, re.S)
    # Fields other than the text: the tags.
    assert re.search(r"Từ khóa</th><td><del>Thời tiết</del></td><td><ins>Lũ, Thời tiết</ins>", html)
    # Default: the latest with the one before.
    default = clients["author"].get(f"/admin/articles/{article_id}/revisions/compare")
    assert "Phiên bản 2 → 3" in default.get_data(as_text=True)
    missing = clients["author"].get(f"/admin/articles/{article_id}/revisions/compare?a=9&b=3")
    assert missing.status_code == 404


def restore(client, app, article_id: int, number: int):
    """Press "Khôi phục" on the revisions screen: the form opens with the revision's fields."""
    page = client.get(f"/admin/articles/{article_id}/revisions").get_data(as_text=True)
    return client.post(
        f"/admin/articles/{article_id}/revisions/{number}/restore",
        data={"csrf_token": csrf_of(page), "version": load(app, article_id).version},
    )


def fields_of_revision(site, app, article_id: int, number: int, **overrides) -> dict:
    """What the form posts when saved as it opened from revision ``number``."""
    snapshot = next(r for r in revisions(app, article_id) if r.number == number).snapshot
    return article_fields(
        site["category"], title=snapshot["title"], lead=snapshot["lead"],
        body=snapshot["body_html"], tags=", ".join(snapshot["tags"]), author=snapshot["author"],
        restored_from=str(number), **overrides,
    )  # fmt: skip


def test_restore_opens_the_revision_in_the_form_and_saving_makes_a_new_revision(app, site, clients):
    article_id = write_three_versions(app, site, clients["author"])

    response = restore(clients["author"], app, article_id, 1)

    # Nothing is saved yet: the form shows revision 1 to review.
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/articles/{article_id}?from_revision=1")
    assert load(app, article_id).title == "Mưa lũ ở Ba Bể"
    assert len(revisions(app, article_id)) == 3
    form = clients["author"].get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Mưa lớn ở Ba Bể"' in form and "Mưa kéo dài hai ngày." in form
    assert "Đang xem lại phiên bản 1" in text_of(form)
    assert 'name="restored_from" value="1"' in form

    saved = post_article(
        clients["author"], f"/admin/articles/{article_id}",
        fields_of_revision(site, app, article_id, 1),
    )  # fmt: skip
    assert saved.status_code == 302
    article = load(app, article_id)
    assert (article.title, article.lead, article.status) == (
        "Mưa lớn ở Ba Bể", "Mưa kéo dài hai ngày.", "draft"
    )  # fmt: skip
    assert [t.name for t in article.tags] == ["Thời tiết"]
    rows = revisions(app, article_id)
    assert [r.number for r in rows] == [1, 2, 3, 4]
    assert rows[3].note == "Khôi phục phiên bản 1"
    assert rows[3].snapshot["body_html"] == rows[0].snapshot["body_html"]


def test_restoring_a_published_article_changes_nothing_for_readers_until_saved(app, site, clients):
    article_id = write_three_versions(app, site, clients["editor"])
    post_article(clients["editor"], f"/admin/articles/{article_id}",
                 article_fields(site["category"], title="Mưa lũ ở Ba Bể", intent="publish"))  # fmt: skip
    published_at = load(app, article_id).published_at
    restore(clients["editor"], app, article_id, 2)
    article = load(app, article_id)
    reader = app.test_client().get(f"/bai-viet/{article_id}-{article.slug}")
    assert "Hai nhà bị tốc mái." not in reader.get_data(as_text=True)

    post_article(clients["editor"], f"/admin/articles/{article_id}",
                 fields_of_revision(site, app, article_id, 2))  # fmt: skip

    article = load(app, article_id)
    assert (article.status, article.published_at, article.title) == (
        "published", published_at, "Mưa lớn ở Ba Bể"
    )  # fmt: skip
    reader = app.test_client().get(f"/bai-viet/{article_id}-{article.slug}")
    assert "Hai nhà bị tốc mái." in reader.get_data(as_text=True)


def test_a_restored_revision_saved_over_a_newer_save_meets_the_conflict_check(app, site, clients):
    article_id = write_three_versions(app, site, clients["author"])
    location = restore(clients["author"], app, article_id, 1).headers["Location"]
    form = clients["author"].get(location).get_data(as_text=True)
    seen = re.search(r'name="version" value="(\d+)"', form).group(1)
    post_article(clients["author"], f"/admin/articles/{article_id}",
                 article_fields(site["category"], title="Lần sửa thứ tư"))  # fmt: skip

    response = post_article(
        clients["author"], f"/admin/articles/{article_id}",
        fields_of_revision(site, app, article_id, 1), version=seen,
    )  # fmt: skip

    assert response.status_code == 409
    assert load(app, article_id).title == "Lần sửa thứ tư"
    assert len(revisions(app, article_id)) == 4
    assert 'value="Mưa lớn ở Ba Bể"' in response.get_data(as_text=True)


def test_authors_cannot_see_or_restore_others_revisions(app, site, users, clients):
    article_id = write_three_versions(app, site, clients["author"])
    other = clients["other_author"]
    assert other.get(f"/admin/articles/{article_id}/revisions").status_code == 403
    assert other.get(f"/admin/articles/{article_id}/revisions/compare").status_code == 403
    token = csrf_of(other.get("/admin/").get_data(as_text=True))
    response = other.post(f"/admin/articles/{article_id}/revisions/1/restore",
                          data={"csrf_token": token, "version": load(app, article_id).version})  # fmt: skip
    assert response.status_code == 403
    assert len(revisions(app, article_id)) == 3


def test_an_article_from_an_import_has_no_revisions_yet(app, site, clients):
    article_id = make_article(app, created_by=None)
    html = clients["editor"].get(f"/admin/articles/{article_id}/revisions").get_data(as_text=True)
    assert "chưa có phiên bản nào" in html


# -- the word diff itself -------------------------------------------------------------------


def test_word_diff_marks_words_not_letters():
    pieces = word_diff("Tỉnh đạt nhiều kết quả.", "Tỉnh đã đạt một số kết quả!")
    assert pieces == [
        Piece("same", "Tỉnh"),
        Piece("insert", " đã"),
        Piece("same", " đạt "),
        Piece("delete", "nhiều"),
        Piece("insert", "một số"),
        Piece("same", " kết quả"),
        Piece("delete", "."),
        Piece("insert", "!"),
    ]


def test_word_diff_of_equal_and_empty_texts():
    assert word_diff("Giống nhau", "Giống nhau") == [Piece("same", "Giống nhau")]
    assert word_diff("", "Mới") == [Piece("insert", "Mới")]
    assert word_diff("Cũ", "") == [Piece("delete", "Cũ")]
    assert word_diff("", "") == []


def test_body_text_keeps_paragraphs_apart():
    html = "<h2>Mục</h2><p>Một <b>hai</b><br>ba</p><ul><li>x</li><li>y</li></ul>" \
           "<table><tr><td>a</td><td>b &amp; c</td></tr></table>"  # fmt: skip
    assert body_text(html) == "Mục\nMột hai\nba\nx\ny\na | b & c"
