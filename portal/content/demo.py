"""The demo site: categories, Vietnamese articles, generated photos, pages and blocks.

``flask --app wsgi portal demo`` (and ``portal setup`` on an empty site) call
:func:`load_demo`. The categories and articles are data, not code:
``demo_data/articles.json`` is a file of the import format
(docs/import-format.md), loaded through the importer ``portal import`` uses,
and ``demo_data/photos-and-dates.json`` gives each article its photo's scene
and its publication time relative to the day of loading;
``demo_data/tags-and-views.json`` gives each its tags and some views per day
(so tag pages and the "Đọc nhiều" block have something to show). The pages and
their blocks are written here. Everything here is invented for demonstration: the
articles are generic provincial news written for this project, the contact
details are placeholders, and the "photos" are landscapes drawn with Pillow
from a seeded random generator, so the same pictures come out on every run.
They go into the media library through :func:`portal.content.media.save_image`, like
any upload, so demo pages get resized copies and ``srcset``.

Loading adds only what is missing (categories by slug, articles by their
``demo:`` external id, library photos by their ``demo-NN.jpg`` name, pages by
path or by kind and category), in one transaction, so loading twice never
duplicates anything.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from portal.content.articles import tags_for
from portal.content.demo_english import load_english_demo
from portal.content.demo_pages import BlockSpec, DemoPage, article_section, place_blocks
from portal.content.importer import import_records, parse_json
from portal.content.media import PreparedImage, prepare_image, store_image
from portal.content.unit_of_work import Actor, UnitOfWork, unit_of_work
from portal.content.view_counter import add_views
from portal.extensions import db
from portal.i18n import translate, translate_count
from portal.models import Article, Category, MediaImage, Page
from portal.plugins import plugins_of

log = logging.getLogger("portal.demo")

DEMO_ID_PREFIX = "demo:"
#: Who the demo's revisions, audit entries and events name.
DEMO_ACTOR = "Nội dung mẫu"

# ---------------------------------------------------------------------------
# Categories and articles: data files in the import format
# ---------------------------------------------------------------------------

#: The demo's categories and articles, a file of the JSON import format
#: (docs/import-format.md) that ``portal import`` reads as well.
ARTICLES_FILE = "demo_data/articles.json"
#: What the import format does not say: each article's photo (the kind of
#: landscape drawn) and its publication time relative to the day of loading.
PHOTOS_AND_DATES_FILE = "demo_data/photos-and-dates.json"
#: Each demo article's tags and its views per day, today first (see _tag_and_view_articles).
TAGS_AND_VIEWS_FILE = "demo_data/tags-and-views.json"


class DemoDataError(ValueError):
    """The demo's data files do not fit together or do not import: a bug in the package."""


def _data_file(name: str) -> bytes:
    return resources.files("portal.content").joinpath(name).read_bytes()


@functools.cache
def _demo_data() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The import file (checked as any import file is) and the photos and dates by external id."""
    data = parse_json(_data_file(ARTICLES_FILE), ARTICLES_FILE)
    extras = json.loads(_data_file(PHOTOS_AND_DATES_FILE))["articles"]
    ids = [record["external_id"] for record in data["articles"]]
    if set(ids) != set(extras) or len(set(ids)) != len(ids):
        raise DemoDataError(
            translate(
                "{articles} và {photos} phải liệt kê cùng các bài viết, mỗi bài một lần"
            ).format(articles=ARTICLES_FILE, photos=PHOTOS_AND_DATES_FILE)
        )
    return data, extras


def demo_categories() -> list[tuple[str, str, str | None, str]]:
    """The demo's categories as (slug, name, parent slug, description), parents first."""
    return [
        (c["slug"], c["name"], c.get("parent"), c.get("description", ""))
        for c in _demo_data()[0]["categories"]
    ]


def demo_articles() -> list[dict[str, Any]]:
    """The demo's article records (import format), in the order of their photo numbers."""
    return copy.deepcopy(_demo_data()[0]["articles"])


# ---------------------------------------------------------------------------
# Pages: the placements of each demo page, with their settings
# ---------------------------------------------------------------------------

HOTLINE_HTML = """
<p><strong>Đường dây nóng:</strong> <a href="tel:+842093000000">0209 3 000 000</a></p>
<p><strong>Thư điện tử:</strong> <a href="mailto:bientap@example.org">bientap@example.org</a></p>
<p>Nội dung trên trang là dữ liệu mẫu dùng để trình diễn; số điện thoại và địa chỉ chỉ mang
tính minh họa.</p>
"""

