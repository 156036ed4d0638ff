"""A small site for the sitemap tests: categories, pages, public, draft and scheduled articles.

The site is built once per module (the tests here only read it), on SQLite;
``build_site`` builds it on any database (the PostgreSQL case uses it).
"""

from __future__ import annotations

import importlib.metadata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

import blocks.sitemaps
from portal.extensions import db
from portal.models import Article, Category, Page, Placement, Tag
from portal.testing import make_app

BASE = "https://tin.example.vn"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "n": "http://www.google.com/schemas/sitemap-news/0.9",
}
SCHEMAS = Path(__file__).resolve().parent / "schemas"
NEWS_TITLE = "Lễ hội <Lồng tồng> & “chợ phiên” Bắc Kạn"


def sitemaps_plugins() -> list:
    """The plugin, unless the installed distribution already lists it as an entry point."""
    installed = {
        ep.name
        for ep in importlib.metadata.entry_points(group="portal.plugins")
        if ep.dist is not None and ep.dist.name == "blockportal"
    }
    return [] if "sitemaps" in installed else [("sitemaps", blocks.sitemaps)]


def site_config(**extra) -> dict:
    return {
        "PORTAL_BASE_URL": BASE,
        "PORTAL_PLUGIN_SITEMAPS_ARTICLES_PER_SITEMAP": 2,
        **extra,
    }


def at(days: float) -> datetime:
    """A moment ``days`` ago (negative: in the future), to the second."""
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)


#: Articles in id order: (title, status, published days ago, updated days ago).
ARTICLES = [
    ("Tin một", "published", 30, 30),
    ("Tin hai", "published", 20, 5),  # edited after publication: lastmod = the edit
    ("Tin ba", "published", 10, 10),
    ("Tin bốn", "draft", None, 1),
    ("Tin năm", "published", 3, 3),
    (NEWS_TITLE, "published", 0.5, 0.5),
    ("Tin bảy", "published", -2, 0.1),  # scheduled: published in two days
]
PUBLIC_IDS = [1, 2, 3, 5, 6]


def build_site(app) -> dict:
    """Fill ``app``'s empty database; return the ids and expected values by name."""
    with app.app_context():
        parent = Category(name="Thời sự", slug="thoi-su", position=0)
        db.session.add(parent)
        db.session.flush()
        child = Category(name="Chính trị & Xã hội", slug="chinh-tri", parent_id=parent.id)
        tourism = Category(name="Du lịch", slug="du-lich", position=1)
        db.session.add_all([child, tourism])
        db.session.flush()
        for number, (title, status, published, updated) in enumerate(ARTICLES, start=1):
            db.session.add(
                Article(
                    id=number,
                    title=title,
                    slug=f"tin-{number}",
                    category_id=(child if number % 2 else tourism).id,
                    status=status,
                    published_at=at(published) if published is not None else None,
                    created_at=at(40),
                    updated_at=at(updated),
                )
            )
        root = Page(kind="home", title="Trang chủ", path="/", layout="one_column")
        db.session.add(root)
        db.session.flush()
        about = Page(
            kind="static",
            title="Giới thiệu",
            path="/gioi-thieu",
            parent_id=root.id,
            layout="one_column",
            blocked_regions=["main"],
        )
        site_map = Page(
            kind="static",
            title="Sơ đồ trang web",
            path="/so-do-trang",
            parent_id=root.id,
            layout="one_column",
            blocked_regions=["main"],
        )
        article_page = Page(
            kind="article", title="Bài viết", parent_id=root.id, layout="one_column"
        )
        db.session.add_all([about, site_map, article_page])
        db.session.flush()
        history = Page(
            kind="static",
            title="Lịch sử",
            path="/gioi-thieu/lich-su",
            parent_id=about.id,
            layout="one_column",
            blocked_regions=["main"],
        )
        db.session.add(history)
        # Tags: one on a public article, one on the draft only; the site's tag page.
        community = Tag(name="Du lịch cộng đồng", slug="du-lich-cong-dong")
        internal = Tag(name="Nội bộ", slug="noi-bo")
        first, draft = db.session.get(Article, 1), db.session.get(Article, 4)
        first.tags.append(community)
        draft.tags.extend([internal, community])
        db.session.add(Page(kind="tag", title="Thẻ", parent_id=root.id, layout="one_column"))
        db.session.add(
            Placement(page_id=site_map.id, region="main", position=0, block_name="site_map")
        )
        db.session.commit()
        return {"parent": parent.id, "child": child.id, "tourism": tourism.id}


@pytest.fixture(scope="module")
def site_app(tmp_path_factory):
    app = make_app(
        config=site_config(),
        plugins=sitemaps_plugins(),
        instance_path=str(tmp_path_factory.mktemp("sitemaps") / "instance"),
    )
    build_site(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def site(site_app):
    return site_app.test_client()


def schema(*names: str) -> etree.XMLSchema:
    """An XML schema of the files in schemas/ (several: one importing the others)."""
    if len(names) == 1:
        return etree.XMLSchema(etree.parse(str(SCHEMAS / names[0])))
    imports = "".join(
        f'<xsd:import namespace="{etree.parse(str(SCHEMAS / name)).getroot().get("targetNamespace")}" '
        f'schemaLocation="{(SCHEMAS / name).as_uri()}"/>'
        for name in names
    )
    wrapper = f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{imports}</xsd:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


def valid(body: bytes, *schema_names: str) -> etree._Element:
    """Parse ``body`` and validate it; fail with the schema's own messages."""
    document = etree.fromstring(body)
    checker = schema(*schema_names)
    assert checker.validate(document), str(checker.error_log)
    return document
