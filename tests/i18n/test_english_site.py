"""The English site under /en: languages of pages, the switcher, hreflang, ?lang=, URLs.

One demo site per module (SQLite): the tests only read it.
"""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from portal.compliance import compliance_checks
from portal.content.demo import load_demo
from portal.content.demo_english import EXTERNAL_PREFIX
from portal.extensions import db
from portal.models import Article, Category, Page
from portal.testing import make_app

BASE = "https://tinh.example.vn"


@pytest.fixture(scope="module")
def site_app(tmp_path_factory):
    app = make_app(
        config={"PORTAL_BASE_URL": BASE},
        instance_path=str(tmp_path_factory.mktemp("english") / "instance"),
    )
    with app.app_context():
        load_demo()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(site_app):
    return site_app.test_client()


def page_of(response):
    assert response.status_code == 200, response.status_code
    return lxml_html.fromstring(response.data)


def switcher(tree) -> dict[str, tuple[str, bool]]:
    """The switcher's links: language -> (href, is current)."""
    links = tree.xpath('//nav[@class="language-switcher"]//a')
    found = {}
    for link in links:
        assert link.get("lang") == link.get("hreflang")
        found[link.get("lang")] = (link.get("href"), link.get("aria-current") == "true")
    return found


def alternates(tree) -> dict[str, str]:
    return {
        link.get("hreflang"): link.get("href")
        for link in tree.xpath('//head/link[@rel="alternate"][@hreflang]')
    }


def english_article(site_app, key="ten-years-of-directive-30") -> tuple[int, str, int | None]:
    with site_app.app_context():
        article = db.session.scalar(
            select(Article).where(Article.external_id == EXTERNAL_PREFIX + key)
        )
        return article.id, article.slug, article.translation_of_id


def test_the_english_home_is_english_and_links_back(client):
    tree = page_of(client.get("/en"))
    assert tree.get("lang") == "en"
    assert tree.xpath('//a[@class="skip-link"]')[0].text == "Skip to main content"
    assert switcher(tree) == {"vi": ("/", False), "en": ("/en", True)}
    assert alternates(tree) == {"vi": f"{BASE}/", "en": f"{BASE}/en", "x-default": f"{BASE}/"}
    # The English categories' lists, not the Vietnamese ones.
    titles = [h.text_content().strip() for h in tree.xpath("//main//h2")]
    assert {"News", "Investment", "Tourism"} <= set(titles)


def test_the_vietnamese_home_stays_vietnamese(client):
    tree = page_of(client.get("/"))
    assert tree.get("lang") == "vi"
    assert "Chuyển đến nội dung chính" in tree.xpath('//a[@class="skip-link"]')[0].text
    assert switcher(tree) == {"vi": ("/", True), "en": ("/en", False)}
    assert tree.xpath('//nav[@class="language-switcher"]')[0].get("aria-label") == "Ngôn ngữ"


def test_static_pages_link_their_equivalents(client):
    tree = page_of(client.get("/en/about"))
    assert tree.get("lang") == "en"
    assert switcher(tree)["vi"] == ("/gioi-thieu", False)
    assert alternates(tree)["x-default"] == f"{BASE}/gioi-thieu"
    back = page_of(client.get("/gioi-thieu"))
    assert switcher(back)["en"] == ("/en/about", False)
    # A page without an English version: the switcher goes to the English home, no hreflang.
    feeds = page_of(client.get("/nguon-tin-rss"))
    assert switcher(feeds)["en"] == ("/en", False)
    assert alternates(feeds) == {}