TOURISM_HTML = """
<p>Du khách đến Bắc Kạn có thể tham quan hồ Ba Bể, các bản làng người Tày và thưởng thức đặc
sản địa phương.</p>
<ul>
<li>Mùa đẹp nhất: từ tháng 9 đến tháng 11.</li>
<li>Nên mang áo ấm khi nghỉ đêm ven hồ vào mùa đông.</li>
</ul>
<p>Thông tin hỗ trợ du khách: <a href="tel:+842093000001">0209 3 000 001</a> (số minh họa).</p>
"""

ABOUT_HTML = """
<p>Cổng thông tin điện tử tỉnh Bắc Kạn là kênh thông tin chính thống của tỉnh trên Internet,
cung cấp tin tức về hoạt động của các cơ quan nhà nước, tình hình kinh tế – xã hội, văn hóa và
du lịch của địa phương.</p>
<h2>Nhiệm vụ</h2>
<ul>
<li>Đăng tải kịp thời thông tin chỉ đạo, điều hành của tỉnh.</li>
<li>Giới thiệu tiềm năng, thế mạnh và điểm đến du lịch.</li>
<li>Tiếp nhận ý kiến, góp ý của người dân và doanh nghiệp.</li>
</ul>
<p>Trang này là bản trình diễn: các bài viết, số liệu và thông tin liên hệ đều là dữ liệu mẫu.</p>
"""

CONTACT_HTML = """
<p><strong>Ban biên tập Cổng thông tin điện tử tỉnh Bắc Kạn</strong></p>
<p>Địa chỉ: phường Đức Xuân, thành phố Bắc Kạn, tỉnh Bắc Kạn (địa chỉ minh họa).</p>
<p>Điện thoại: <a href="tel:+842093000000">0209 3 000 000</a> (số minh họa)</p>
<p>Thư điện tử: <a href="mailto:bientap@example.org">bientap@example.org</a></p>
<p>Bạn đọc gửi tin bài, ảnh hoặc góp ý xin ghi rõ họ tên, địa chỉ và số điện thoại để ban biên
tập tiện liên hệ.</p>
"""

#: The links block of the site_profile plugin (its links come from its own demo).
DEMO_LINKS_SETTINGS = {
    "title": "Liên kết website",
    "display": "select",
    "group": "",
    "new_tab": True,
}

FOOTER_SETTINGS = {
    "organisation": "Ủy ban nhân dân tỉnh Bắc Kạn",
    "address": "Phường Đức Xuân, thành phố Bắc Kạn, tỉnh Bắc Kạn (địa chỉ minh họa)",
    "phone": "0209 3 000 000",
    "email": "bientap@example.org",
    "note": (
        "Cơ quan quản lý: Ban biên tập Cổng thông tin điện tử tỉnh.\n"
        "Dữ liệu trình diễn — thông tin liên hệ chỉ mang tính minh họa."
    ),
    "copyright": "",
}


def _article_page_blocks(related_title: str) -> list[BlockSpec]:
    return [
        ("main", "breadcrumb", {}),
        ("main", "bulletin_toolbar", {"show_font_size": True, "show_print": True}),
        ("main", "bulletin_view", {"show_lead": True, "show_image": True, "show_source": True}),
        ("main", "related_articles", {"title": related_title, "count": 5}),
    ]


def _category_section(slug: str, name: str) -> BlockSpec:
    """A compact list of one top-level category (and its sub-categories) for the home page."""
    return article_section(slug, name, include_subcategories=True)


