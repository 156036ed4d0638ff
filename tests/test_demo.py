"""The demo site: what `portal demo` / `portal setup` create, and that loading is safe to repeat."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.content import demo as demo_module
from portal.content import demo_english
from portal.content.demo import (
    FOOTER_SETTINGS,
    demo_articles,
    demo_categories,
    demo_pages,
    load_demo,
)
from portal.extensions import db
from portal.models import (
    Article,
    ArticleRevision,
    AuditEntry,
    Category,
    IndexedDocument,
    MediaImage,
    Page,
    Placement,
)
from portal.plugins import plugins_of
from portal.site import article_url
from portal.testing import events_written, make_app
from portal.text import format_date, sanitize_html, slugify

REFERENCE_TITLE = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
# The Vietnamese site, then the English one under /en (portal.content.demo_english).
EXPECTED_PLACEMENTS = sum(len(page.blocks) for page in demo_pages()) + sum(
    len(page.blocks) for page in demo_english.english_pages()
)
ARTICLES = demo_articles()
CATEGORIES = demo_categories()
ALL_ARTICLES = len(ARTICLES) + len(demo_english.ARTICLES)
ALL_CATEGORIES = len(CATEGORIES) + len(demo_english.CATEGORIES)
PAGES = len(demo_pages()) + len(demo_english.english_pages())


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> tuple[int, int, int, int]:
    return count(Category), count(Article), count(Page), count(Placement)


def media_folder(app) -> Path:
    return Path(app.instance_path) / app.config["PORTAL_MEDIA_DIR"]


@pytest.fixture
def demo(app):
    with app.app_context():
        return load_demo()


def test_demo_loads_on_an_empty_database(app, demo):
    # The core's counts first; the plugins' summaries (portal_load_demo) follow.
    assert demo.startswith(
        f"{ALL_CATEGORIES} chuyên mục, {ALL_ARTICLES} bài viết, "
        f"{PAGES} trang, {EXPECTED_PLACEMENTS} khối"
    )
    assert "thống kê truy cập 365 ngày" in demo
    with app.app_context():
        assert counts() == (ALL_CATEGORIES, ALL_ARTICLES, PAGES, EXPECTED_PLACEMENTS)
        assert len(ARTICLES) >= 24
        subcategories = db.session.scalars(select(Category).where(Category.parent_id.is_not(None)))
        assert {c.slug for c in subcategories} == {"chinh-tri", "xa-hoi"}
        # Every category shows something, so no listing on the demo site is empty.
        public = db.session.scalars(select(Article).where(Article.public_filter())).all()
        assert {a.category_id for a in public} == set(db.session.scalars(select(Category.id)))


def test_reference_article_is_dated_29_11_2023_with_its_author(app, demo):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.title == REFERENCE_TITLE))
        assert article.slug == "bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw"
        assert format_date(article.published_at) == "29/11/2023"
        assert article.published_at.utcoffset().total_seconds() == 0  # stored as UTC
        assert article.author
        assert article.category.slug == "chinh-tri"


def test_pages_make_a_complete_site(app, demo):
    with app.app_context():
        pages = db.session.scalars(select(Page)).all()
        root = next(p for p in pages if p.path == "/")
        assert (root.kind, root.layout, root.title, root.parent_id) == (
            "home",
            "main_sidebar",
            "Trang chủ",
            None,
        )
        assert root.blocked_regions == []
        regions = {p.region for p in root.placements}
        assert regions == {"header", "main", "sidebar", "footer"}

        default_category = next(p for p in pages if p.kind == "category" and not p.category_id)
        assert default_category.parent_id == root.id
        assert sorted(default_category.blocked_regions) == ["main", "sidebar"]
        paginated = [p for p in default_category.placements if p.block_name == "article_list"]
        assert any(p.settings.get("paginate") for p in paginated)

        default_article = next(p for p in pages if p.kind == "article" and not p.category_id)
        assert (default_article.layout, default_article.blocked_regions) == ("one_column", ["main"])
        assert [p.block_name for p in default_article.placements] == [
            "breadcrumb",
            "bulletin_toolbar",
            "bulletin_view",
            "related_articles",
            "most_read",
        ]

        tourism = db.session.scalar(select(Category).where(Category.slug == "van-hoa-du-lich"))
        tourism_article = next(
            p for p in pages if p.kind == "article" and p.category_id == tourism.id
        )
        assert {p.region for p in tourism_article.placements} == {"main", "sidebar"}

        search = next(p for p in pages if p.kind == "search")
        assert (search.path, search.title, search.parent_id) == ("/tim-kiem", "Tìm kiếm", root.id)
        assert sorted(search.blocked_regions) == ["main", "sidebar"]
        assert [p.block_name for p in search.placements] == ["search_results", "search_filters"]
        assert "search_box" in [p.block_name for p in root.placements if p.region == "header"]

        static = {p.path: p for p in pages if p.kind == "static" and p.language == "vi"}
        assert set(static) == {"/gioi-thieu", "/lien-he", "/so-do-trang", "/nguon-tin-rss"}
        for page in static.values():
            assert page.parent_id == root.id
            assert page.blocked_regions == ["main"]
        assert [p.block_name for p in static["/gioi-thieu"].placements] == [
            "rich_text",
            "site_profile_organisation",
        ]
        assert [p.block_name for p in static["/lien-he"].placements] == [
            "rich_text",
            "site_profile_contact",
            "latest_questions",
        ]
        assert [p.block_name for p in static["/so-do-trang"].placements] == ["site_map"]
        assert [p.block_name for p in static["/nguon-tin-rss"].placements] == ["feed_links"]


def test_every_placement_holds_settings_its_block_accepts(app, demo):
    with app.app_context():
        plugins = plugins_of(app)
        validated = set()
        for placement in db.session.scalars(select(Placement)):
            block = plugins.block(placement.block_name)
            if block is None:  # another plugin not installed here: stored as written
                continue
            clean, errors = block.validate_settings(placement.settings)
            assert errors == {}, (placement.block_name, errors)
            assert clean == placement.settings, placement.block_name
            validated.add(placement.block_name)
        assert {"bulletin_toolbar", "bulletin_view"} <= validated


def test_articles_are_complete_and_their_bodies_sanitized(app, demo):
    with app.app_context():
        for article in db.session.scalars(select(Article)):
            assert article.body_html == sanitize_html(article.body_html)
            assert 3 <= article.body_html.count("<p>") <= 7, article.title
            assert article.slug == slugify(article.title)
            assert article.lead and article.author and article.category_id
            # The photo comes from the media library (uploaded through save_image).
            assert article.image_file is not None
            assert article.image == article.image_file.stored_name
            assert article.image_caption and article.image_alt
        sources = db.session.scalars(select(Article.source).where(Article.source != "")).all()
        assert sources, "some demo articles name their source"


def test_draft_and_scheduled_articles_are_hidden(app, client, demo):
    with app.app_context():
        articles = db.session.scalars(select(Article)).all()
        draft = next(a for a in articles if a.status == "draft")
        scheduled = next(
            a for a in articles if a.status == "published" and a.published_at and not a.is_public
        )
        assert draft.published_at is None
        public_count = db.session.scalar(
            select(func.count()).select_from(Article).where(Article.public_filter())
        )
        assert public_count == ALL_ARTICLES - 2  # the English ones are all public
        with app.test_request_context():
            hidden_urls = [article_url(draft), article_url(scheduled)]
            reference = db.session.scalar(select(Article).where(Article.title == REFERENCE_TITLE))
            reference_url = article_url(reference)
        hidden_titles = [draft.title, scheduled.title]

    for url in hidden_urls:
        assert client.get(url).status_code == 404
    page = client.get(reference_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert REFERENCE_TITLE in html
    assert "29/11/2023" in html
    home = client.get("/").get_data(as_text=True)
    for title in hidden_titles:
        assert title not in home


def test_images_are_valid_jpegs_in_the_media_folder(app, demo):
    folder = media_folder(app)
    with app.app_context():
        photos = db.session.scalars(
            select(MediaImage)
            .join(Article, Article.image_id == MediaImage.id)
            .where(Article.language == "vi")  # the English articles reuse these photos
        ).all()
        images = [(photo.stored_name, dict(photo.variants)) for photo in photos]
        assert len(images) == len(ARTICLES)
    digests = set()
    for image, variants in images:
        path = folder / image
        with Image.open(path) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (1200, 675)
            picture.verify()
        # Resized copies for srcset: every configured width below the photo's own.
        assert sorted(int(width) for width in variants) == [480, 800]
        for width, name in variants.items():
            with Image.open(folder / name) as copy:
                assert copy.width == int(width)
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(digests) == len(images), "every article has its own picture"


def test_media_route_serves_a_demo_image(app, client, demo):
    with app.app_context():
        image = db.session.scalar(select(Article.image).order_by(Article.id).limit(1))
    response = client.get(f"/media/{image}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data[:3] == b"\xff\xd8\xff"


def test_demo_photos_are_uploaded_to_the_library_once(app, demo):
    with app.app_context():
        first = {m.original_name: m.stored_name for m in db.session.scalars(select(MediaImage))}
        assert sorted(first) == [f"demo-{n:02d}.jpg" for n in range(1, len(ARTICLES) + 1)]
        article = db.session.scalar(select(Article).where(Article.title == REFERENCE_TITLE))
        photo_id = article.image_id
        db.session.delete(article)
        db.session.commit()

        assert load_demo().startswith("0 chuyên mục, 1 bài viết")

        again = {m.original_name: m.stored_name for m in db.session.scalars(select(MediaImage))}
        assert again == first  # the article came back with the photo already in the library
        article = db.session.scalar(select(Article).where(Article.title == REFERENCE_TITLE))
        assert article.image_id == photo_id
    files = [p for p in (media_folder(app) / "uploads").rglob("*") if p.is_file()]
    assert len(files) == 3 * len(ARTICLES)  # each photo and its two copies, nothing else


def test_setup_twice_does_not_duplicate(app, runner):
    first = runner.invoke(args=["portal", "setup"])
    assert first.exit_code == 0, first.output
    assert "đã nạp nội dung mẫu" in first.output
    with app.app_context():
        after_first = counts()
    second = runner.invoke(args=["portal", "setup"])
    assert second.exit_code == 0, second.output
    assert "giữ nguyên nội dung có sẵn" in second.output
    with app.app_context():
        assert counts() == after_first


def test_demo_refuses_on_a_site_with_pages_and_changes_nothing(app, runner):
    assert runner.invoke(args=["portal", "setup"]).exit_code == 0
    with app.app_context():
        before = counts()
        titles_before = sorted(db.session.scalars(select(Page.title)))
    result = runner.invoke(args=["portal", "demo"])
    assert result.exit_code != 0
    assert "Site đã có trang nên không có gì thay đổi" in result.output
    with app.app_context():
        assert counts() == before
        assert sorted(db.session.scalars(select(Page.title))) == titles_before


def test_demo_force_adds_only_what_is_missing(app, runner):
    assert runner.invoke(args=["portal", "setup"]).exit_code == 0
    with app.app_context():
        before = counts()
        article = db.session.scalar(select(Article).where(Article.title == REFERENCE_TITLE))
        db.session.delete(article)
        db.session.commit()
    result = runner.invoke(args=["portal", "demo", "--force"])
    assert result.exit_code == 0, result.output
    assert "0 chuyên mục, 1 bài viết, 0 trang, 0 khối" in result.output
    with app.app_context():
        assert counts() == before


def test_demo_loads_when_block_plugins_are_missing():
    """Placements of blocks that are not installed keep the settings written in the demo."""
    import blocks.bulletin_view

    app = make_app(autoload=False, plugins=[("bulletin_view", blocks.bulletin_view)])
    with app.app_context():
        load_demo()
        assert count(Placement) == EXPECTED_PLACEMENTS
        footer = db.session.scalar(select(Placement).where(Placement.block_name == "site_footer"))
        assert footer.settings == FOOTER_SETTINGS
        view = db.session.scalar(select(Placement).where(Placement.block_name == "bulletin_view"))
        assert view.settings == {"show_lead": True, "show_image": True, "show_source": True}
        db.session.remove()
        db.engine.dispose()


def test_demo_articles_are_imported_with_a_revision_an_audit_entry_and_their_events(app):
    with events_written(app) as events, app.app_context():
        load_demo()
    with app.app_context():
        articles = db.session.scalars(select(Article).order_by(Article.id)).all()
        public = [a.id for a in articles if a.is_public]
        revisions = db.session.execute(
            select(ArticleRevision.article_id, ArticleRevision.created_by_name)
        ).all()
        assert sorted(revisions) == [(a.id, "Nội dung mẫu") for a in articles]
        entries = db.session.execute(
            select(AuditEntry.subject_id, AuditEntry.action, AuditEntry.user_name).where(
                AuditEntry.subject_type == "article"
            )
        ).all()
        assert sorted(entries) == [(a.id, "article.create", "Nội dung mẫu") for a in articles]
        # Every revision holds the photo chosen from the library, as a save in the editor would.
        snapshots = db.session.scalars(select(ArticleRevision.snapshot)).all()
        assert all(snapshot["image_id"] for snapshot in snapshots)
    # One event per published article: readers see it now or at its time (the scheduled one
    # is announced for the search index, which keeps it hidden until then); the draft is not.
    published = [a.id for a in articles if a.status == "published" and a.published_at]
    # (Plugins' demos announce their own events, e.g. site_profile's purges.)
    article_events = [event for event in events if event[1] == "article"]
    assert article_events == [("published", "article", article_id) for article_id in published]
    assert len(public) == ALL_ARTICLES - 2 and len(published) == ALL_ARTICLES - 1
    with app.app_context():  # the events filled the search index
        indexed = select(IndexedDocument.object_id).where(IndexedDocument.kind == "article")
        assert sorted(db.session.scalars(indexed)) == published

    with events_written(app) as events, app.app_context():
        assert load_demo().startswith("0 chuyên mục, 0 bài viết")
        assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == ALL_ARTICLES
    assert events == []


def test_the_demo_data_file_is_an_import_file(app, runner):
    """`portal import` reads the demo's data file as it is (without the photos and dates)."""
    data_file = Path(demo_module.__file__).parent / demo_module.ARTICLES_FILE
    result = runner.invoke(args=["portal", "import", str(data_file)])
    assert result.exit_code == 0, result.output
    assert (
        f"bài viết: {len(ARTICLES)} mới, 0 cập nhật, 0 không đổi, 0 bỏ qua; "
        f"chuyên mục: {len(CATEGORIES)} mới, 0 đã có trên site, 0 bỏ qua"
    ) in result.output


def test_the_summary_follows_the_interface_language(tmp_path):
    counts = demo_module.DemoCounts(categories=1, articles=26, pages=0, placements=2)
    assert counts.summary() == "1 chuyên mục, 26 bài viết, 0 trang, 2 khối"  # no app: Vietnamese
    app = make_app(
        config={"PORTAL_DEFAULT_LOCALE": "en"}, autoload=False, instance_path=str(tmp_path)
    )
    with app.app_context():
        assert counts.summary() == "1 category, 26 articles, 0 pages, 2 blocks"


def test_a_demo_article_that_does_not_import_leaves_nothing(app, monkeypatch):
    """The importer joins the demo's unit of work: one bad record rolls back the whole load."""
    broken = demo_articles()
    broken[-1]["title"] = ""
    monkeypatch.setattr(demo_module, "demo_articles", lambda: copy.deepcopy(broken))
    with events_written(app) as events, app.app_context():
        with pytest.raises(demo_module.DemoDataError, match="title: không được để trống"):
            load_demo()
        assert counts() == (0, 0, 0, 0)
        assert count(MediaImage) == count(ArticleRevision) == count(AuditEntry) == 0
    assert events == []
    assert [p for p in (media_folder(app)).rglob("*") if p.is_file()] == []
