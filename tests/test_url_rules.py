"""URL builders compiled once per process (portal/url_rules.py)."""

from __future__ import annotations

from flask import url_for

from portal import url_rules
from portal.content import articles
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, Placement, User
from portal.testing import make_account, make_app, sample_content
from portal.url_rules import page_link


def builders(app, endpoint: str):
    rule = next(app.url_map.iter_rules(endpoint))
    return rule._build.__func__, rule._build_unknown.__func__


def test_a_second_app_takes_the_builders_the_first_compiled():
    first, second = make_app(), make_app()
    assert builders(first, "reader.article") == builders(second, "reader.article")
    assert builders(first, "reader.article") != builders(first, "reader.category")


def test_shared_builders_build_each_apps_own_urls():
    first = make_app(config={"PORTAL_BASE_URL": "https://mot.example.vn"})
    second = make_app(config={"PORTAL_BASE_URL": "https://hai.example.vn"})
    for app, host in ((first, "mot.example.vn"), (second, "hai.example.vn")):
        with app.test_request_context("/", base_url=f"https://{host}/"):
            assert url_for("reader.article", article_id=7, slug="ban-tin") == (
                "/bai-viet/7-ban-tin"
            )
            assert url_for("reader.article", article_id=7, slug="ban-tin", trang=2).endswith(
                "?trang=2"
            )
            assert url_for("reader.home", _external=True) == f"https://{host}/"


# -- links built once per app (page_link) ---------------------------------------------


def test_a_kept_link_is_the_link_url_for_builds():
    app = make_app(config={"PORTAL_BASE_URL": "https://cong.example.vn"})
    calls = [
        ("reader.article", {"article_id": 7, "slug": "ban-tin"}),
        ("reader.article", {"article_id": 7, "slug": None}),
        ("reader.article", {"article_id": 7, "slug": "ban-tin", "trang": 2}),
        ("reader.category", {"slug": "thoi-su"}),
        ("reader.media", {"filename": "uploads/ab/cd.jpg"}),
        ("reader.article", {"article_id": 7, "slug": "ban-tin", "_external": True}),
    ]
    for base in (
        "http://localhost/",
        "http://localhost/cong/",
        "http://cong.example.vn/",
        "https://cong.example.vn/",
    ):
        with app.test_request_context("/", base_url=base):
            for endpoint, values in calls:
                for _ in range(2):  # built, then kept
                    assert page_link(endpoint, **values) == url_for(endpoint, **values)


def test_links_kept_are_bounded_and_url_defaults_are_respected(monkeypatch):
    monkeypatch.setattr(url_rules, "KEPT_LINKS", 3)
    app = make_app()
    with app.test_request_context("/"):
        for n in range(10):
            assert page_link("reader.article", article_id=n, slug="a") == f"/bai-viet/{n}-a"
        assert len(app.extensions["portal.url_rules.links"]) == 3
    # A url_defaults function may add anything: such an app builds every link afresh.
    seen = iter(range(100))
    app.url_defaults(lambda endpoint, values: values.setdefault("lan", next(seen)))
    with app.test_request_context("/"):
        assert page_link("reader.category", slug="x") == "/chuyen-muc/x?lan=0"
        assert page_link("reader.category", slug="x") == "/chuyen-muc/x?lan=1"


def test_a_new_slug_is_linked_at_once_by_another_worker(app_factory):
    """Caches off, two apps on one database: the home page's list links the article
    by the slug another worker just gave it."""
    config = {"PORTAL_CACHE_URL": "none", "PORTAL_PAGE_CACHE": False}
    reading, writing = app_factory(config=config), app_factory(config=config)
    with writing.app_context():
        created = sample_content()
        article_id, root_id = created["article"].id, created["root"].id
        db.session.add(
            Placement(page_id=root_id, region="main", position=0, block_name="article_list")
        )
        db.session.commit()
    reader = reading.test_client()
    old = f'href="/bai-viet/{article_id}-bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw"'
    assert old in reader.get("/").get_data(as_text=True)
    with writing.app_context():
        editor = db.session.get(User, make_account(writing, "editor"))
        article = db.session.get(Article, article_id)
        with unit_of_work(Actor.of_user(editor)):
            articles.save_article(
                article,
                {"title": "Bắc Kạn mười năm", "slug": "bac-kan-muoi-nam"},
                editor,
                expected_version=article.version,
            )
    page = reader.get("/").get_data(as_text=True)
    assert f'href="/bai-viet/{article_id}-bac-kan-muoi-nam"' in page and old not in page
