"""`portal import-feed`: articles from RSS 2.0 and Atom files into a chosen category."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Article, ArticleRevision, AuditEntry, Category
from portal.testing import events_written, sample_content

DATA = Path(__file__).resolve().parent / "data"
RSS = DATA / "tin-tuc.rss"
ATOM = DATA / "thong-bao.atom"


@pytest.fixture
def site(app):
    """The sample site plus an empty category "Du lịch" to import into."""
    with app.app_context():
        sample_content()
        db.session.add(Category(name="Du lịch", slug="du-lich", position=5))
        db.session.commit()


def feed_articles(app) -> dict[str, Article]:
    with app.app_context():
        rows = db.session.scalars(select(Article).where(Article.external_id.like("feed:%")))
        articles = {a.external_id: a for a in rows}
        for article in articles.values():
            db.session.expunge(article)
        return articles


def article_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Article))


def test_rss_entries_become_published_articles_of_the_category(app, runner, site):
    result = runner.invoke(args=["portal", "import-feed", str(RSS), "--category", "du-lich"])

    assert (
        "mục trong nguồn tin: 5; bài viết: 2 mới, 0 cập nhật, 0 không đổi, 3 bỏ qua"
        in result.output
    )
    assert result.exit_code == 1  # some entries were skipped
    articles = feed_articles(app)
    assert set(articles) == {
        "feed:https://babe.example.org/#babe-2024-001",  # a bare guid is scoped by the feed
        "feed:https://babe.example.org/tin/dang-ky-tham-quan",  # no guid: the link
    }
    festival = articles["feed:https://babe.example.org/#babe-2024-001"]
    with app.app_context():
        du_lich = db.session.scalar(select(Category).where(Category.slug == "du-lich"))
    assert festival.title == "Khai mạc lễ hội xuân trên hồ Ba Bể"
    assert festival.category_id == du_lich.id
    assert festival.status == "published" and festival.is_public
    assert festival.published_at == datetime(2024, 2, 17, 1, 30, tzinfo=UTC)
    assert festival.author == "Hoàng Lan"
    assert festival.source == "Bản tin Huyện Ba Bể"
    assert festival.lead == "Lễ hội thu hút hàng nghìn du khách."
    assert festival.image == "https://babe.example.org/anh/le-hoi.jpg"
    assert festival.image_alt == "Ảnh minh họa: Khai mạc lễ hội xuân trên hồ Ba Bể"
    assert "<strong>xuân</strong>" in festival.body_html
    for dangerous in ("<script", "alert(", "onclick", "javascript:"):
        assert dangerous not in festival.body_html
    visit = articles["feed:https://babe.example.org/tin/dang-ky-tham-quan"]
    assert visit.image == "https://babe.example.org/anh/vuon.png"  # from the enclosure
    assert visit.published_at == datetime(2024, 2, 19, 1, 0, tzinfo=UTC)
    assert visit.body_html == "<p>Du khách đăng ký trước qua điện thoại.</p>"

    errors = result.output
    assert "mục 2 ((không có tiêu đề)): mục này không có tiêu đề" in errors
    assert (
        "mục 3 (Mục này không có mã và không có liên kết): mục này không có cả mã lẫn liên kết"
        in errors
    )
    assert "mục 4 (Tiêu đề quá dài:" in errors and "title: quá dài:" in errors


def test_importing_the_same_feed_again_changes_nothing(app, runner, site):
    runner.invoke(args=["portal", "import-feed", str(RSS), "--category", "du-lich"])
    before = {key: (a.id, a.version, a.body_html) for key, a in feed_articles(app).items()}
    count = article_count(app)

    again = runner.invoke(args=["portal", "import-feed", str(RSS), "--category", "du-lich"])

    assert "bài viết: 0 mới, 0 cập nhật, 2 không đổi, 3 bỏ qua" in again.output
    assert article_count(app) == count
    assert {key: (a.id, a.version, a.body_html) for key, a in feed_articles(app).items()} == before


def test_atom_entries_titles_bodies_images_and_plain_text(app, runner, site, client):
    result = runner.invoke(args=["portal", "import-feed", str(ATOM), "--category", "du-lich"])

    assert result.exit_code == 0, result.output
    assert "mục trong nguồn tin: 2; bài viết: 2 mới" in result.output
    articles = feed_articles(app)
    vaccine = articles["feed:tag:syt.example.org,2024:thong-bao/1"]
    assert vaccine.title == "Tiêm chủng mở rộng đợt 1 năm 2024"  # HTML title as plain text
    assert vaccine.published_at == datetime(2024, 3, 1, 1, 30, tzinfo=UTC)
    assert vaccine.author == "Phòng Nghiệp vụ Y"
    assert vaccine.image == "https://syt.example.org/anh/tiem-chung.jpg"  # media:thumbnail
    assert "<h2>Lịch tiêm</h2>" in vaccine.body_html
    assert "onerror" not in vaccine.body_html and "style" not in vaccine.body_html
    checkup = articles["feed:tag:syt.example.org,2024:thong-bao/2"]
    assert checkup.published_at == datetime(2024, 3, 2, 7, 0, tzinfo=UTC)  # from <updated>
    assert checkup.body_html == "<p>Đoạn một.</p><p>Đoạn hai &lt;không phải thẻ&gt;.</p>"
    assert checkup.image == "" and checkup.image_alt == ""

    page = client.get(f"/bai-viet/{vaccine.id}-{vaccine.slug}")
    assert page.status_code == 200
    assert "Các trạm y tế tiêm từ thứ Hai." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("source", "category", "message"),
    [
        (str(RSS), "khong-co", "Không có chuyên mục 'khong-co'. Không có gì được nhập."),
        (str(DATA / "khong-co.rss"), "du-lich", "Không có tệp này"),
        ("ftp://example.org/feed.xml", "du-lich", "chỉ đọc được địa chỉ http://, https://"),
        (__file__, "du-lich", "không phải XML đúng cú pháp"),
    ],
)
def test_a_feed_that_cannot_be_read_imports_nothing(app, runner, site, source, category, message):
    count = article_count(app)
    result = runner.invoke(args=["portal", "import-feed", source, "--category", category])
    assert result.exit_code == 1
    assert message in result.output
    assert article_count(app) == count


def test_feed_articles_get_a_revision_an_audit_entry_naming_the_feed_and_their_events(
    app, runner, site
):
    with events_written(app) as events:
        runner.invoke(args=["portal", "import-feed", str(RSS), "--category", "du-lich"])
    articles = feed_articles(app)
    ids = sorted(article.id for article in articles.values())
    assert len(ids) == 2
    assert events == [("published", "article", article_id) for article_id in ids]
    actor = "Nhập từ nguồn tin tin-tuc.rss"
    with app.app_context():
        revisions = db.session.execute(
            select(
                ArticleRevision.article_id, ArticleRevision.number, ArticleRevision.created_by_name
            ).order_by(ArticleRevision.article_id)
        ).all()
        assert revisions == [(article_id, 1, actor) for article_id in ids]
        entries = db.session.execute(
            select(AuditEntry.subject_id, AuditEntry.action, AuditEntry.user_name)
            .where(AuditEntry.subject_type == "article")
            .order_by(AuditEntry.subject_id)
        ).all()
        assert entries == [(article_id, "article.create", actor) for article_id in ids]

    # Importing the feed again: nothing new, no event.
    with events_written(app) as events:
        runner.invoke(args=["portal", "import-feed", str(RSS), "--category", "du-lich"])
    assert events == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 2


def test_a_feed_refused_whole_writes_no_row_and_no_event(app, runner, site):
    def written() -> tuple[int, int, int]:
        with app.app_context():
            return tuple(
                db.session.scalar(select(func.count()).select_from(model))
                for model in (Article, ArticleRevision, AuditEntry)
            )

    before = written()
    with events_written(app) as events:
        result = runner.invoke(args=["portal", "import-feed", __file__, "--category", "du-lich"])
    assert result.exit_code == 1
    assert events == []
    assert written() == before


def test_the_reasons_follow_the_interface_language(tmp_path):
    """Vietnamese by default (above); the English interface gets the English texts."""
    from portal.testing import make_app

    app = make_app(config={"PORTAL_DEFAULT_LOCALE": "en"}, instance_path=str(tmp_path / "i"))
    runner = app.test_cli_runner()
    try:
        with app.app_context():
            db.session.add(Category(name="Du lịch", slug="du-lich", position=1))
            db.session.commit()
        result = runner.invoke(args=["portal", "import-feed", str(RSS), "--category", "du-lich"])
        assert result.exit_code == 1
        assert "entry 2 ((không có tiêu đề)): the entry has no title" in result.output
        assert "title: is too long:" in result.output
        assert "feed entries: 5; articles: 2 created" in result.output
        refused = runner.invoke(args=["portal", "import-feed", str(RSS), "--category", "khong-co"])
        assert refused.output.splitlines()[-1] == (
            "Error: There is no category 'khong-co'. Nothing was imported."
        )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
