"""The article list: bulk steps with a confirmation, sortable columns, saved filters."""

from __future__ import annotations

import html as html_module
import re
from datetime import UTC, datetime

from admin.admin_helpers import csrf_of, text_of
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Category, OutboxEvent, SavedFilter

from .conftest import load, make_article
from .test_list_and_dashboard import titles


def bulk_post(client, ids, action, *, confirm=False, category_id=None, versions=None, back=""):
    page = client.get("/admin/articles").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "action": action, "ids": [str(i) for i in ids]}
    if back:
        data["back"] = back
    if category_id is not None:
        data["category_id"] = str(category_id)
    if confirm:
        data["confirm"] = "1"
        for article_id, version in (versions or {}).items():
            data[f"version-{article_id}"] = str(version)
    return client.post("/admin/articles/bulk", data=data)


def flashed(client) -> str:
    return text_of(client.get("/admin/articles").get_data(as_text=True))


def test_a_bulk_step_without_confirmation_changes_nothing(app, site, users, clients):
    ids = [
        make_article(app, created_by=users["author"], status="published", title=f"Tin {n}")
        for n in range(3)
    ]
    with app.app_context():
        audits = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    editor = clients["editor"]
    response = bulk_post(editor, ids, "unpublish")
    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    assert "Gỡ khỏi trang web: 3 bài viết?" in page
    assert all(f"Tin {n}" in page for n in range(3))
    assert {load(app, i).status for i in ids} == {"published"}
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == audits
        assert db.session.scalar(select(db.func.count()).select_from(OutboxEvent)) == 0
    # The confirmation form carries what the second post needs.
    form = response.get_data(as_text=True)
    assert 'name="confirm" value="1"' in form
    assert all(f'name="version-{i}"' in form for i in ids)


def test_bulk_unpublish_is_one_batch_of_events(app, site, users, clients):
    ids = [
        make_article(app, created_by=users["author"], status="published", title=f"Tin {n}")
        for n in range(3)
    ]
    editor = clients["editor"]
    versions = {i: load(app, i).version for i in ids}
    response = bulk_post(editor, ids, "unpublish", confirm=True, versions=versions,
                         back="/admin/articles?status=published")  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/articles?status=published"
    assert {load(app, i).status for i in ids} == {"archived"}
    assert "Đã gỡ khỏi trang web 3 bài viết: Tin 0; Tin 1; Tin 2." in flashed(editor)
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.subject_id.in_(ids))))
        assert sorted(r.subject_id for r in rows) == sorted(ids)
        assert {r.action for r in rows} == {"unpublished"}
        # Written by one unit of work and delivered together (one purge of all their tags).
        assert len({r.delivered_at for r in rows}) == 1 and rows[0].delivered_at is not None
        audited = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_id.in_(ids))
        ).all()
        assert sorted(audited) == ["article.unpublish"] * 3


def test_mixed_permissions_are_reported_by_title_and_the_rest_is_done(app, site, users, clients):
    own_draft = make_article(app, created_by=users["author"], title="Nháp của tôi")
    own_review = make_article(app, created_by=users["author"], status="review", title="Chờ duyệt")
    other = make_article(app, created_by=users["other_author"], title="Bài người khác")
    author = clients["author"]
    with app.app_context():
        target = Category(name="Kinh tế", slug="kinh-te")
        db.session.add(target)
        db.session.commit()
        target_id = target.id
    # Authors cannot publish: every article is refused, by title; another's only by number.
    page = text_of(
        bulk_post(author, [own_draft, own_review, other], "publish").get_data(as_text=True)
    )
    assert "“Nháp của tôi”: Bạn không thể “xuất bản”" in page
    assert f"Bài số {other}: không tìm thấy" in page and "Bài người khác" not in page
    response = bulk_post(author, [own_draft, own_review, other], "publish", confirm=True)
    assert response.status_code == 302
    assert {load(app, i).status for i in (own_draft, own_review)} == {"draft", "review"}
    message = flashed(author)
    assert "Không xuất bản 3 bài viết (để nguyên như cũ)" in message
    # Moving: the author's draft may be edited, the article in review may not.
    response = bulk_post(author, [own_draft, own_review], "move", confirm=True,
                         category_id=target_id)  # fmt: skip
    assert load(app, own_draft).category_id == target_id
    assert load(app, own_review).category_id != target_id
    message = flashed(author)
    assert "Đã chuyển sang chuyên mục “Kinh tế” 1 bài viết: Nháp của tôi." in message
    assert "“Chờ duyệt”: Bạn không thể" in message
    # An editor publishes the one in review, and deletes the draft; the published one stays.
    editor = clients["editor"]
    bulk_post(editor, [own_review], "publish", confirm=True)
    response = bulk_post(editor, [own_draft, own_review], "delete", confirm=True)
    assert load(app, own_draft) is None and load(app, own_review).status == "published"
    assert "“Chờ duyệt”: Bạn không thể “xóa”" in flashed(editor)


