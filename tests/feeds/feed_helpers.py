"""Helpers of the feed tests: an app with the feeds plugin and a small site to read."""

from __future__ import annotations

import importlib.metadata
import os
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

import blocks.feeds
from portal.extensions import db
from portal.models import Article, Category, MediaImage, Page, Tag, utcnow
from portal.testing import make_app

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
BASE_URL = "https://tin.backan.example"
#: A host the site answers to (e.g. an old domain) but must never put in a link.
OTHER_HOST = "cu.backan.example"

#: A title with markup characters, an emoji and control characters XML 1.0 forbids.
HOSTILE_TITLE = 'Giá <b>lúa</b> & ngô "tăng" 🌾 ở Ba Bể\x01\x0b'


def feeds_plugins() -> list:
    """Register the plugin directly unless its entry point is installed (then it loads itself)."""
    names = {ep.name for ep in importlib.metadata.entry_points(group="portal.plugins")}
    return [] if "feeds" in names else [("feeds", blocks.feeds)]


def feeds_app(*, database_url=None, config=None, instance_path=None):
    settings = {
        "PORTAL_BASE_URL": BASE_URL,
        "PORTAL_TRUSTED_HOSTS": ["tin.backan.example", OTHER_HOST],
        "PORTAL_TIMEZONE": "Asia/Ho_Chi_Minh",
    }
    settings.update(config or {})
    return make_app(
        plugins=feeds_plugins(),
        config=settings,
        database_url=database_url,
        instance_path=instance_path,
    )


def build_site(*, hostile_titles: bool = True) -> dict[str, int]:
    """Categories (one with a subcategory), pages, and articles in every state.

    Call inside an app context. Returns ids by name.
    """
    news = Category(name="Thời sự", slug="thoi-su", description="Tin thời sự trong tỉnh")
    economy = Category(name="Kinh tế", slug="kinh-te")
    empty = Category(name="Văn hóa", slug="van-hoa", position=9)  # no article yet
    db.session.add_all([news, economy, empty])
    db.session.flush()
    farming = Category(name="Nông nghiệp", slug="nong-nghiep", parent_id=economy.id)
    db.session.add(farming)
    db.session.flush()
    image = MediaImage(
        stored_name="ruong-bac-thang.jpg",
        original_name="ruong.jpg",
        mime_type="image/jpeg",
        width=1200,
        height=800,
        size=183_456,
        variants={},
    )
    tourism = Tag(name="Du lịch cộng đồng", slug="du-lich-cong-dong")
    db.session.add_all([image, tourism])
    db.session.flush()
    base = datetime(2023, 11, 29, 1, 30, tzinfo=UTC)  # 08:30 in Bắc Kạn
    now = utcnow()

    def article(title, category, *, hours=0, status="published", when=None, **extra):
        found = Article(
            title=title,
            slug=extra.pop("slug", f"bai-{len(created) + 1}"),
            lead=extra.pop("lead", f"Tóm tắt: {title}"),
            body_html=extra.pop("body_html", "<p>Toàn văn bài viết.</p>"),
            author=extra.pop("author", "Nguyễn Văn A"),
            category_id=category.id,
            status=status,
            published_at=when if when is not None else base + timedelta(hours=hours),
            **extra,
        )
        db.session.add(found)
        db.session.flush()
        created[found.slug] = found.id
        return found

    created: dict[str, int] = {}
    article(
        "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW",
        news,
        hours=0,
        slug="chi-thi-30",
        body_html=(
            '<p>Đoạn đầu <a href="/chuyen-muc/thoi-su">xem thêm</a>.</p>'
            '<p><img src="/media/anh-trong-bai.jpg" alt="Ảnh"></p>'
        ),
        image_id=image.id,
        tags=[tourism],
    )
    article(
        HOSTILE_TITLE if hostile_titles else "Giá lúa & ngô <tăng> 🌾",
        farming,
        hours=1,
        slug="gia-lua",
        image="anh/cau-treo.png",
        author="",
        tags=[tourism],
    )
    article("Kinh tế tỉnh tăng trưởng", economy, hours=2, slug="kinh-te-tang-truong")
    article("Bản nháp chưa đăng", news, hours=3, status="draft", slug="ban-nhap")
    article(
        "Bài hẹn giờ ngày mai", news, status="published", when=now + timedelta(days=1),
        slug="hen-gio",
    )  # fmt: skip
    root = Page(kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[])
    db.session.add(root)
    db.session.flush()
    pages = (("category", "Trang chuyên mục"), ("article", "Trang bài viết"), ("tag", "Trang thẻ"))
    for kind, title in pages:
        db.session.add(
            Page(
                kind=kind,
                title=title,
                parent_id=root.id,
                layout="one_column",
                blocked_regions=["main"],
            )  # fmt: skip
        )
    db.session.commit()
    created.update(
        tag=tourism.id, news=news.id, economy=economy.id, farming=farming.id, root=root.id
    )
    return created


class SiteClient(FlaskClient):
    """A test client that asks for the site's own host (PORTAL_TRUSTED_HOSTS is checked)."""

    def open(self, *args, **kwargs):
        if not args or isinstance(args[0], str):
            kwargs.setdefault("base_url", BASE_URL)
        return super().open(*args, **kwargs)


def client_of(app):
    app.test_client_class = SiteClient
    return app.test_client()