def demo_pages() -> list[DemoPage]:
    """The pages of the demo site, parents before children."""
    top_categories = [(slug, name) for slug, name, parent, _ in demo_categories() if parent is None]
    latest = {
        "title": "Tin mới nhất",
        "category": "",
        "count": 6,
        "show_lead": True,
        "show_image": True,
        "style": "cards",
    }
    tourism_list = {
        "title": "Khám phá Bắc Kạn",
        "category": "van-hoa-du-lich",
        "count": 4,
        "show_lead": False,
        "show_image": True,
        "style": "compact",
    }
    hotline = {"title": "Thông tin liên hệ", "html": HOTLINE_HTML}
    most_read = {"title": "Đọc nhiều", "days": 7, "count": 5}
    return [
        DemoPage(
            key="home",
            kind="home",
            title="Trang chủ",
            path="/",
            layout="main_sidebar",
            blocked_regions=(),
            blocks=(
                ("header", "site_header", {"title": "", "tagline": "", "show_today": True}),
                ("header", "language_switcher", {}),
                ("header", "search_box", {"placeholder": "Tìm tin bài…"}),
                ("header", "category_menu", {"show_home": True, "depth": 2}),
                ("main", "article_list", latest),
                *(_category_section(slug, name) for slug, name in top_categories),
                ("sidebar", "most_read", most_read),
                # The legal documents plugin's block (blocks/documents).
                ("sidebar", "documents_latest", {"title": "Văn bản mới", "count": 5}),
                ("sidebar", "article_list", tourism_list),
                ("sidebar", "rich_text", hotline),
                ("sidebar", "website_links", DEMO_LINKS_SETTINGS),
                ("footer", "footer_menu", {"menu": "footer"}),
                ("sidebar", "visitor_statistics", {"title": "Thống kê truy cập"}),
                ("footer", "site_footer", FOOTER_SETTINGS),
            ),
        ),
        DemoPage(
            key="category",
            kind="category",
            title="Trang chuyên mục",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main", "sidebar"),
            blocks=(
                ("main", "breadcrumb", {}),
                (
                    "main",
                    "article_list",
                    # No title: the list stands under the category's name.
                    {"title": "", "category": "", "count": 10, "paginate": True, "style": "list"},
                ),
                (
                    "sidebar",
                    "article_list",
                    {
                        "title": "Tin thời sự",
                        "category": "thoi-su",
                        "count": 6,
                        "show_lead": False,
                        "show_image": False,
                        "style": "compact",
                    },
                ),
                ("sidebar", "rich_text", hotline),
                # Administrative procedures' documents next to the news (blocks/documents).
                (
                    "sidebar",
                    "documents_by_field",
                    {"title": "", "field": "cai-cach-hanh-chinh", "count": 4},
                ),
            ),
        ),
        DemoPage(
            key="category-tourism",
            kind="category",
            title="Chuyên mục Văn hóa – Du lịch",
            parent="category",
            category="van-hoa-du-lich",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(
                ("main", "breadcrumb", {}),
                (
                    "main",
                    "article_list",
                    {"title": "", "category": "", "count": 9, "paginate": True, "style": "cards"},
                ),
            ),
        ),
        DemoPage(
            key="article",
            kind="article",
            title="Trang bài viết",
            parent="home",
            layout="one_column",
            blocked_regions=("main",),
            blocks=(
                *_article_page_blocks("Tin liên quan"),
                ("main", "most_read", {**most_read, "count": 5}),
            ),
        ),
        DemoPage(
            key="article-tourism",
            kind="article",
            title="Bài viết Văn hóa – Du lịch",
            parent="article",
            category="van-hoa-du-lich",
            layout="main_sidebar",
            blocked_regions=("main", "sidebar"),
            blocks=(
                *_article_page_blocks("Cùng chủ đề du lịch"),
                ("sidebar", "article_list", {**tourism_list, "title": "Điểm đến Bắc Kạn"}),
                ("sidebar", "most_read", most_read),
                ("sidebar", "rich_text", {"title": "Thông tin du lịch", "html": TOURISM_HTML}),
            ),
        ),
        DemoPage(
            key="tag",
            kind="tag",
            title="Trang thẻ",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(
                ("main", "breadcrumb", {}),
                (
                    "main",
                    "article_list",
                    # No category: the list follows the tag, under "Thẻ: <tag>".
                    {"title": "", "category": "", "count": 10, "paginate": True, "style": "list"},
                ),
            ),
        ),
        DemoPage(
            key="about",
            kind="static",
            title="Giới thiệu",
            path="/gioi-thieu",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(
                ("main", "rich_text", {"title": "Giới thiệu", "html": ABOUT_HTML}),
                (
                    "main",
                    "site_profile_organisation",
                    {"title": "Cơ cấu tổ chức", "show_leaders": True},
                ),
            ),
        ),
        DemoPage(
            key="search",
            kind="search",
            title="Tìm kiếm",
            path="/tim-kiem",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main", "sidebar"),
            blocks=(
                ("main", "search_results", {}),
                ("sidebar", "search_filters", {"title": "Bộ lọc tìm kiếm"}),
            ),
        ),
        DemoPage(
            key="contact",
            kind="static",
            title="Liên hệ",
            path="/lien-he",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(
                ("main", "rich_text", {"title": "Liên hệ", "html": CONTACT_HTML}),
                (
                    "main",
                    "site_profile_contact",
                    {"title": "Thông tin liên hệ", "show_leaders": True},
                ),
                ("main", "latest_questions", {"title": "Hỏi đáp mới", "count": 5}),
            ),
        ),
        # The HTML sitemap Circular 32/2017/TT-BTTTT expects (block of the sitemaps plugin).
        DemoPage(
            key="site_map",
            kind="static",
            title="Sơ đồ trang web",
            path="/so-do-trang",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(("main", "site_map", {"title": ""}),),
        ),
        DemoPage(
            key="feeds",
            kind="static",
            title="Nguồn tin RSS",
            path="/nguon-tin-rss",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(("main", "feed_links", {}),),
        ),
    ]


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