def test_english_articles_live_under_en_article_with_their_canonical_url(site_app, client):
    article_id, slug, original_id = english_article(site_app)
    url = f"/en/article/{article_id}-{slug}"
    assert client.get(f"/bai-viet/{article_id}-{slug}").headers["Location"] == url
    assert client.get(f"/en/article/{article_id}").headers["Location"] == url
    tree = page_of(client.get(url))
    assert tree.get("lang") == "en"
    assert tree.xpath('//link[@rel="canonical"]')[0].get("href") == BASE + url
    assert re.search(r"\b\d{1,2} [A-Z][a-z]+ \d{4}\b", tree.text_content())  # 30 November 2026
    with site_app.app_context():
        original = db.session.get(Article, original_id)
        original_url = f"/bai-viet/{original.id}-{original.slug}"
    assert switcher(tree)["vi"] == (original_url, False)
    assert alternates(tree)["en"] == BASE + url
    back = page_of(client.get(original_url))
    assert back.get("lang") == "vi"
    assert switcher(back)["en"] == (url, False)
    # A Vietnamese article is never served under /en/article/.
    assert (
        client.get(f"/en/article/{original.id}-{original.slug}").headers["Location"] == original_url
    )


def test_english_categories_use_the_english_templates(site_app, client):
    tree = page_of(client.get("/en/category/tourism"))
    assert tree.get("lang") == "en"
    assert switcher(tree)["vi"] == ("/chuyen-muc/van-hoa-du-lich", False)
    links = [a.get("href") for a in tree.xpath("//main//a[contains(@href, '/article/')]")]
    assert links and all(href.startswith("/en/article/") for href in links)
    assert client.get("/chuyen-muc/tourism").headers["Location"] == "/en/category/tourism"
    assert client.get("/en/category/thoi-su").headers["Location"] == "/chuyen-muc/thoi-su"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/?lang=en", "/en"),
        ("/gioi-thieu?lang=en", "/en/about"),
        ("/tim-kiem?lang=en&q=ba+be", "/en/search?q=ba+be"),
        ("/so-do-trang?lang=en", "/en"),  # no English equivalent: the English home
        ("/chuyen-muc/thoi-su?lang=en", "/en/category/news"),
        ("/en/contact?lang=vi", "/lien-he"),
        ("/en?lang=vi", "/"),
    ],
)
def test_lang_parameter_redirects_to_the_equivalent(client, url, target):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert "Set-Cookie" not in response.headers


def test_an_unknown_lang_parameter_is_ignored(client):
    response = client.get("/gioi-thieu?lang=fr")
    assert response.status_code == 200
    assert page_of(response).get("lang") == "vi"


def test_english_search_finds_english_articles_only(client):
    tree = page_of(client.get("/en/search?q=ba+be"))
    assert tree.get("lang") == "en"
    hits = [a.get("href") for a in tree.xpath("//main//a[contains(@href, 'article/')]")]
    assert hits and all(href.startswith("/en/article/") for href in hits)
    assert page_of(client.get("/tim-kiem?q=ba+be")).get("lang") == "vi"


@pytest.mark.parametrize("words", ["ba be", "bac kan", "investment tourism"])
def test_vietnamese_search_leaves_the_english_site_out(client, words):
    """Results, and the suggestions when nothing matches, stay in Vietnamese."""
    tree = page_of(client.get("/tim-kiem", query_string={"q": words}))
    links = [a.get("href") for a in tree.xpath("//main//a[@href]")]
    assert any(href.startswith(("/bai-viet/", "/van-ban/", "/hoi-dap/")) for href in links)
    assert not [href for href in links if href.startswith("/en/")]


def test_articles_take_their_category_language(site_app):
    with site_app.app_context():
        english = db.session.scalar(select(Category).where(Category.slug == "news"))
        vietnamese = db.session.scalar(select(Category).where(Category.slug == "kinh-te"))
        article = db.session.scalar(select(Article).where(Article.category_id == vietnamese.id))
        assert article.language == "vi"
        article.category_id = english.id
        db.session.flush()
        assert article.language == "en"
        db.session.rollback()


def test_the_english_compliance_check_is_met_by_the_demo(site_app):
    with site_app.test_request_context("/admin"):
        check = next(c for c in compliance_checks() if c.key == "english")
    assert check.met, check.detail
    assert "6 bài viết tiếng Anh" in check.detail
    with site_app.app_context():
        home = db.session.scalar(select(Page).where(Page.path == "/en"))
        assert (home.language, home.translation_of_id is not None) == ("en", True)
