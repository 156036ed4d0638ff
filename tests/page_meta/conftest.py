"""One small site for the metadata tests, built once per module (it is only read).

Home, a category with two subcategories' worth of articles over several pages,
an article with a media-library photo and tags, an article whose title tries to
break out of the JSON-LD script, a static page, a search page and a plugin page
(the ``reception`` test plugin).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Article, Category, Page, Placement
from portal.models.content import MediaImage, Tag
from portal.testing import make_app

BASE_URL = "https://tinbackan.gov.vn"
HOSTILE_TITLE = 'Tin </script><script>alert("x")</script> & <b>đậm</b>'
PER_PAGE = 2
ARTICLES_IN_CATEGORY = 5  # three pages of two


def load_test_plugin(name: str):
    """A plugin of tests/plugins/ by file path (as the ``test_plugin`` fixture does)."""
    module_name = f"portal_test_plugins.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = Path(__file__).resolve().parent.parent / "plugins" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class MetaSite:
    app: object
    article_url: str
    hostile_url: str
    category_url: str


def build_site() -> dict[str, str]:
    category = Category(
        name="Thời sự", slug="thoi-su", description="Tin thời sự trong tỉnh và trong nước."
    )
    db.session.add(category)
    db.session.flush()
    photo = MediaImage(
        stored_name="uploads/ab/anh-ho-ba-be.jpg",
        original_name="ho-ba-be.jpg",
        mime_type="image/jpeg",
        width=1200,
        height=675,
        size=123456,
        variants={},
        alt="Hồ Ba Bể buổi sáng",
    )
    db.session.add(photo)
    db.session.flush()
    start = datetime(2023, 11, 1, 1, 30, tzinfo=UTC)
    articles = []
    for number in range(ARTICLES_IN_CATEGORY):
        articles.append(
            Article(
                title=f"Bài viết số {number + 1} về Bắc Kạn",
                slug=f"bai-viet-so-{number + 1}-ve-bac-kan",
                lead=f"<p>Sapo của bài số {number + 1}: Bắc Kạn phát triển du lịch.</p>",
                body_html="<p>Nội dung.</p>",
                author="Nguyễn Văn A",
                category_id=category.id,
                status="published",
                published_at=start + timedelta(days=number),
            )
        )
    featured = articles[-1]
    featured.image_id = photo.id
    featured.tags = [Tag(name="Chỉ thị 30", slug="chi-thi-30"), Tag(name="Du lịch", slug="du-lich")]
    hostile = Article(
        title=HOSTILE_TITLE,
        slug="tin-script",
        # Text, escaped as the editor saves it: its plain text holds the tags.
        lead="<p>Sapo &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        body_html="<p>Nội dung.</p>",
        author="",
        category_id=None,
        status="published",
        published_at=start - timedelta(days=30),
    )
    db.session.add_all([*articles, hostile])

    root = Page(kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[])
    db.session.add(root)
    db.session.flush()
    pages = {
        "category": Page(kind="category", title="Trang chuyên mục", parent_id=root.id),
        "article": Page(kind="article", title="Trang bài viết", parent_id=root.id),
        "static": Page(kind="static", title="Giới thiệu", path="/gioi-thieu", parent_id=root.id),
        "search": Page(kind="search", title="Tìm kiếm", path="/tim-kiem", parent_id=root.id),
    }
    for page in pages.values():
        page.layout = "one_column"
        page.blocked_regions = ["main"]
    db.session.add_all(pages.values())
    db.session.flush()
    placements = [
        (root, "main", "article_list", {"title": "Tin mới", "count": 3}),
        (pages["category"], "main", "breadcrumb", {}),
        (
            pages["category"],
            "main",
            "article_list",
            {"title": "", "count": PER_PAGE, "paginate": True},
        ),
        (pages["article"], "main", "breadcrumb", {}),
        (pages["article"], "main", "bulletin_view", {}),
        (pages["static"], "main", "rich_text", {"html": "<p>Giới thiệu cổng thông tin.</p>"}),
        (pages["search"], "main", "rich_text", {"html": "<p>Tìm kiếm.</p>"}),
    ]
    for position, (page, region, name, settings) in enumerate(placements):
        db.session.add(
            Placement(
                page_id=page.id,
                region=region,
                position=position,
                block_name=name,
                settings=settings,
            )
        )
    db.session.commit()
    return {
        "article_url": f"/bai-viet/{featured.id}-{featured.slug}",
        "hostile_url": f"/bai-viet/{hostile.id}-{hostile.slug}",
        "category_url": "/chuyen-muc/thoi-su",
    }


@pytest.fixture(scope="module")
def meta_site(tmp_path_factory):
    app = make_app(
        config={"PORTAL_BASE_URL": BASE_URL},
        plugins=[("reception", load_test_plugin("reception"))],
        instance_path=str(tmp_path_factory.mktemp("meta") / "instance"),
    )
    with app.app_context():
        urls = build_site()
    yield MetaSite(app=app, **urls)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(meta_site):
    return meta_site.app.test_client()


class Head(HTMLParser):
    """What a page's ``<head>`` says: meta tags, links, JSON-LD, title, ``<html lang>``."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.json_ld: list[str] = []
        self.lang = None
        self.title = ""
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "meta":
            key = values.get("property") or values.get("name")
            if key:
                self.meta.setdefault(key, []).append(values.get("content", ""))
        elif tag == "link":
            self.links.setdefault(values.get("rel", ""), []).append(values.get("href", ""))
        elif tag == "title":
            self._in = "title"
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in = "ld"
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag in {"title", "script"}:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "ld":
            self.json_ld[-1] += data

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0]

    @property
    def canonical(self) -> str | None:
        found = self.links.get("canonical", [])
        assert len(found) <= 1, found
        return found[0] if found else None