class DemoSettingsError(ValueError):
    """A demo placement's settings are rejected by its block: a bug in this module."""


@dataclass
class DemoCounts:
    categories: int = 0
    articles: int = 0
    pages: int = 0
    placements: int = 0

    def summary(self) -> str:
        """What was added, in the interface language (``9 chuyên mục, 26 bài viết, ...``)."""
        parts = [
            translate_count("{count} chuyên mục", self.categories).format(count=self.categories),
            translate_count("{count} bài viết", self.articles).format(count=self.articles),
            translate_count("{count} trang", self.pages).format(count=self.pages),
            translate_count("{count} khối", self.placements).format(count=self.placements),
        ]
        return ", ".join(parts)


def load_demo() -> str:
    """Add the demo site to the current app's database and return a short summary.

    Adds only what is missing, all in one transaction; the photos of new
    articles go into the media library (their files are removed again if the
    transaction fails). The articles are imported from the demo's data file
    by the importer ``portal import`` uses, so each gets a revision, an audit
    entry and its content event, named "Nội dung mẫu". A block that is not
    installed gets its placement with the settings as written here, so
    reinstalling the plugin shows it.
    """
    counts = DemoCounts()
    with unit_of_work(Actor.system(DEMO_ACTOR)) as unit:
        categories = _ensure_categories(counts)
        created = _ensure_articles(unit, counts)
        _tag_and_view_articles(created)
        _ensure_pages(categories, counts)
        _ensure_english_site(unit, counts)
        db.session.flush()
        extras = _load_plugin_demos(Actor.system(DEMO_ACTOR))
    return ", ".join([counts.summary(), *extras])


def _ensure_english_site(unit: UnitOfWork, counts: DemoCounts) -> None:
    """The English site under ``/en`` (portal.content.demo_english), counted with the rest."""
    plugins = plugins_of(current_app)
    added = load_english_demo(
        unit.actor,
        lambda block_name, settings: _checked_settings(plugins, block_name, settings),
        demo_image_name,
    )
    counts.categories += added["categories"]
    counts.articles += added["articles"]
    counts.pages += added["pages"]
    counts.placements += added["placements"]


def _load_plugin_demos(actor: Actor) -> list[str]:
    """Let each plugin add its sample content (``portal_load_demo``); return their summaries.

    Each plugin runs in a savepoint: one that raises is logged and its
    additions are rolled back, and the rest of the demo still loads.
    """
    summaries: list[str] = []
    manager = plugins_of(current_app)
    hook = manager.manager.hook.portal_load_demo
    for impl in reversed(hook.get_hookimpls()):
        if impl.plugin_name in manager.switched_off:
            continue
        savepoint = db.session.begin_nested()
        try:
            summary = impl.function(actor=actor)
            db.session.flush()
        except Exception:
            savepoint.rollback()
            log.exception("Plugin %r failed to load its demo content", impl.plugin_name)
            continue
        savepoint.commit()
        if isinstance(summary, str) and summary.strip():
            summaries.append(summary.strip())
    return summaries


def _ensure_categories(counts: DemoCounts) -> dict[str, Category]:
    existing = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (slug, name, parent_slug, description) in enumerate(demo_categories()):
        if slug in existing:
            continue
        parent = existing[parent_slug] if parent_slug else None
        category = Category(
            name=name,
            slug=slug,
            description=description,
            parent_id=parent.id if parent else None,
            position=position,
        )
        db.session.add(category)
        db.session.flush()
        existing[slug] = category
        counts.categories += 1
    return existing


def _site_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("PORTAL_TIMEZONE") or "Asia/Ho_Chi_Minh")


def publication_time(dates: dict[str, Any], today: datetime) -> datetime | None:
    """When a demo article is (or will be) published, as an aware UTC datetime; None: as in the file.

    ``dates`` is the article's entry in the photos-and-dates file:
    ``days_ago`` (or ``in_days``, scheduled) and ``at``, relative to
    ``today``, the current time in the site's time zone; dates are spread
    back from it so the demo always looks fresh.
    """
    if "at" not in dates:
        return None
    hour, minute = (int(part) for part in dates["at"].split(":"))
    if "in_days" in dates:
        day = (today + timedelta(days=int(dates["in_days"]))).date()
    else:
        day = (today - timedelta(days=int(dates["days_ago"]))).date()
    return datetime.combine(day, time(hour, minute), tzinfo=today.tzinfo).astimezone(UTC)


