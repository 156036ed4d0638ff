"""Tag pages (/the/<slug>), tags on the article page, and what they cost.

Runs on SQLite only: the SQL that differs between the databases (the tag
listing, related articles, daily views) is tested on both in
test_tag_queries.py, tests/blocks/test_related_articles.py and test_most_read.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.content import articles as desk
from portal.content import pages as page_rules
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import PAGE_KINDS, Article, Category, Page, Placement, Tag, User
from portal.testing import count_queries
from portal.text import slugify
from portal.web.admin.pages import KIND_LABELS

BASE = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def database_url():
    """SQLite only (see the module docstring)."""
    return None


@pytest.fixture
def app_config():
    # No plugin-switch sync query in the middle of a counted request on a slow machine.
    return {"PORTAL_PLUGIN_SYNC_SECONDS": 3600}


def _page(kind, title, parent, placements, *, path=None):
    page = Page(
        kind=kind,
        title=title,
        path=path,
        parent_id=parent.id if parent else None,
        layout="one_column",
        blocked_regions=["main"] if parent else [],
    )
    db.session.add(page)
    db.session.flush()
    for position, (block_name, settings) in enumerate(placements):
        db.session.add(
            Placement(
                page_id=page.id,
                region="main",
                position=position,
                block_name=block_name,
                settings=settings,
            )
        )
    return page


@pytest.fixture
def site(app):
    with app.app_context():
        news = Category(name="Thời sự", slug="thoi-su")
        travel = Tag(name="Du lịch", slug="du-lich")
        rice = Tag(name="Lúa gạo", slug="lua-gao")
        unused = Tag(name="Chưa dùng", slug="chua-dung")
        db.session.add_all([news, travel, rice, unused])
        db.session.flush()
        root = _page("home", "Trang chủ", None, [], path="/")
        _page(
            "tag",
            "Trang thẻ",
            root,
            [
                ("breadcrumb", {}),
                ("article_list", {"title": "", "category": "", "count": 2, "paginate": True}),
            ],
        )
        _page(
            "article",
            "Trang bài viết",
            root,
            [("breadcrumb", {}), ("bulletin_view", {}), ("related_articles", {"count": 5})],
        )
        made = {}
        for key, title, tags, hours, status in [
            ("a1", "Mùa lúa trên đồi du lịch", [travel, rice], 1, "published"),
            ("a2", "Hồ Ba Bể đón khách", [travel], 2, "published"),
            ("a3", "Homestay nhà sàn", [travel], 3, "published"),
            ("draft", "Bản nháp du lịch", [travel], 0.5, "draft"),
            ("a5", "Giống lúa mới", [rice], 4, "published"),
        ]:
            article = Article(
                title=title,
                slug=slugify(title),
                body_html="<p>Nội dung.</p>",
                category_id=news.id,
                status=status,
                published_at=BASE - timedelta(hours=hours),
                tags=tags,
            )
            db.session.add(article)
            made[key] = article
        editor = User(email="bt@example.org", name="Biên tập", role="editor")
        editor.set_password("mat-khau-dai-1")
        db.session.add(editor)
        db.session.commit()
        return {key: (a.id, f"/bai-viet/{a.id}-{a.slug}") for key, a in made.items()}


def listed(html: str) -> list[str]:
    return re.findall(r'<a class="teaser__link" href="[^"]+">([^<]+)</a>', html)


def tag_links(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<a class="bulletin-view__tag-link" href="([^"]+)" rel="tag">([^<]+)</a>', html
    )


def test_a_tag_page_lists_the_tags_public_articles_newest_first_paginated(client, site):
    first = client.get("/the/du-lich")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "<title>Thẻ: Du lịch – " in html
    assert re.search(r"<h1 [^>]*>Thẻ: Du lịch</h1>", html)
    assert '<span class="breadcrumb__current" aria-current="page">Thẻ: Du lịch</span>' in html
    assert listed(html) == ["Mùa lúa trên đồi du lịch", "Hồ Ba Bể đón khách"]
    assert "Bản nháp" not in html
    assert 'href="?trang=2&amp;sau=' in html  # names the last article shown
    second = client.get("/the/du-lich?trang=2").get_data(as_text=True)
    assert listed(second) == ["Homestay nhà sàn"]
    # Another tag on the same (cached) page never gets the first tag's list or title.
    rice = client.get("/the/lua-gao").get_data(as_text=True)
    assert listed(rice) == ["Mùa lúa trên đồi du lịch", "Giống lúa mới"]
    assert "Thẻ: Lúa gạo" in rice and "Thẻ: Du lịch" not in rice
    assert listed(client.get("/the/du-lich").get_data(as_text=True)) == listed(html)
    empty = client.get("/the/chua-dung")
    assert empty.status_code == 200 and listed(empty.get_data(as_text=True)) == []


def test_an_unknown_tag_is_a_404(client, site):
    for path in ("/the/khong-co", "/the/DU-LICH", "/the/%00", "/the/" + "a" * 500):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_without_a_tag_page_tags_are_404(app, client, site):
    with app.app_context():
        db.session.execute(Placement.__table__.delete())
        db.session.delete(db.session.scalar(select(Page).where(Page.kind == "tag")))
        db.session.commit()
    assert client.get("/the/du-lich").status_code == 404


def test_the_article_page_links_its_tags_in_a_labelled_list(client, site):
    html = client.get(site["a1"][1]).get_data(as_text=True)
    assert tag_links(html) == [("/the/du-lich", "Du lịch"), ("/the/lua-gao", "Lúa gạo")]
    label = re.search(r'<span class="bulletin-view__tags-label" id="([^"]+)">Từ khóa:</span>', html)
    assert label and f'<ul class="bulletin-view__tag-list" aria-labelledby="{label[1]}">' in html
    untagged_or_not = client.get(site["a2"][1]).get_data(as_text=True)
    assert tag_links(untagged_or_not) == [("/the/du-lich", "Du lịch")]


def test_editing_an_articles_tags_shows_at_once_on_its_page_and_the_tag_pages(app, client, site):
    article_id, url = site["a1"]
    assert tag_links(client.get(url).get_data(as_text=True))  # now cached
    assert "Mùa lúa" in client.get("/the/lua-gao").get_data(as_text=True)
    with app.app_context():
        editor = db.session.scalar(select(User))
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(editor)):
            desk.save_article(
                article,
                {"tags": ["Du lịch", "Nông nghiệp"]},
                editor,
                expected_version=article.version,
            )
    html = client.get(url).get_data(as_text=True)
    assert tag_links(html) == [("/the/du-lich", "Du lịch"), ("/the/nong-nghiep", "Nông nghiệp")]
    assert listed(client.get("/the/nong-nghiep").get_data(as_text=True)) == [
        "Mùa lúa trên đồi du lịch"
    ]
    assert "Mùa lúa" not in client.get("/the/lua-gao").get_data(as_text=True)


def test_related_articles_on_the_article_page_put_shared_tags_first(client, site):
    html = client.get(site["a5"][1]).get_data(as_text=True)
    titles = re.findall(r'class="related-articles__link" href="[^"]+">([^<]+)</a>', html)
    assert titles == ["Mùa lúa trên đồi du lịch", "Hồ Ba Bể đón khách", "Homestay nhà sàn"]


#: Cold cache. Tag page: the tag, page and category trees (one statement), placements,
#: the list (with its images). Article page: the article with its photo, attachments
#: and tags, page and category trees, placements, related articles.
PINNED = {"tag": 4, "article": 4}


def test_tag_and_article_pages_run_a_pinned_number_of_queries(app, client, site):
    with count_queries(app) as tag_page:
        assert client.get("/the/du-lich").status_code == 200
    assert len(tag_page) == PINNED["tag"], "\n\n".join(tag_page)
    with count_queries(app) as article_page:
        assert client.get(site["a1"][1]).status_code == 200
    assert len(article_page) == PINNED["article"], "\n\n".join(article_page)
    # Two tags or one: the same queries (the tags come with the article's media).
    with count_queries(app) as one_tag:
        assert client.get(site["a2"][1]).status_code == 200
    assert len(one_tag) == PINNED["article"], "\n\n".join(one_tag)


def test_the_site_has_one_tag_page_and_the_admin_offers_the_kind(app, site):
    assert set(KIND_LABELS) == set(PAGE_KINDS) and KIND_LABELS["tag"] == "Mẫu trang thẻ"
    with app.app_context():
        existing = db.session.scalar(select(Page).where(Page.kind == "tag"))
        assert page_rules.kind_problem("tag", existing) is None
        with pytest.raises(page_rules.PageError) as refused, unit_of_work(Actor.system()):
            page_rules.create(
                page_rules.PageFields(title="Thẻ thứ hai", kind="tag"), layout_name="one_column"
            )
        assert refused.value.field == "kind"
        assert "Trang thẻ" in str(refused.value)
        assert db.session.scalar(select(Page).where(Page.title == "Thẻ thứ hai")) is None


def test_a_site_file_with_two_tag_pages_is_refused_whole():
    from portal.content.exchange_checks import _check_category_pages
    from portal.untrusted import UntrustedInputError

    one = {"id": 3, "kind": "tag", "title": "Thẻ", "category_id": None}
    _check_category_pages([one])  # one tag page is fine
    with pytest.raises(UntrustedInputError, match="một trang tag khác .*: mỗi site chỉ có một"):
        _check_category_pages([one, {**one, "id": 4}])


def test_the_admin_previews_the_tag_page_with_a_tag(app, site):
    from portal.testing import signed_in_client

    with app.app_context():
        admin = User(email="qt@example.org", name="Quản trị", role="admin")
        admin.set_password("mat-khau-dai-1")
        db.session.add(admin)
        db.session.commit()
        admin_id = admin.id
        page_id = db.session.scalar(select(Page.id).where(Page.kind == "tag"))
    client = signed_in_client(app, admin_id)
    most_used = client.get(f"/admin/pages/{page_id}/preview")
    assert most_used.status_code == 200
    html = most_used.get_data(as_text=True)
    assert "Thẻ: Du lịch" in html and listed(html)[:1] == ["Mùa lúa trên đồi du lịch"]
    chosen = client.get(f"/admin/pages/{page_id}/preview?tag=lua-gao").get_data(as_text=True)
    assert "Thẻ: Lúa gạo" in chosen and "Giống lúa mới" in listed(chosen)
