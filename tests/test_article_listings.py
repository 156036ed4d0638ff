"""fetch_article_lists: one statement per shape of listings, built once per process, whose
values are bound at each reading (portal/site.py). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from portal import ArticleQuery, fetch_article_lists
from portal.extensions import db
from portal.models import Article, Category, MediaImage, Tag, utcnow
from portal.site import MERGED_CATEGORIES, ListedArticle, ListedImage, _lists_statement, image_for

BASE = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def make_site() -> tuple[list[int], list[int]]:
    """Twenty categories of articles in two languages, some tagged, some not public."""
    categories = [Category(name=f"Mục {n}", slug=f"muc-{n}") for n in range(20)]
    tags = [Tag(name=f"Thẻ {n}", slug=f"the-{n}") for n in range(3)]
    db.session.add_all([*categories, *tags])
    db.session.flush()
    for n in range(120):
        db.session.add(
            Article(
                title=f"Bài {n}",
                slug=f"bai-{n}",
                category_id=categories[n % 20].id,
                status="draft" if n % 11 == 0 else "published",
                language="en" if n % 7 == 0 else "vi",
                published_at=BASE - timedelta(hours=n * 5 % 97, minutes=n),
                tags=[tags[n % 3]] if n % 2 else [],
            )
        )
    db.session.commit()
    return [c.id for c in categories], [t.id for t in tags]


def expected(query: ArticleQuery) -> list[int]:
    """The listing worked out in Python from every article."""
    now = utcnow()
    rows = [
        a
        for a in db.session.scalars(db.select(Article))
        if a.status == "published"
        and a.published_at is not None
        and a.published_at <= now
        and (query.category_ids is None or a.category_id in query.category_ids)
        and (query.tag_ids is None or {t.id for t in a.tags} & set(query.tag_ids))
        and a.id not in query.exclude_ids
        and (query.language is None or a.language == query.language)
    ]
    rows.sort(key=lambda a: (a.published_at, a.id), reverse=True)
    return [a.id for a in rows[query.offset : query.offset + query.limit]]


def test_every_shape_lists_what_its_values_ask_for(app):
    """Each shape (all, one category, merged categories, many categories; with tags,
    exclusions, a language) read twice with other values: the statement built for the
    first serves the second with the second's values."""
    with app.app_context():
        category_ids, tag_ids = make_site()
        many = tuple(category_ids[: MERGED_CATEGORIES + 2])
        for first, second in [
            (ArticleQuery(limit=5), ArticleQuery(limit=3, offset=4)),
            (
                ArticleQuery(limit=4, category_ids=(category_ids[0],)),
                ArticleQuery(limit=6, category_ids=(category_ids[3],), offset=1),
            ),
            (
                ArticleQuery(limit=5, category_ids=tuple(category_ids[:3])),
                ArticleQuery(limit=2, offset=3, category_ids=tuple(category_ids[5:8])),
            ),
            (
                ArticleQuery(limit=9, category_ids=many),
                ArticleQuery(limit=9, category_ids=many[1:]),
            ),
            (
                ArticleQuery(limit=5, tag_ids=(tag_ids[1],), exclude_ids=(3, 5)),
                ArticleQuery(limit=5, tag_ids=(tag_ids[2], tag_ids[0]), exclude_ids=(7,)),
            ),
            (ArticleQuery(limit=8, language="en"), ArticleQuery(limit=8, language="vi")),
        ]:
            for query in (first, second):
                assert [a.id for a in fetch_article_lists([query])[query]] == expected(query)
                listed = fetch_article_lists([query], rows=True)[query]
                assert [a.id for a in listed] == expected(query)
        # Several listings at once, each with its own values, as a home page asks.
        queries = [
            ArticleQuery(limit=3, category_ids=(category_id,)) for category_id in category_ids[:8]
        ]
        lists = fetch_article_lists([*queries, ArticleQuery(limit=0), queries[0]])
        for query in queries:
            assert [a.id for a in lists[query]] == expected(query)
        assert lists[ArticleQuery(limit=0)] == []


def test_a_page_of_lists_builds_its_statement_once(app):
    with app.app_context():
        category_ids, _tag_ids = make_site()
        queries = [
            ArticleQuery(limit=2, category_ids=(a, b))
            for a, b in itertools.pairwise(category_ids[:6])
        ]
        fetch_article_lists(queries)
        built = _lists_statement.cache_info().misses
        for _ in range(3):
            fetch_article_lists(queries)
        assert _lists_statement.cache_info().misses == built


def test_a_listing_read_later_sees_the_time_of_its_reading(app):
    """The publication time is compared with the time of each reading, not of the
    statement's building: an article whose time comes is listed by the same statement."""
    with app.app_context():
        category_ids, _tag_ids = make_site()
        query = ArticleQuery(limit=3, category_ids=(category_ids[1],))
        before = [a.id for a in fetch_article_lists([query])[query]]
        article = Article(
            title="Hẹn giờ",
            slug="hen-gio",
            category_id=category_ids[1],
            status="published",
            published_at=utcnow() + timedelta(hours=1),
        )
        db.session.add(article)
        db.session.commit()
        assert [a.id for a in fetch_article_lists([query])[query]] == before
        article.published_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert [a.id for a in fetch_article_lists([query])[query]] == [article.id, *before[:2]]


def test_listings_as_rows_show_what_the_articles_show(app):
    """``rows=True`` (the article lists' teasers): plain rows with the articles' own values
    and main image, in the same order, with one statement; a next-page link naming a
    deleted article falls back to the page by its number, as rows too."""
    from portal.testing import count_queries

    with app.test_request_context("/"):
        category_ids, _tag_ids = make_site()
        image = MediaImage(
            stored_name="uploads/ab/abc.jpg",
            mime_type="image/jpeg",
            width=1200,
            height=800,
            size=1234,
            variants={"480": "uploads/ab/abc-480w.jpg", "800": "uploads/ab/abc-800w.jpg"},
            alt="Ảnh",
        )
        db.session.add(image)
        db.session.flush()
        with_image = db.session.get(Article, expected(ArticleQuery(limit=1))[0])
        with_image.image_id, with_image.image_alt, with_image.lead = image.id, "Mô tả", "Sa pô"
        db.session.commit()
        queries = [ArticleQuery(limit=4), ArticleQuery(limit=3, category_ids=(category_ids[2],))]
        with count_queries(app) as statements:
            listed = fetch_article_lists(queries, rows=True)
        assert len(statements) == 1, statements
        articles = fetch_article_lists(queries)
        for query in queries:
            assert [a.id for a in listed[query]] == [a.id for a in articles[query]]
            for row, article in zip(listed[query], articles[query], strict=True):
                assert isinstance(row, ListedArticle)
                for name in ListedArticle.__slots__:
                    if name != "image_file":
                        assert getattr(row, name) == getattr(article, name), name
                assert image_for(row) == image_for(article)
        first = listed[queries[0]][0]
        assert first.image_file == ListedImage(
            image.id, image.stored_name, "image/jpeg", 1200, 800, 1234, image.variants, "Ảnh", ""
        )
        assert "480w" in image_for(first).srcset
        assert all(row.image_file is None for row in listed[queries[1]])
        # The article a next-page link named is gone: the page by its number, as rows.
        after = ArticleQuery(limit=2, after_id=10_000)
        assert [a.id for a in fetch_article_lists([after], rows=True)[after]] == expected(
            ArticleQuery(limit=2)
        )
        assert all(
            isinstance(a, ListedArticle) for a in fetch_article_lists([after], rows=True)[after]
        )
