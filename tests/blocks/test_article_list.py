"""article_list: latest public articles, by category, paged, prefetched in one query."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape as html_unescape

import pytest
from sqlalchemy import select

from blocks.article_list import ArticleList
from portal.extensions import db
from portal.models import Article, Category, Page, utcnow
from portal.testing import count_queries, render_block


@pytest.fixture
def site(app, make):
    """Thời sự (12 articles) with Trong tỉnh (3) below it, Kinh tế (2), and hidden articles."""
    with app.app_context():
        news = make.category("Thời sự", position=1)
        local = make.category("Trong tỉnh", parent=news)
        economy = make.category("Kinh tế", position=2)
        for number in range(1, 13):
            make.article(f"Thời sự {number:02d}", news, hours_ago=number)
        for number, hours in enumerate((1.5, 3.5, 20), start=1):
            make.article(f"Trong tỉnh {number}", local, hours_ago=hours)
        make.article("Kinh tế 1", economy, hours_ago=0.5)
        make.article("Kinh tế 2", economy, hours_ago=30)
        make.article("Bản nháp chưa duyệt", news, hours_ago=0.1, status="draft")
        make.article("Bài lưu trữ", news, hours_ago=0.2, status="archived")
        make.article("Bài hẹn giờ đăng", news, published_at=utcnow() + timedelta(days=30))
        home = make.page("home", "Trang chủ", path="/", blocked_regions=[])
        category_page = make.page(
            "category",
            "Chuyên mục",
            parent=home,
            placements=[
                (
                    "main",
                    "article_list",
                    {"paginate": True, "count": 5, "include_subcategories": False},
                )
            ],
        )
        db.session.commit()
        return {
            "news": news.id,
            "local": local.id,
            "economy": economy.id,
            "home": home.id,
            "category_page": category_page.id,
        }


def titles(html: str) -> list[str]:
    return re.findall(r'class="teaser__link" href="[^"]+">([^<]+)</a>', html)


def render(app, settings, **kwargs):
    with app.app_context():
        if "category_id" in kwargs:
            kwargs["category"] = db.session.get(Category, kwargs.pop("category_id"))
        return render_block(app, "article_list", settings, **kwargs)


def test_newest_first_and_only_public_articles(app, site):
    html = render(app, {"category": "thoi-su", "include_subcategories": False, "count": 50})
    assert titles(html) == [f"Thời sự {n:02d}" for n in range(1, 13)]
    for hidden in ("Bản nháp chưa duyệt", "Bài lưu trữ", "Bài hẹn giờ đăng"):
        assert hidden not in html


def test_count_limits_the_list(app, site):
    html = render(app, {"category": "kinh-te", "count": 1})
    assert titles(html) == ["Kinh tế 1"]


def test_sub_categories_are_included_by_date(app, site):
    html = render(app, {"category": "thoi-su", "count": 6})
    assert titles(html) == [
        "Thời sự 01",
        "Trong tỉnh 1",
        "Thời sự 02",
        "Thời sự 03",
        "Trong tỉnh 2",
        "Thời sự 04",
    ]
    assert "Kinh tế" not in " ".join(titles(html))


def test_empty_category_follows_the_page_or_lists_everything(app, site):
    in_local = render(app, {"count": 50}, category_id=site["local"])
    assert titles(in_local) == ["Trong tỉnh 1", "Trong tỉnh 2", "Trong tỉnh 3"]
    everywhere = render(app, {"count": 50})
    assert len(titles(everywhere)) == 12 + 3 + 2
    assert titles(everywhere)[0] == "Kinh tế 1"


def test_on_an_article_page_the_article_being_read_is_left_out(app, site):
    with app.app_context():
        reading = db.session.scalar(select(Article).where(Article.title == "Kinh tế 1"))
        html = render_block(
            app,
            "article_list",
            {"title": "Cùng chuyên mục"},
            article=reading,
            category=db.session.get(Category, site["economy"]),
        )
    assert titles(html) == ["Kinh tế 2"]
    # The "more" link leads to the category page the reader is not on.
    assert 'href="/chuyen-muc/kinh-te">Xem thêm' in html


def test_category_deleted_after_saving_shows_nothing(app, site):
    html = render(app, {"category": "da-xoa"})
    assert titles(html) == []
    assert "Chưa có bài viết nào." in html


def test_heading_and_more_link(app, site):
    html = render(app, {"title": "Kinh tế", "category": "kinh-te"})
    assert '<h2 class="section-heading__title article-list__title">Kinh tế</h2>' in html
    assert re.search(r'class="article-list__more" href="/chuyen-muc/kinh-te">Xem thêm', html)
    assert '<h3 class="teaser__title">' in html
    untitled = render(app, {"title": "", "category": "kinh-te"})
    assert "article-list__title" not in untitled and "Xem thêm" not in untitled


def test_images_use_media_url_and_alt_text(app, site, make):
    with app.app_context():
        economy = db.session.get(Category, site["economy"])
        make.article(
            "Có ảnh",
            economy,
            hours_ago=0.1,
            image="demo/hoi-nghi.jpg",
            image_alt="Toàn cảnh hội nghị",
        )
        make.article("Ảnh trang trí", economy, hours_ago=0.2, image="https://anh.example.vn/1.jpg")
        db.session.commit()
    html = render(app, {"category": "kinh-te", "count": 2})
    assert (
        '<img class="teaser__image" src="/media/demo/hoi-nghi.jpg" alt="Toàn cảnh hội nghị"' in html
    )
    assert '<img class="teaser__image" src="https://anh.example.vn/1.jpg" alt=""' in html
    assert "<img" not in render(app, {"category": "kinh-te", "count": 2, "show_image": False})


def test_styles(app, site):
    cards = render(app, {"category": "kinh-te", "style": "cards"})
    assert 'class="article-list article-list--cards"' in cards
    assert "teaser__lead" in cards
    compact = render(app, {"category": "kinh-te", "style": "compact"})
    assert 'class="article-list article-list--compact"' in compact
    assert titles(compact) == ["Kinh tế 1", "Kinh tế 2"]
    # Dense sidebar lines: no lead and no heading per article.
    assert "teaser__lead" not in compact and "<h3" not in compact
    no_lead = render(app, {"category": "kinh-te", "show_lead": False})
    assert "teaser__lead" not in no_lead


def page_html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


NEXT_LINK = re.compile(r'href="\?((?:[^"]*&amp;)?trang=(\d+)&amp;sau=(\d+))" rel="next"')


def next_link(html: str) -> tuple[str, int, int] | None:
    """The next-page link: (its URL, the page number, the article it names), or None."""
    match = NEXT_LINK.search(html)
    if match is None:
        return None
    return "?" + html_unescape(match.group(1)), int(match.group(2)), int(match.group(3))


def article_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Article.id).where(Article.title == title))


def test_category_page_is_paged_with_trang(app, client, site):
    first = page_html(client, "/chuyen-muc/thoi-su")
    assert '<h1 class="section-heading__title article-list__title">Thời sự</h1>' in first
    assert titles(first) == [f"Thời sự {n:02d}" for n in range(1, 6)]
    assert 'rel="prev"' not in first
    # The next page's link names the last article shown: page 2 is read from there on.
    assert next_link(first)[1:] == (2, article_id(app, "Thời sự 05"))

    second = page_html(client, "/chuyen-muc/thoi-su?trang=2")
    assert titles(second) == [f"Thời sự {n:02d}" for n in range(6, 11)]
    assert re.search(r'href="\?" rel="prev"', second)
    assert next_link(second)[1:] == (3, article_id(app, "Thời sự 10"))
    assert re.search(r'<nav class="pager" aria-label="Phân trang">', second)
    assert re.search(r'aria-current="page">Trang 2</span>', second)

    last = page_html(client, "/chuyen-muc/thoi-su?trang=3")
    assert titles(last) == ["Thời sự 11", "Thời sự 12"]
    assert 'rel="next"' not in last
    assert re.search(r'href="\?trang=2" rel="prev"', last)


def test_following_the_next_links_gives_the_numbered_pages(app, client, site):
    url, pages = "/chuyen-muc/thoi-su", []
    while url:
        html = page_html(client, url)
        number = len(pages) + 1
        assert titles(html) == titles(page_html(client, f"/chuyen-muc/thoi-su?trang={number}"))
        assert f'aria-current="page">Trang {number}</span>' in html or number == 1
        pages.append(titles(html))
        link = next_link(html)
        url = "/chuyen-muc/thoi-su" + link[0] if link else None
    assert sum(pages, []) == [f"Thời sự {n:02d}" for n in range(1, 13)]
    # A category with subcategories is read part by part from the article named, too.
    with app.app_context():
        placement = db.session.get(Page, site["category_page"]).placements[0]
        placement.settings = {"paginate": True, "count": 4, "include_subcategories": True}
        db.session.commit()
    first = page_html(client, "/chuyen-muc/thoi-su")
    second = page_html(client, "/chuyen-muc/thoi-su" + next_link(first)[0])
    merged = titles(render(app, {"category": "thoi-su", "count": 8}))
    assert titles(first) + titles(second) == merged
    assert "Trong tỉnh 2" in titles(second)


def test_a_page_read_from_the_article_named_shows_no_article_twice_after_a_publish(
    app, client, make, site
):
    first = page_html(client, "/chuyen-muc/thoi-su")
    link = next_link(first)
    with app.app_context():
        make.article("Thời sự mới đăng", db.session.get(Category, site["news"]), hours_ago=0)
        db.session.commit()
    second = page_html(client, "/chuyen-muc/thoi-su" + link[0])
    assert titles(second) == [f"Thời sự {n:02d}" for n in range(6, 11)]  # not "Thời sự 05" again
    by_number = page_html(client, "/chuyen-muc/thoi-su?trang=2")
    assert titles(by_number)[0] == "Thời sự 05"  # the numbered page moved by one


def test_a_next_link_naming_a_missing_article_falls_back_to_the_page_number(app, client, site):
    by_number = titles(page_html(client, "/chuyen-muc/thoi-su?trang=2"))
    for after in ("999999", "abc", "-3", "1e3", "9" * 40, ""):
        html = page_html(client, f"/chuyen-muc/thoi-su?trang=2&sau={after}")
        assert titles(html) == by_number, after
    # On page 1 an article named changes nothing.
    named = article_id(app, "Thời sự 07")
    assert titles(page_html(client, f"/chuyen-muc/thoi-su?sau={named}"))[0] == "Thời sự 01"
    # Deleted since the link was made: the page by its number, not an empty page or a 404.
    with app.app_context():
        db.session.delete(db.session.get(Article, named))
        db.session.commit()
    html = page_html(client, f"/chuyen-muc/thoi-su?trang=2&sau={named}")
    assert titles(html) == ["Thời sự 06", "Thời sự 08", "Thời sự 09", "Thời sự 10", "Thời sự 11"]


def test_a_page_read_from_the_article_named_costs_what_page_one_costs(app, client, site):
    link = next_link(page_html(client, "/chuyen-muc/thoi-su"))
    page_html(client, "/chuyen-muc/thoi-su?trang=2")  # warm what is per process
    with count_queries(app) as by_number:
        page_html(client, "/chuyen-muc/thoi-su?trang=2")
    with count_queries(app) as by_link:
        page_html(client, "/chuyen-muc/thoi-su" + link[0])
    assert len(by_link) == len(by_number)  # the seek is inside the listing's statement
    seek = re.compile(r'\barticles AS "?after_\d+"?\s')  # the article the link names
    assert sum(bool(seek.search(statement)) for statement in by_link) == 1
    assert not any(seek.search(statement) for statement in by_number)


def test_paging_links_carry_only_the_page_number_and_survive_bad_input(app, client, site):
    # Parameters the list does not read (a tracker's, a typo) are not carried from page
    # to page, and do not make cache entries of their own (CachePolicy.query_params).
    html = page_html(client, "/chuyen-muc/thoi-su?xem=luoi&utm_source=zalo&trang=2")
    assert next_link(html)[0].startswith("?trang=3&sau=")
    assert "xem=luoi" not in html and "utm_source" not in html
    assert titles(page_html(client, "/chuyen-muc/thoi-su?trang=abc"))[0] == "Thời sự 01"
    assert titles(page_html(client, "/chuyen-muc/thoi-su?trang=-4"))[0] == "Thời sự 01"
    # Past the last page: the site's 404 page (portal.PageNotFound), not an empty list.
    beyond = client.get("/chuyen-muc/thoi-su?trang=9")
    assert beyond.status_code == 404
    assert "Không tìm thấy trang" in beyond.get_data(as_text=True)


def test_unpaginated_lists_ignore_trang(app, site):
    with app.app_context():
        block = ArticleList()
        html = render(app, {"category": "kinh-te"}, path="/?trang=2")
    assert titles(html) == ["Kinh tế 1", "Kinh tế 2"]
    assert "pager" not in html
    assert block.cache.vary_on >= {"page", "category", "query"}


def test_prefetch_keeps_query_count_constant(app, client, site, make, count_queries):
    lists = [
        {"category": "thoi-su"},
        {"category": "kinh-te", "style": "cards"},
        {"category": "", "style": "compact", "count": 3},
        {"category": "trong-tinh", "show_image": False},
    ]
    with app.app_context():
        home = db.session.get(Page, site["home"])
        make.page(
            "static",
            "Một danh sách",
            path="/mot",
            parent=home,
            placements=[("main", "article_list", lists[0])],
        )
        make.page(
            "static",
            "Bốn danh sách",
            path="/bon",
            parent=home,
            placements=[("main", "article_list", settings) for settings in lists],
        )
        db.session.commit()
    page_html(client, "/mot")  # warm-up: nothing lazy left for the counted requests

    with count_queries() as one:
        one_html = page_html(client, "/mot")
    with count_queries() as four:
        four_html = page_html(client, "/bon")

    assert one_html.count('class="article-list ') == 1
    assert four_html.count('class="article-list ') == 4
    assert "Kinh tế 1" in four_html and "Trong tỉnh 3" in four_html
    assert len(one) == len(four), (one, four)
    article_reads = [s for s in four if re.search(r"FROM articles\b", s)]
    assert len(article_reads) == 1, article_reads


def test_prefetch_result_is_used(app, site):
    """get_context reads what prefetch loaded instead of querying again."""
    from portal import BlockContext

    with app.test_request_context("/"):
        block = ArticleList()
        settings = {**ArticleList.default_settings(), "category": "kinh-te"}
        ctx = BlockContext(
            app=app, page=Page(id=0, kind="static", title="T", layout="one_column"), region="main"
        )
        ctx.prefetched = ArticleList.prefetch(ctx, [{"category": "kinh-te"}])
        listing = ArticleList.listing(ctx, settings)
        assert [a.title for a in ctx.prefetched[listing.query]] == ["Kinh tế 1", "Kinh tế 2"]
        ctx.prefetched[listing.query] = [
            db.session.get(Article, ctx.prefetched[listing.query][1].id)
        ]
        assert [a.title for a in block.get_context(ctx, settings)["articles"]] == ["Kinh tế 2"]


@pytest.mark.parametrize(
    ("settings", "field", "fragment"),
    [
        ({"category": "khong-co-that"}, "category", "“khong-co-that”"),
        ({"count": 0}, "count", "từ 1 đến 50"),
        ({"count": 51}, "count", "từ 1 đến 50"),
        ({"count": "mười"}, "count", "số nguyên"),
        ({"style": "grid"}, "style", "Kiểu hiển thị không hợp lệ"),
        ({"title": "t" * 201}, "title", "200"),
    ],
)
def test_invalid_settings_are_rejected(app, site, settings, field, fragment):
    with app.app_context():
        clean, errors = ArticleList.validate_settings(settings)
    assert clean == {}
    assert field in errors
    assert fragment in " ".join(errors[field])


def test_valid_settings_are_cleaned(app, site):
    with app.app_context():
        assert ArticleList.validate_settings(ArticleList.default_settings())[1] == {}
        clean, errors = ArticleList.validate_settings(
            {"category": " THOI-SU ", "count": "7", "style": "cards", "paginate": True}
        )
    assert errors == {}
    assert clean["category"] == "thoi-su"
    assert clean["count"] == 7
    assert clean["paginate"] is True
    assert clean["show_lead"] is True


def test_cache_is_tagged_for_article_and_category_changes():
    assert ArticleList.cache.tags >= {"articles", "categories"}
    assert 0 < ArticleList.cache.timeout <= 600


def list_tags(app, settings, category=None) -> set[str]:
    """The cache tags of a list placed with ``settings`` (on a page of ``category``)."""
    from portal.blocks import BlockContext

    with app.test_request_context("/"):
        block = ArticleList()
        ctx = BlockContext(
            app=app,
            page=Page(id=0, kind="static", title="T", layout="one_column", blocked_regions=[]),
            region="main",
            category=db.session.get(Category, category) if category else None,
        )
        return block.cache_tags(ctx, block.load_settings(settings))


def test_a_publish_purges_the_lists_of_its_category_and_those_above_it_only(app, site):
    from portal.content.events import article_event

    with app.app_context():
        economy_list = list_tags(app, {"category": "kinh-te"})
        news_list = list_tags(app, {"category": "thoi-su", "include_subcategories": True})
        page_list = list_tags(app, {}, category=site["local"])
        site_list = list_tags(app, {})  # the newest on the site
        local_article = db.session.scalars(
            select(Article).where(Article.category_id == site["local"])
        ).first()
        event = set(article_event("published", local_article).tags)

    assert "articles" not in economy_list | news_list | page_list
    assert "articles" in site_list and "articles" in event
    assert event & news_list and event & page_list  # Trong tỉnh's list, and Thời sự's above it
    assert not event & economy_list  # Kinh tế's lists stay


def test_an_article_moved_out_of_a_category_purges_the_lists_it_left(app, site):
    from portal.content.events import article_event

    with app.app_context():
        economy_list = list_tags(app, {"category": "kinh-te"})
        article = db.session.scalars(
            select(Article).where(Article.category_id == site["economy"])
        ).first()
        article.category_id = site["local"]
        event = set(article_event("edited", article).tags)
        db.session.rollback()
    assert event & economy_list