def test_a_bulk_step_from_an_outdated_screen_skips_the_changed_article(app, site, users, clients):
    first = make_article(app, created_by=users["author"], status="published", title="Một")
    second = make_article(app, created_by=users["author"], status="published", title="Hai")
    editor = clients["editor"]
    versions = {first: load(app, first).version, second: load(app, second).version - 1}
    bulk_post(editor, [first, second], "unpublish", confirm=True, versions=versions)
    assert load(app, first).status == "archived" and load(app, second).status == "published"
    assert "“Hai”: " in flashed(editor)


def test_bulk_refuses_a_missing_step_or_category_clearly(app, site, users, clients):
    draft = make_article(app, created_by=users["editor"], title="Nháp")
    editor = clients["editor"]
    response = bulk_post(editor, [draft], "explode", confirm=True)
    assert response.status_code == 302
    assert "Hãy chọn việc cần làm" in flashed(editor)
    bulk_post(editor, [draft], "move", confirm=True)
    assert "Hãy chọn chuyên mục" in flashed(editor)
    bulk_post(editor, [], "publish", confirm=True)
    assert "Chưa đánh dấu bài viết nào" in flashed(editor)
    assert load(app, draft).status == "draft"


def link(page: str, rel: str) -> str:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page)
    return html_module.unescape(found.group(1)) if found else ""


def test_sorting_by_each_column_keeps_the_filters(app, site, users, clients):
    for number, title in enumerate(["Cà phê", "Bão số 3", "Áo dài", "Đường tàu"]):
        make_article(app, created_by=users["author"], status="published", title=title,
                     published_at=datetime(2024, 1, 1 + number, tzinfo=UTC))  # fmt: skip
    make_article(app, created_by=users["author"], title="Nháp chưa xuất bản")
    editor = clients["editor"]
    page = editor.get("/admin/articles?status=published").get_data(as_text=True)
    title_link = html_module.unescape(
        re.search(r'<a href="([^"]+)" class="sort-link">Tiêu đề', page).group(1)
    )
    assert title_link == "/admin/articles?status=published&sort=title&dir=asc"
    by_title = titles(editor.get(title_link).get_data(as_text=True))
    assert by_title == sorted(by_title) and "Nháp chưa xuất bản" not in by_title
    again = editor.get(title_link).get_data(as_text=True)
    assert 'aria-sort="ascending"' in again
    down = html_module.unescape(
        re.search(r'<a href="([^"]+)" class="sort-link">Tiêu đề', again).group(1)
    )
    assert down.endswith("sort=title&dir=desc")
    assert titles(editor.get(down).get_data(as_text=True)) == list(reversed(by_title))
    published = titles(editor.get("/admin/articles?sort=published").get_data(as_text=True))
    assert published[:4] == ["Đường tàu", "Áo dài", "Bão số 3", "Cà phê"]
    assert "Nháp chưa xuất bản" not in published
    for key in ("status", "category", "author", "updated"):
        for direction in ("asc", "desc"):
            response = editor.get(f"/admin/articles?sort={key}&dir={direction}")
            assert response.status_code == 200 and len(titles(response.get_data(as_text=True))) >= 5
    # Nonsense falls back to the usual order.
    assert editor.get("/admin/articles?sort=drop&dir=x").status_code == 200


def test_category_and_author_sort_by_name_not_by_id(app, site, users, clients):
    """Names in alphabetical order with diacritics folded ("Đời sống" after "Dân tộc"),
    whatever order the categories and accounts were made in."""
    with app.app_context():
        made = {}
        for name, slug in (("Giáo dục", "giao-duc"), ("Đời sống", "doi-song"),
                           ("Dân tộc", "dan-toc"), ("An ninh", "an-ninh")):  # fmt: skip
            category = Category(name=name, slug=slug)
            db.session.add(category)
            db.session.flush()
            made[name] = category.id
        db.session.commit()
    for name, category_id in made.items():
        make_article(app, created_by=users["author"], title=f"Bài {name}", category_id=category_id)
    editor = clients["editor"]
    listed = titles(editor.get("/admin/articles?status=draft&sort=category").get_data(as_text=True))
    assert listed == ["Bài An ninh", "Bài Dân tộc", "Bài Đời sống", "Bài Giáo dục"]
    down = "/admin/articles?status=draft&sort=category&dir=desc"
    assert titles(editor.get(down).get_data(as_text=True)) == list(reversed(listed))

    for key, title in (("other_author", "Bài của Hai"), ("editor", "Bài của Biên Tập Viên")):
        make_article(app, created_by=users[key], title=title, status="review")
    make_article(app, created_by=users["author"], title="Bài của Một", status="review")
    by_author = editor.get("/admin/articles?status=review&sort=author").get_data(as_text=True)
    # Biên Tập Viên, Tác Giả Hai, Tác Giả Một: made as Một, Hai, Biên Tập Viên.
    assert titles(by_author) == ["Bài của Biên Tập Viên", "Bài của Hai", "Bài của Một"]


