"""The article list (filters, pages, who sees what) and the dashboard's work lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from admin.admin_helpers import csrf_of, text_of

from portal.extensions import db
from portal.models import Category, utcnow

from .conftest import article_fields, load, make_article, post_article


def titles(html: str) -> list[str]:
    import re

    return re.findall(r'<th scope="row" class="articles-table__title"><a [^>]*>([^<]*)</a>', html)


def test_filters(app, site, users, clients):
    with app.app_context():
        child = Category(name="Kinh tế", slug="kinh-te", parent_id=site["category"])
        other = Category(name="Văn hóa", slug="van-hoa")
        db.session.add_all([child, other])
        db.session.commit()
        child_id, other_id = child.id, other.id
    make_article(app, created_by=users["author"], title="Giá lúa tăng", category_id=child_id)
    make_article(app, created_by=users["other_author"], status="review", title="Chợ phiên",
                 category_id=other_id)  # fmt: skip
    make_article(app, created_by=users["editor"], status="published", title="Hội nghị tỉnh",
                 published_at=datetime(2024, 1, 2, tzinfo=UTC))  # fmt: skip
    make_article(app, created_by=users["editor"], status="published", title="Lễ hội sắp tới",
                 published_at=utcnow() + timedelta(days=3))  # fmt: skip
    editor = clients["editor"]

    def listed(query: str) -> list[str]:
        return sorted(titles(editor.get(f"/admin/articles?{query}").get_data(as_text=True)))

    assert len(listed("")) == 5
    assert listed("status=review") == ["Chợ phiên"]
    assert listed("status=scheduled") == ["Lễ hội sắp tới"]
    assert "Lễ hội sắp tới" not in listed("status=published")
    assert "Hội nghị tỉnh" in listed("status=published")
    # A category includes its sub-categories.
    assert listed(f"category={site['category']}") == sorted(
        ["Giá lúa tăng", "Hội nghị tỉnh", "Lễ hội sắp tới",
         "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"])  # fmt: skip
    assert listed(f"category={other_id}") == ["Chợ phiên"]
    assert listed(f"author={users['other_author']}") == ["Chợ phiên"]
    assert listed("q=lúa") == ["Giá lúa tăng"]
    assert listed("q=LE HOI") == ["Lễ hội sắp tới"]  # without diacritics, by slug
    assert listed("status=nonsense&category=x") == listed("")
    html = editor.get("/admin/articles?status=review&q=ch").get_data(as_text=True)
    assert "1 bài viết khớp bộ lọc" in text_of(html)


def test_authors_see_only_their_own_articles(app, site, users, clients):
    make_article(app, created_by=users["author"], title="Bài của tôi")
    make_article(app, created_by=users["other_author"], title="Bài của người khác")
    html = clients["author"].get("/admin/articles").get_data(as_text=True)
    assert titles(html) == ["Bài của tôi"]
    assert 'id="filter-author"' not in html
    # Asking for someone else's articles changes nothing.
    html = clients["author"].get(f"/admin/articles?author={users['other_author']}")
    assert titles(html.get_data(as_text=True)) == ["Bài của tôi"]
    assert clients["author"].get(f"/admin/articles/{site['article']}").status_code == 403


def test_pages(app, site, users, clients):
    for number in range(45):
        make_article(app, created_by=users["author"], title=f"Bài {number:02d}")
    editor = clients["editor"]
    first = editor.get("/admin/articles").get_data(as_text=True)
    third = editor.get("/admin/articles?page=3").get_data(as_text=True)
    assert len(titles(first)) == 20 and len(titles(third)) == 6
    assert "Trang 1/3" in text_of(first) and 'href="/admin/articles?page=2"' in first
    assert "46 bài viết" in text_of(first)
    beyond = editor.get("/admin/articles?page=99&status=draft").get_data(as_text=True)
    assert "Trang 3/3" in text_of(beyond)
    assert 'href="/admin/articles?status=draft&amp;page=2"' in beyond


def test_a_list_longer_than_the_count_cap_seeks_instead_of_counting(app, site, users, clients,
                                                                     monkeypatch):  # fmt: skip
    """Past COUNT_CAP rows: "hơn N", older/newer links that seek, and a last page."""
    import html as html_module
    import re

    from portal.content import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 30)
    for number in range(45):
        make_article(app, created_by=users["author"], title=f"Bài {number:02d}")
    editor = clients["editor"]

    def link(page: str, rel: str) -> str:
        found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page)
        return html_module.unescape(found.group(1)) if found else ""

    first = editor.get("/admin/articles?status=draft").get_data(as_text=True)
    assert "Hơn 30 bài viết khớp bộ lọc" in text_of(first)
    assert titles(first)[:2] == ["Bài 44", "Bài 43"] and len(titles(first)) == 20
    older = link(first, "next")
    assert older.startswith("/admin/articles?status=draft&sau=") and "page=2" in older
    second = editor.get(older).get_data(as_text=True)
    assert titles(second)[0] == "Bài 24" and "Trang 2" in text_of(second)
    third = editor.get(link(second, "next")).get_data(as_text=True)
    assert titles(third) == [f"Bài {n:02d}" for n in range(4, -1, -1)]
    assert not link(third, "next")
    # Back again by seeking from the first row shown.
    assert titles(editor.get(link(third, "prev")).get_data(as_text=True)) == titles(second)
    last = editor.get(link(first, "last")).get_data(as_text=True)
    assert "status=draft" in link(first, "last")
    assert titles(last)[-1] == "Bài 00" and len(titles(last)) == 20
    assert titles(editor.get(link(last, "prev")).get_data(as_text=True))[-1] == "Bài 20"
    # A key that does not parse is the first page.
    assert titles(editor.get("/admin/articles?status=draft&sau=x.y").get_data(as_text=True)) == (
        titles(first)
    )


def test_dashboard_for_an_editor(app, site, users, clients):
    waiting = make_article(app, created_by=users["author"], status="review", title="Chờ tôi duyệt")
    make_article(app, created_by=users["editor"], title="Nháp của tôi")
    make_article(app, created_by=users["author"], title="Nháp của tác giả")
    text = text_of(clients["editor"].get("/admin/").get_data(as_text=True))
    assert "Chờ duyệt (1) Chờ tôi duyệt Tác Giả Một · gửi lúc" in text
    assert "Bản nháp của tôi (1) Nháp của tôi" in text
    assert "Nháp của tác giả" not in text
    assert "Hẹn giờ xuất bản (0) Không có bài nào hẹn giờ." in text
    assert waiting


def test_dashboard_for_an_author(app, site, users, clients):
    post = post_article(clients["author"], "/admin/articles/new",
                        article_fields(site["category"], title="Bài gửi đi", intent="submit"))  # fmt: skip
    sent_id = int(post.headers["Location"].rsplit("/", 1)[1])
    make_article(app, created_by=users["author"], title="Nháp đang viết")
    make_article(app, created_by=users["other_author"], status="review", title="Bài người khác")
    text = text_of(clients["author"].get("/admin/").get_data(as_text=True))
    assert "Đang chờ biên tập viên duyệt (1) Bài gửi đi" in text
    assert "Bản nháp của tôi (1) Nháp đang viết" in text
    assert "Bài người khác" not in text and "Chờ duyệt (" not in text

    page = clients["editor"].get(f"/admin/articles/{sent_id}").get_data(as_text=True)
    clients["editor"].post(f"/admin/articles/{sent_id}/send-back",
                           data={"csrf_token": csrf_of(page), "version": load(app, sent_id).version,
                                 "comment": "Cần thêm ảnh."})  # fmt: skip
    text = text_of(clients["author"].get("/admin/").get_data(as_text=True))
    assert "Bị trả lại, cần sửa (1) Bài gửi đi Biên Tập Viên trả lại lúc" in text
    assert "Cần thêm ảnh." in text
    assert "Bản nháp của tôi (1) Nháp đang viết" in text  # a sent-back one is listed once


def test_views_include_those_not_yet_written(app, site, clients):
    """The list counts views still waiting in the view counter's buffer."""
    from portal.content.view_counter import counter_for

    article_id = site["article"]
    with app.app_context():
        from portal.models import Article

        db.session.get(Article, article_id).view_count = 7
        db.session.commit()
        for _ in range(3):
            counter_for(app).count(article_id)
    html = clients["editor"].get("/admin/articles").get_data(as_text=True)
    row = html.split(f'href="/admin/articles/{article_id}"')[1].split("</tr>")[0]
    assert '<td class="numeric" data-label="Lượt xem">10</td>' in row
