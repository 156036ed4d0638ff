"""The XML sitemaps: valid against the sitemaps.org schemas, paged, absolute, cached."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import blocks.sitemaps.documents as documents
from portal.extensions import db
from portal.models import Article

from .conftest import BASE, NEWS_TITLE, NS, PUBLIC_IDS, valid

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def locs(document) -> list[str]:
    return [loc.text for loc in document.iterfind(".//s:loc", NS)]


def lastmods(document, element: str = "url") -> dict[str, str]:
    return {
        item.findtext("s:loc", namespaces=NS): item.findtext("s:lastmod", namespaces=NS)
        for item in document.iterfind(f"s:{element}", NS)
    }


def expected_lastmod(app, ids: list[int]) -> str:
    """The newest of edit and publication times of ``ids``, as a W3C datetime in +07:00."""
    with app.app_context():
        rows = db.session.scalars(select(Article).where(Article.id.in_(ids))).all()
        newest = max(max(a.updated_at, a.published_at) for a in rows)
    return newest.astimezone(ZONE).isoformat()


def test_the_index_lists_every_sitemap_with_its_lastmod(site, site_app):
    response = site.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.content_type == "application/xml; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    document = valid(response.data, "siteindex.xsd")
    assert locs(document) == [
        f"{BASE}/sitemap-pages.xml",
        f"{BASE}/sitemap-news.xml",
        f"{BASE}/sitemap-articles-1.xml",
        f"{BASE}/sitemap-articles-2.xml",
        f"{BASE}/sitemap-articles-3.xml",
    ]
    stamps = lastmods(document, "sitemap")
    # Article 2 was edited 5 days ago, after its publication 20 days ago.
    assert stamps[f"{BASE}/sitemap-articles-1.xml"] == expected_lastmod(site_app, [1, 2])
    assert stamps[f"{BASE}/sitemap-articles-2.xml"] == expected_lastmod(site_app, [3])
    assert stamps[f"{BASE}/sitemap-articles-3.xml"] == expected_lastmod(site_app, [5, 6])
    assert stamps[f"{BASE}/sitemap-articles-3.xml"].endswith("+07:00")
    # The pages were made just now: the pages sitemap, and so the index, changed last.
    newest = max(datetime.fromisoformat(stamp) for stamp in stamps.values())
    assert newest == datetime.fromisoformat(stamps[f"{BASE}/sitemap-pages.xml"])
    assert response.last_modified == newest


def test_articles_are_paged_by_the_configured_size_and_hidden_ones_left_out(site, site_app):
    seen = []
    for number in (1, 2, 3):
        response = site.get(f"/sitemap-articles-{number}.xml")
        assert response.status_code == 200, number
        document = valid(response.data, "sitemap.xsd")
        assert len(locs(document)) <= 2
        seen.extend(locs(document))
    assert seen == [f"{BASE}/bai-viet/{n}-tin-{n}" for n in PUBLIC_IDS]
    # The draft (4) and the scheduled article (7) are nowhere; 7 alone in range 4: no sitemap.
    for number in (0, 4, 5, 99):
        assert site.get(f"/sitemap-articles-{number}.xml").status_code == 404, number
    assert site.get("/sitemap-articles-x.xml").status_code == 404
    document = valid(site.get("/sitemap-articles-1.xml").data, "sitemap.xsd")
    assert lastmods(document)[f"{BASE}/bai-viet/2-tin-2"] == expected_lastmod(site_app, [2])


def test_a_small_batch_still_reads_every_article(site, monkeypatch):
    """Keyset paging of the stream: with one row per query every row still comes, once."""
    monkeypatch.setattr(documents, "BATCH", 1)
    body = site.get("/sitemap-articles-3.xml").data
    assert locs(valid(body, "sitemap.xsd")) == [
        f"{BASE}/bai-viet/5-tin-5",
        f"{BASE}/bai-viet/6-tin-6",
    ]


def test_the_pages_sitemap_has_home_categories_and_pages_with_an_address(site):
    response = site.get("/sitemap-pages.xml")
    assert response.status_code == 200
    document = valid(response.data, "sitemap.xsd")
    # Tag pages come from the tags feature when the portal has it (tested below either way).
    assert [loc for loc in locs(document) if "/the/" not in loc] == [
        f"{BASE}/",
        f"{BASE}/chuyen-muc/thoi-su",
        f"{BASE}/chuyen-muc/chinh-tri",
        f"{BASE}/chuyen-muc/du-lich",
        f"{BASE}/gioi-thieu",
        f"{BASE}/gioi-thieu/lich-su",
        f"{BASE}/so-do-trang",
    ]
    stamps = lastmods(document)
    # A category with public articles has their newest change; the parent without any has none.
    assert stamps[f"{BASE}/chuyen-muc/chinh-tri"]
    assert stamps[f"{BASE}/chuyen-muc/thoi-su"] is None
    # Home and pages with an address have one; tag pages carry none (tested below).
    assert all(
        stamp for loc, stamp in stamps.items() if "chuyen-muc" not in loc and "/the/" not in loc
    )


def test_the_news_sitemap_has_the_last_two_days(site, site_app):
    response = site.get("/sitemap-news.xml")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    document = valid(response.data, "sitemap.xsd", "sitemap-news.xsd")
    assert locs(document) == [f"{BASE}/bai-viet/6-tin-6"]  # not 5 (3 days), not 7 (scheduled)
    news = document.find("s:url/n:news", NS)
    assert (
        news.findtext("n:publication/n:name", namespaces=NS) == site_app.config["PORTAL_SITE_NAME"]
    )
    assert news.findtext("n:publication/n:language", namespaces=NS) == "vi"
    assert news.findtext("n:title", namespaces=NS) == NEWS_TITLE  # escaped, then read back
    assert b"&lt;L\xe1\xbb\x93ng t\xe1\xbb\x93ng&gt; &amp;" in response.data
    assert news.findtext("n:publication_date", namespaces=NS).endswith("+07:00")


def test_a_hostile_host_never_reaches_the_urls(site):
    for path in ("/sitemap.xml", "/sitemap-pages.xml", "/sitemap-articles-1.xml", "/robots.txt"):
        body = site.get(
            path,
            headers={"Host": "localhost:8080", "X-Forwarded-Host": "evil.example"},
        ).get_data(as_text=True)
        assert "localhost" not in body and "evil.example" not in body, path
        assert BASE in body, path
    assert site.get("/sitemap.xml", headers={"Host": "evil.example"}).status_code == 400


def test_unchanged_sitemaps_answer_304(site):
    first = site.get("/sitemap-articles-1.xml")
    again = site.get(
        "/sitemap-articles-1.xml",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-news.xml"])
def test_an_empty_site_still_answers(path, tmp_path):
    from portal.testing import make_app

    from .conftest import site_config, sitemaps_plugins

    app = make_app(config=site_config(), plugins=sitemaps_plugins(), instance_path=str(tmp_path))
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.headers.get("Last-Modified") is None or path == "/sitemap.xml"
    if path == "/sitemap.xml":
        assert locs(valid(response.data, "siteindex.xsd")) == [f"{BASE}/sitemap-pages.xml"]


def test_sitemaps_cost_a_few_queries_and_articles_come_in_batches(site, site_app, monkeypatch):
    from blocks.sitemaps import summaries
    from portal.testing import count_queries

    site.get("/sitemap.xml")  # settings and switches read once, as on any first request
    with site_app.app_context():  # what the delivery of the next article event keeps
        summaries.refill(2)  # (2 articles per sitemap: site_config)
        db.session.commit()
    with count_queries(site_app) as statements:
        assert site.get("/sitemap.xml").data
    # The kept summaries, the highest article id, pages, news: no article's change is read.
    assert len(statements) == 4, "\n\n".join(statements)
    assert not any("GROUP BY" in s or "articles.updated_at" in s for s in statements)
    assert sum("max(articles.id)" in s for s in statements) == 1
    monkeypatch.setattr(documents, "BATCH", 1)
    with count_queries(site_app) as statements:
        assert site.get("/sitemap-articles-3.xml").data.count(b"<url>") == 2  # read it all
    batches = [s for s in statements if "LIMIT" in s and "articles.id >" in s]
    # The summary (count, newest), then one row per query, up to the end of the range.
    assert len(statements) == 3 and len(batches) == 2, "\n\n".join(statements)


def test_tag_pages_of_public_articles_are_listed_where_the_portal_has_them(site, monkeypatch):
    import portal
    from portal.models import Tag

    if not hasattr(portal, "tag_url"):  # before the tags feature: what it will provide
        monkeypatch.setattr(portal, "Tag", Tag, raising=False)
        monkeypatch.setattr(portal, "tag_url", lambda tag: f"/the/{tag.slug}", raising=False)
    document = valid(site.get("/sitemap-pages.xml").data, "sitemap.xsd")
    tags = [loc for loc in locs(document) if "/the/" in loc]
    assert tags == [f"{BASE}/the/du-lich-cong-dong"]  # "noi-bo" is only on a draft


def test_article_sitemaps_are_streamed_not_buffered(site):
    response = site.get("/sitemap-articles-1.xml", buffered=False)
    try:
        assert response.is_streamed
        # A Content-Length would mean the whole body was produced before the first byte.
        assert "Content-Length" not in response.headers
    finally:
        response.close()


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("slug", ["tin-1", "", "chữ có dấu", "a/b?c=d&e"])
def test_article_locations_are_what_the_reader_route_builds(site_app, slug, language):
    from portal import absolute_url, article_url

    class Row:
        id = 42

    Row.slug = slug
    Row.language = language
    with site_app.test_request_context("/"):
        locations = documents.ArticleLocs()
        location = locations(42, slug, language)
        assert location == absolute_url(article_url(Row))
        # What the sitemap writes: the same address escaped for XML, a plain slug's or not.
        assert locations.xml(42, slug, language) == documents.text(location)
    assert ("/en/article/42" in location) == (language == "en")


#: Articles of the default-size site: (id, status, published days ago); ids have gaps.
DEFAULT_SIZE_ARTICLES = [
    (1, "published", 9),
    (999, "published", 8),
    (1000, "published", 7),  # the last id of sitemap 1
    (1001, "published", 6),  # the first of sitemap 2
    (1002, "draft", None),
    (1003, "published", -3),  # scheduled
    (2500, "published", -3),  # scheduled, alone in ids 2001-3000: no sitemap 3
    (3001, "published", 5),
    (3002, "archived", 5),
]


@pytest.fixture(scope="module")
def default_size_app(tmp_path_factory):
    """A site with the default sitemap size (1,000 articles), ids far apart."""
    from portal.testing import make_app

    from .conftest import at, sitemaps_plugins

    app = make_app(
        config={"PORTAL_BASE_URL": BASE},
        plugins=sitemaps_plugins(),
        instance_path=str(tmp_path_factory.mktemp("sitemap-size") / "instance"),
    )
    with app.app_context():
        for article_id, status, published in DEFAULT_SIZE_ARTICLES:
            db.session.add(
                Article(
                    id=article_id,
                    title=f"Tin {article_id}",
                    slug=f"tin-{article_id}",
                    status=status,
                    published_at=at(published) if published is not None else None,
                    created_at=at(10),
                    updated_at=at(10),
                )
            )
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_by_default_a_sitemap_holds_the_articles_of_1000_ids(default_size_app):
    """Small pages cost the same on any site; the boundaries fall at ids 1000/1001, 3000/3001."""
    client = default_size_app.test_client()
    index = locs(valid(client.get("/sitemap.xml").data, "siteindex.xsd"))
    assert [loc for loc in index if "articles" in loc] == [
        f"{BASE}/sitemap-articles-1.xml",
        f"{BASE}/sitemap-articles-2.xml",
        f"{BASE}/sitemap-articles-4.xml",  # ids 2001-3000 hold only a scheduled article
    ]
    expected = {1: [1, 999, 1000], 2: [1001], 4: [3001]}
    for number, ids in expected.items():
        document = valid(client.get(f"/sitemap-articles-{number}.xml").data, "sitemap.xsd")
        assert locs(document) == [f"{BASE}/bai-viet/{n}-tin-{n}" for n in ids], number
    for number in (3, 5):
        assert client.get(f"/sitemap-articles-{number}.xml").status_code == 404, number


def test_a_sitemap_page_costs_two_statements(default_size_app):
    """Its summary, then its rows in one batch: nothing that reads the rest of the site."""
    from portal.testing import count_queries

    client = default_size_app.test_client()
    client.get("/sitemap-articles-1.xml")  # settings and switches read once
    with count_queries(default_size_app) as statements:
        assert client.get("/sitemap-articles-1.xml").data.count(b"<url>") == 3
    assert len(statements) == 2, "\n\n".join(statements)
    assert all("BETWEEN" in s or "articles.id >" in s for s in statements), statements


def statements_of(app, url: str) -> list[tuple[str, tuple]]:
    """The SQL statements (with their parameters) of a second request of ``url``."""
    from sqlalchemy import event

    client = app.test_client()
    client.get(url)  # settings and switches read once
    executed: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        executed.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return executed


def test_the_index_reads_articles_from_an_index_alone(default_size_app):
    """The lastmod of every sitemap is kept as articles change (blocks/sitemaps/summaries.py):
    the index reads the highest article id and the news' newest publication, each a seek
    (reading every public article's lastmod took 60-80 ms at 100,000 articles)."""
    from blocks.sitemaps import summaries

    with default_size_app.app_context():  # what the delivery of an article event keeps
        summaries.refill(1000)
        db.session.commit()
    executed = statements_of(default_size_app, "/sitemap.xml")
    # The kept summaries, the highest article id, the pages' lastmod, the news'.
    assert len(executed) == 4, executed
    with default_size_app.app_context():
        connection = db.session.connection()
        for statement, parameters in executed:
            if "FROM articles" not in statement:
                continue
            plan = [
                row[-1]
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ]
            reads = [step for step in plan if " articles " in f"{step} "]
            assert reads and all(
                "USING COVERING INDEX" in step or step == "SEARCH articles" for step in reads
            ), f"{plan} for\n{statement}"


def test_the_pages_sitemap_seeks_its_dates_whatever_the_number_of_articles(default_size_app):
    """Its dates (each category's newest publication, the newest change of a public article)
    are seeks in an index: no step reads every public article or sorts them (SQLite)."""
    executed = statements_of(default_size_app, "/sitemap-pages.xml")
    reading_articles = [(s, p) for s, p in executed if "FROM articles" in s]
    assert len(reading_articles) == 2  # the Last-Modified, the categories' dates
    with default_size_app.app_context():
        connection = db.session.connection()
        for statement, parameters in reading_articles:
            plan = [
                row[-1]
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ]
            reads = [step for step in plan if " articles " in f"{step} "]
            assert reads and all(step.startswith("SEARCH articles USING") for step in reads), plan
            assert not any("TEMP B-TREE" in step for step in plan), plan


def _group_by_lastmods(size: int) -> list[tuple[int, datetime | None]]:
    """The index's entries worked out the old way, from every public article."""
    from sqlalchemy import case, func

    lastmod = case(
        (Article.published_at > Article.updated_at, Article.published_at),
        else_=Article.updated_at,
    )
    number = ((Article.id - 1) // size + 1).label("number")
    rows = db.session.execute(
        select(number, func.max(lastmod))
        .where(Article.public_filter())
        .group_by(number)
        .order_by(number)
    )
    return [(int(n), _naive_utc(m)) for n, m in rows]


def _naive_utc(moment):
    if moment is None or isinstance(moment, str):
        return datetime.fromisoformat(moment) if moment else None
    return (
        moment.replace(tzinfo=None)
        if moment.tzinfo is None
        else moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    )


def test_kept_summaries_follow_article_events_and_scheduled_articles(tmp_path, monkeypatch):
    from datetime import timedelta

    from blocks.sitemaps import summaries
    from portal.content import articles as article_changes
    from portal.content.unit_of_work import Actor, unit_of_work
    from portal.models import User
    from portal.models.types import utcnow
    from portal.testing import make_account, make_app, sample_content

    from .conftest import site_config, sitemaps_plugins

    app = make_app(config=site_config(), plugins=sitemaps_plugins(), instance_path=str(tmp_path))
    editor_id = make_account(app, "editor")
    with app.app_context():
        editor = db.session.get(User, editor_id)
        created = sample_content()
        article = created["article"]
        with unit_of_work(Actor.system("test")):
            for number in range(5):
                extra = Article(
                    title=f"Tin {number}", slug=f"tin-{number}", lead="", body_html="<p>x</p>",
                    status="published", published_at=utcnow() - timedelta(days=1),
                    category_id=article.category_id,
                )  # fmt: skip
                db.session.add(extra)
            db.session.flush()
            waiting = Article(
                title="Tin hẹn giờ", slug="tin-hen-gio", lead="", body_html="<p>x</p>",
                status="published", published_at=utcnow() + timedelta(hours=1),
                category_id=article.category_id,
            )  # fmt: skip
            db.session.add(waiting)
        monkeypatch.setattr(summaries, "_last_refill", [float("-inf")])  # none filled yet
        with unit_of_work(Actor.of_user(editor)):  # an event of the content layer: kept
            article_changes.save_article(
                article, {"title": "Sửa tin"}, editor, expected_version=article.version
            )
        kept = {row.number: row for row in db.session.scalars(select(summaries.SitemapSummary))}
        assert kept, "the article event kept the summaries"
        entries = [
            (s.number, _naive_utc(s.lastmod)) for s in summaries.current(2) if s.public_count
        ]
        assert entries == _group_by_lastmods(2)
        waiting_number = (waiting.id - 1) // 2 + 1

        # Another change at once (a bulk import): its sitemap's summary is dropped, not
        # worked out again yet; the index works it out itself meanwhile.
        other = db.session.scalar(select(Article).where(Article.slug == "tin-0"))
        other_number = (other.id - 1) // 2 + 1
        with unit_of_work(Actor.of_user(editor)):
            article_changes.save_article(
                other, {"title": "Sửa tin nữa"}, editor, expected_version=other.version
            )
        dropped = {row.number for row in db.session.scalars(select(summaries.SitemapSummary))}
        assert other_number not in dropped and waiting_number in dropped
        entries = [
            (s.number, _naive_utc(s.lastmod)) for s in summaries.current(2) if s.public_count
        ]
        assert entries == _group_by_lastmods(2)
        kept = {row.number: row for row in db.session.scalars(select(summaries.SitemapSummary))}
        assert kept[waiting_number].next_change is not None  # its time will change the sitemap

        # Its time comes, with no event: the index works that sitemap out again by itself.
        db.session.execute(
            db.update(Article)
            .where(Article.id == waiting.id)
            .values(published_at=utcnow() - timedelta(minutes=1))
        )
        db.session.execute(
            db.update(summaries.SitemapSummary)
            .where(summaries.SitemapSummary.number == waiting_number)
            .values(next_change=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
        entries = [
            (s.number, _naive_utc(s.lastmod)) for s in summaries.current(2) if s.public_count
        ]
        assert entries == _group_by_lastmods(2)
        assert waiting_number in dict(entries)

        # Another size: every summary is worked out again.
        entries = [
            (s.number, _naive_utc(s.lastmod)) for s in summaries.current(3) if s.public_count
        ]
        assert entries == _group_by_lastmods(3)