def demo_image_name(number: int) -> str:
    """The file name demo photo ``number`` has in the media library."""
    return f"demo-{number:02d}.jpg"


def _library_photo(
    number: int, scene: str, caption: str, existing: dict[str, MediaImage]
) -> MediaImage:
    """Demo photo ``number`` from the media library, uploaded there if it is missing.

    It goes the way of every upload (portal.media: checked, re-encoded, resized,
    stored under a random name); only the re-encoding is remembered between
    loads, since the same drawing always gives the same result.
    """
    name = demo_image_name(number)
    if name not in existing:
        widths = tuple(int(w) for w in current_app.config["PORTAL_IMAGE_WIDTHS"])
        existing[name] = store_image(
            _prepared_photo(number, scene, widths),
            name,
            alt=image_description(number, scene),
            caption=caption,
        )
    return existing[name]


@functools.lru_cache(maxsize=64)
def _prepared_photo(number: int, scene: str, widths: tuple[int, ...]) -> PreparedImage:
    return prepare_image(draw_landscape(number, scene), widths)


def _ensure_articles(unit: UnitOfWork, counts: DemoCounts) -> set[str]:
    """Import the demo articles the site lacks, each with its photo from the media library.

    Returns the external ids of the articles imported now.
    """
    records = demo_articles()
    extras = _demo_data()[1]
    today = datetime.now(_site_timezone())
    existing_ids = set(
        db.session.scalars(
            select(Article.external_id).where(Article.external_id.like(f"{DEMO_ID_PREFIX}%"))
        )
    )
    photos = {
        media.original_name: media
        for media in db.session.scalars(
            select(MediaImage).where(
                MediaImage.original_name.in_(
                    [demo_image_name(n) for n in range(1, len(records) + 1)]
                ),
                MediaImage.uploaded_by_id.is_(None),
            )
        )
    }
    missing = []
    for number, record in enumerate(records, start=1):
        if record["external_id"] in existing_ids:
            continue
        extra = extras[record["external_id"]]
        photo = _library_photo(number, extra["scene"], record.get("image_caption", ""), photos)
        record["image"] = photo.stored_name
        record["image_alt"] = image_description(number, extra["scene"])
        when = publication_time(extra, today)
        if when is not None:
            record["published_at"] = when.isoformat()
        missing.append(record)
    if not missing:
        return set()
    db.session.flush()  # the photos, for the importer to link the articles to them
    report = import_records({"version": 1, "articles": missing}, actor=unit.actor)
    if report.errors or report.created != len(missing):
        problems = "; ".join(f"{e.index} {e.field}: {e.message}" for e in report.errors)
        raise DemoDataError(
            translate("{file} không nhập được trọn vẹn: {problems}").format(
                file=ARTICLES_FILE, problems=problems
            )
        )
    counts.articles += report.created
    return {record["external_id"] for record in missing}


def _tag_and_view_articles(external_ids: set[str]) -> None:
    """Give the demo articles imported now their tags and some views per day.

    Tags go through the article desk's ``tags_for`` (existing tags are reused);
    views through the view counter's ``add_views``, on the unit of work's
    transaction, for today and the days before it in the site's time zone.
    """
    if not external_ids:
        return
    wanted = json.loads(_data_file(TAGS_AND_VIEWS_FILE))["articles"]
    articles = db.session.scalars(select(Article).where(Article.external_id.in_(external_ids)))
    today = datetime.now(_site_timezone()).date()
    by_day: dict[Any, dict[int, int]] = {}
    for article in articles:
        extra = wanted.get(article.external_id) or {}
        if extra.get("tags"):
            article.tags = tags_for(extra["tags"])
        for days_ago, views in enumerate(extra.get("daily_views") or []):
            if views > 0:
                by_day.setdefault(today - timedelta(days=days_ago), {})[article.id] = views
    db.session.flush()
    connection = db.session.connection()
    for day, views in sorted(by_day.items()):
        add_views(connection, day, views)


def _ensure_pages(categories: dict[str, Category], counts: DemoCounts) -> None:
    plugins = plugins_of(current_app)
    pages: dict[str, Page] = {}
    for spec in demo_pages():
        category_id = categories[spec.category].id if spec.category else None
        existing = _existing_page(spec.kind, spec.path, category_id)
        if existing is not None:
            pages[spec.key] = existing
            continue
        parent = pages.get(spec.parent) if spec.parent else None
        page = Page(
            kind=spec.kind,
            title=spec.title,
            path=spec.path,
            layout=spec.layout,
            category_id=category_id,
            parent_id=parent.id if parent else None,
            blocked_regions=list(spec.blocked_regions),
        )
        db.session.add(page)
        db.session.flush()
        pages[spec.key] = page
        counts.pages += 1
        counts.placements += place_blocks(
            page, spec.blocks, lambda name, settings: _checked_settings(plugins, name, settings)
        )
    db.session.flush()