def test_sort_and_filter_are_kept_across_pages_past_the_count_cap(app, site, users, clients,
                                                                 monkeypatch):  # fmt: skip
    from portal.content import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 40)
    for number in range(45):
        make_article(app, created_by=users["author"], title=f"Bài {number:02d}")
    make_article(app, created_by=users["author"], status="review", title="Bài chờ")
    editor = clients["editor"]
    seen = []
    url = "/admin/articles?status=draft&sort=title&dir=asc"
    for _ in range(5):
        page = editor.get(url).get_data(as_text=True)
        seen += titles(page)
        url = link(page, "next")
        if not url:
            break
        assert "status=draft" in url and "sort=title" in url and "dir=asc" in url
        assert "sau=" in url  # seeking on (title, id), not an offset
    assert seen == [f"Bài {n:02d}" for n in range(45)]
    # Back from the second page, and the last page.
    first = editor.get("/admin/articles?status=draft&sort=title&dir=asc").get_data(as_text=True)
    second = editor.get(link(first, "next")).get_data(as_text=True)
    assert titles(editor.get(link(second, "prev")).get_data(as_text=True)) == titles(first)
    last = editor.get(link(first, "last")).get_data(as_text=True)
    assert titles(last)[-1] == "Bài 44"
    # A column that may be empty pages by number, keeping the sort.
    by_author = editor.get("/admin/articles?status=draft&sort=author").get_data(as_text=True)
    second_by_author = link(by_author, "next")
    assert "page=2" in second_by_author and "sort=author" in second_by_author
    assert "sau=" not in second_by_author
    # Numbered pages go as deep as COUNT_CAP rows; the last page is still reachable.
    assert not link(editor.get(second_by_author).get_data(as_text=True), "next")
    last = editor.get(link(by_author, "last")).get_data(as_text=True)
    assert len(titles(last)) == 20


def test_saved_filters_belong_to_their_owner(app, site, users, clients):
    make_article(app, created_by=users["author"], status="review", title="Chờ duyệt A")
    make_article(app, created_by=users["author"], title="Nháp B")
    editor, admin = clients["editor"], clients["admin"]
    page = editor.get("/admin/articles?status=review&sort=title&page=1").get_data(as_text=True)
    query = html_module.unescape(re.search(r'name="query" value="([^"]*)"', page).group(1))
    assert query == "status=review&sort=title&dir=asc"
    response = editor.post("/admin/articles/saved-filters",
                           data={"csrf_token": csrf_of(page), "name": "Chờ duyệt", "query": query})  # fmt: skip
    assert response.headers["Location"] == "/admin/articles?status=review&sort=title&dir=asc"
    page = editor.get("/admin/articles").get_data(as_text=True)
    assert (
        '<a href="/admin/articles?status=review&amp;sort=title&amp;dir=asc">Chờ duyệt</a>' in page
    )
    assert titles(editor.get("/admin/articles?" + query).get_data(as_text=True)) == ["Chờ duyệt A"]
    # Another account does not see it, nor can it delete it.
    assert "Chờ duyệt</a>" not in admin.get("/admin/articles").get_data(as_text=True)
    with app.app_context():
        saved = db.session.scalars(select(SavedFilter)).one()
    admin_page = admin.get("/admin/articles").get_data(as_text=True)
    assert admin.post(f"/admin/articles/saved-filters/{saved.id}/delete",
                      data={"csrf_token": csrf_of(admin_page)}).status_code == 404  # fmt: skip
    # Saving under the same name replaces it; a nameless or empty filter is refused.
    editor.post("/admin/articles/saved-filters",
                data={"csrf_token": csrf_of(page), "name": "Chờ duyệt", "query": "status=draft&page=3"})  # fmt: skip
    editor.post("/admin/articles/saved-filters",
                data={"csrf_token": csrf_of(page), "name": " ", "query": "status=draft"})  # fmt: skip
    assert "Hãy đặt tên cho bộ lọc" in flashed(editor)
    editor.post("/admin/articles/saved-filters",
                data={"csrf_token": csrf_of(page), "name": "Trống", "query": "page=2"})  # fmt: skip
    assert "Chưa có bộ lọc nào để lưu" in flashed(editor)
    with app.app_context():
        assert [(s.name, s.query) for s in db.session.scalars(select(SavedFilter))] == [
            ("Chờ duyệt", "status=draft")
        ]
    response = editor.post(f"/admin/articles/saved-filters/{saved.id}/delete",
                           data={"csrf_token": csrf_of(page)})  # fmt: skip
    assert response.status_code == 302
    assert "Đã xóa bộ lọc “Chờ duyệt”" in flashed(editor)
    with app.app_context():
        assert db.session.scalars(select(SavedFilter)).all() == []


def test_a_category_left_chosen_counts_only_for_a_move(app, site, users, clients):
    draft = make_article(app, created_by=users["editor"], title="Nháp")
    with app.app_context():
        other = Category(name="Văn hóa", slug="van-hoa")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    editor = clients["editor"]
    page = text_of(
        bulk_post(editor, [draft], "publish", category_id=other_id).get_data(as_text=True)
    )
    assert "Xuất bản: 1 bài viết?" in page and "Văn hóa" not in page.split("Xác nhận")[0]
    bulk_post(editor, [draft], "publish", confirm=True, category_id=other_id)
    article = load(app, draft)
    assert article.status == "published" and article.category_id != other_id