def _existing_page(kind: str, path: str | None, category_id: int | None) -> Page | None:
    """The page that plays this demo page's part already, if any."""
    if path is not None:
        return db.session.scalar(select(Page).where(Page.path == path))
    query = select(Page).where(Page.kind == kind)
    if category_id is None:
        query = query.where(Page.category_id.is_(None))
    else:
        query = query.where(Page.category_id == category_id)
    return db.session.scalars(query.order_by(Page.id)).first()


def _checked_settings(plugins, block_name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as the block's form cleans them; as given when the block is missing."""
    block = plugins.block(block_name)
    if block is None:
        return dict(settings)
    clean, errors = block.validate_settings(settings)
    if errors:
        raise DemoSettingsError(
            translate("thiết lập mẫu của khối {block} không hợp lệ: {errors}").format(
                block=repr(block_name), errors=errors
            )
        )
    return clean


# ---------------------------------------------------------------------------
# Photos: landscapes drawn with Pillow
# ---------------------------------------------------------------------------

IMAGE_SIZE = (1200, 675)
JPEG_OPTIONS = {"quality": 82, "progressive": True, "optimize": True}

# time of day -> (sky at the top, sky at the horizon, sun), and how to describe it
SKIES = {
    "morning": ((118, 170, 222), (252, 226, 190), (255, 244, 214)),
    "noon": ((62, 132, 214), (186, 218, 240), (255, 252, 236)),
    "evening": ((74, 92, 160), (250, 170, 110), (255, 214, 150)),
}
SKY_WORDS = {
    "morning": "bầu trời buổi sáng",
    "noon": "bầu trời xanh giữa trưa",
    "evening": "bầu trời hoàng hôn",
}
SCENE_WORDS = {
    "fields": "dãy núi xanh phía xa, cánh đồng lúa trải dài và một ngôi nhà sàn",
    "lake": "mặt hồ phẳng lặng in bóng núi, một chiếc thuyền nhỏ trên hồ",
    "town": "những tòa nhà nhiều tầng mái đỏ dưới chân núi và con đường dẫn vào phố",
    "forest": "đồi núi phủ rừng cây xanh và một ngôi nhà sàn giữa rừng",
}
SCENES = tuple(SCENE_WORDS)


def _image_seed(number: int) -> str:
    return f"blockportal-demo-photo-{number}"


def _time_of_day(number: int) -> str:
    return random.Random(_image_seed(number)).choice(list(SKIES))


def image_description(number: int, scene: str) -> str:
    """Alt text that says what demo photo ``number`` really shows."""
    return f"Tranh phong cảnh minh họa: {SCENE_WORDS[scene]}, {SKY_WORDS[_time_of_day(number)]}."


@functools.lru_cache(maxsize=64)
def draw_landscape(number: int, scene: str) -> bytes:
    """A 1200×675 JPEG landscape, the same bytes for the same number and scene.

    Drawing all photos takes about a second, so the bytes are kept for the
    life of the process (loading the demo again reuses them).
    """
    if scene not in SCENE_WORDS:
        raise ValueError(f"unknown scene {scene!r}; choose one of {', '.join(SCENES)}")
    rng = random.Random(_image_seed(number))
    time_of_day = rng.choice(list(SKIES))
    horizon_color = SKIES[time_of_day][1]
    width, height = IMAGE_SIZE
    horizon = int(height * rng.uniform(0.50, 0.60))

    image = _draw_sky(rng, SKIES[time_of_day], horizon)
    draw = ImageDraw.Draw(image)
    flat = scene in {"lake", "town"}
    near = rng.choice(((46, 96, 58), (38, 86, 70), (58, 104, 52)))
    layers = 3 if flat else 4
    for layer in range(layers):
        depth = (layer + 1) / layers
        color = _mix(_mix(horizon_color, (90, 120, 140), 0.35), near, depth)
        base = horizon - 150 * (1 - depth) + (0 if flat else 40 * depth)
        ridge = _ridge(rng, width, base, rng.uniform(50, 100) * (1.2 - depth * 0.5), 1 + layer)
        if flat:
            ridge = [(x, min(y, horizon)) for x, y in ridge]
        draw.polygon([(0, height), *ridge, (width, height)], fill=color)

    if scene == "fields":
        _draw_fields(draw, rng, horizon + 40)
        _draw_stilt_house(
            draw, rng, rng.randint(100, width - 260), horizon + 70, rng.uniform(0.8, 1.1)
        )
    elif scene == "lake":
        _draw_lake(image, rng, horizon)
        _draw_boat(ImageDraw.Draw(image), rng, horizon)
    elif scene == "town":
        _draw_town(draw, rng, horizon + 10)
    else:
        _draw_forest(draw, rng, horizon)

    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", **JPEG_OPTIONS)
    return buffer.getvalue()


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _vertical_gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    """A top-to-bottom colour gradient (one column computed, then stretched)."""
    width, height = size
    column = Image.new("RGB", (1, height))
    column.putdata([_mix(top, bottom, y / max(1, height - 1)) for y in range(height)])
    return column.resize(size, Image.Resampling.NEAREST)


def _ridge(rng: random.Random, width: int, base: float, amplitude: float, roughness: int):
    """A mountain ridge line: a few summed sine waves with a little noise."""
    waves = [
        (rng.uniform(0.5, 3.5) * roughness, rng.uniform(0, math.tau), rng.uniform(0.3, 1.0))
        for _ in range(4)
    ]
    total = sum(weight for _, _, weight in waves)
    points = []
    for x in range(0, width + 20, 20):
        t = x / width
        y = sum(w * math.sin(f * math.tau * t + p) for f, p, w in waves) / total
        points.append((x, base - amplitude * y + rng.uniform(-4, 4)))
    return points


def _draw_sky(rng: random.Random, colors: tuple, horizon: int) -> Image.Image:
    """Gradient sky, a sun with a soft halo and a few clouds, as a full-size RGBA image.

    The sky has no sharp edges, so it is painted at a quarter of the size and
    scaled up once: it looks the same and costs a fraction of full-size blurs.
    """
    sky_top, horizon_color, sun_color = colors
    width, height = IMAGE_SIZE
    scale = 4
    small = (width // scale, height // scale)
    sky = _vertical_gradient(small, sky_top, horizon_color).convert("RGBA")

    def shrink(box):
        return [value / scale for value in box]

    sun_x = rng.randint(150, width - 150)
    sun_y = rng.randint(80, horizon - 120)
    halo = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(halo)
    for radius, alpha in ((170, 50), (110, 80)):
        box = (sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius)
        draw.ellipse(shrink(box), fill=(*sun_color, alpha))
    sky.alpha_composite(halo.filter(ImageFilter.GaussianBlur(10)))

    layer = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.ellipse(shrink((sun_x - 38, sun_y - 38, sun_x + 38, sun_y + 38)), fill=(*sun_color, 255))
    for _ in range(rng.randint(2, 5)):
        cx, cy = rng.randint(0, width), rng.randint(30, horizon - 150)
        for _ in range(5):
            dx, dy = rng.randint(-90, 90), rng.randint(-18, 18)
            rx, ry = rng.randint(50, 110), rng.randint(18, 34)
            box = (cx + dx - rx, cy + dy - ry, cx + dx + rx, cy + dy + ry)
            draw.ellipse(shrink(box), fill=(255, 255, 255, 70))
    sky.alpha_composite(layer.filter(ImageFilter.GaussianBlur(0.6)))
    return sky.resize(IMAGE_SIZE, Image.Resampling.BILINEAR)


def _draw_fields(draw: ImageDraw.ImageDraw, rng: random.Random, top: int) -> None:
    """Terraced rice fields: wavy bands of green and ripening yellow."""
    width, height = IMAGE_SIZE
    colors = [(128, 170, 72), (170, 190, 80), (206, 196, 96), (112, 156, 70)]
    bands = rng.randint(6, 9)
    phase = rng.uniform(0, math.tau)
    for band in range(bands):
        y0 = top + (height - top) * band / bands
        amplitude = 8 + band * 3
        edge = [
            (x, y0 + amplitude * math.sin(x / width * math.tau * 0.8 + phase + band * 0.4))
            for x in range(0, width + 40, 40)
        ]
        draw.polygon(
            [(0, height), *edge, (width, height)],
            fill=colors[(band + rng.randint(0, 3)) % len(colors)],
        )
        draw.line(edge, fill=(92, 120, 60), width=2)


def _draw_stilt_house(draw, rng: random.Random, x: float, y: float, scale: float) -> None:
    """A Tày stilt house (nhà sàn): posts, wooden walls, a wide roof."""
    w, h = 110 * scale, 46 * scale
    roof = rng.choice(((96, 64, 48), (120, 60, 44), (80, 80, 86)))
    for post_x in (x + 8 * scale, x + w / 2, x + w - 8 * scale):
        draw.rectangle(
            (post_x - 3 * scale, y, post_x + 3 * scale, y + 30 * scale), fill=(90, 62, 40)
        )
    draw.rectangle((x, y - h, x + w, y), fill=(150, 104, 66))
    draw.polygon(
        [(x - 18 * scale, y - h), (x + w / 2, y - h - 44 * scale), (x + w + 18 * scale, y - h)],
        fill=roof,
    )
    draw.rectangle((x + w * 0.4, y - h * 0.7, x + w * 0.6, y), fill=(70, 48, 32))


def _draw_lake(image: Image.Image, rng: random.Random, horizon: int) -> None:
    """Water below the horizon: the scene above mirrored, tinted, blurred, with ripples."""
    width, height = IMAGE_SIZE
    depth = height - horizon
    above = image.crop((0, horizon - depth, width, horizon)).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM
    )
    tint = Image.new("RGB", (width, depth), (30, 80, 100))
    water = Image.blend(above.convert("RGB"), tint, 0.35).filter(ImageFilter.GaussianBlur(3))
    water = water.convert("RGBA")
    draw = ImageDraw.Draw(water)
    for _ in range(60):
        x, y, length = rng.randint(0, width), rng.randint(6, depth - 4), rng.randint(20, 110)
        draw.line((x, y, x + length, y), fill=(255, 255, 255, 50), width=1)
    image.alpha_composite(water, (0, horizon))


def _draw_boat(draw, rng: random.Random, horizon: int) -> None:
    width, height = IMAGE_SIZE
    x = rng.randint(250, width - 250)
    y = rng.randint(horizon + 60, height - 80)
    s = rng.uniform(0.8, 1.2)
    hull = (60, 40, 30)
    draw.polygon(
        [(x - 70 * s, y), (x + 70 * s, y), (x + 50 * s, y + 16 * s), (x - 50 * s, y + 16 * s)],
        fill=hull,
    )
    draw.line((x + 10 * s, y, x + 10 * s, y - 36 * s), fill=hull, width=max(1, int(3 * s)))
    draw.ellipse((x - 6 * s, y - 22 * s, x + 6 * s, y - 10 * s), fill=(200, 60, 50))


def _draw_town(draw, rng: random.Random, street: int) -> None:
    """A row of buildings with windows and red roofs, a road running into town."""
    width, height = IMAGE_SIZE
    draw.rectangle((0, street, width, height), fill=(120, 150, 90))
    x = rng.randint(-40, 20)
    while x < width:
        w, h = rng.randint(60, 130), rng.randint(60, 190)
        wall = rng.choice(((236, 226, 200), (220, 210, 230), (250, 240, 210), (214, 230, 236)))
        draw.rectangle((x, street - h, x + w, street + 20), fill=wall)
        if rng.random() < 0.5:
            draw.polygon(
                [(x - 6, street - h), (x + w / 2, street - h - 26), (x + w + 6, street - h)],
                fill=(170, 70, 50),
            )
        for window_y in range(street - h + 14, street + 6, 26):
            for window_x in range(x + 10, x + w - 16, 22):
                draw.rectangle(
                    (window_x, window_y, window_x + 10, window_y + 12), fill=(90, 110, 140)
                )
        x += w + rng.randint(4, 30)
    draw.polygon(
        [
            (width * 0.42, height),
            (width * 0.58, height),
            (width * 0.51, street + 22),
            (width * 0.49, street + 22),
        ],
        fill=(110, 110, 116),
    )


def _draw_tree(draw, rng: random.Random, x: float, y: float, size: float) -> None:
    crown = rng.choice(((34, 80, 44), (44, 96, 50), (28, 70, 52)))
    draw.rectangle((x - size * 0.08, y - size * 0.3, x + size * 0.08, y), fill=(86, 60, 40))
    draw.ellipse((x - size * 0.45, y - size * 1.1, x + size * 0.45, y - size * 0.25), fill=crown)


def _draw_forest(draw, rng: random.Random, horizon: int) -> None:
    """Trees from far to near, with a stilt house among them."""
    width, height = IMAGE_SIZE
    trees = sorted(
        ((rng.randint(0, width), rng.randint(horizon + 20, height + 30)) for _ in range(28)),
        key=lambda tree: tree[1],
    )
    house_y = horizon + 80
    house_x = rng.randint(100, width - 260)
    for x, y in trees:
        if y > house_y and house_x is not None:
            _draw_stilt_house(draw, rng, house_x, house_y, 1.0)
            house_x = None
        _draw_tree(draw, rng, x, y, 40 + (y - horizon) * 0.4)
    if house_x is not None:
        _draw_stilt_house(draw, rng, house_x, house_y, 1.0)
