"""Daily view counts and the "Đọc nhiều" (most read) block.

The counter's upsert and the window query are SQL that differs between the
databases: those tests run on SQLite and PostgreSQL (``app``), the upsert with
both buffers (memory and Redis).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from blocks.most_read import MostRead
from portal import fetch_most_read
from portal.content.view_counter import (
    MemoryBuffer,
    RedisBuffer,
    ViewCounter,
    add_daily_views,
    site_today,
)
from portal.extensions import db
from portal.models import Article, ArticleDailyViews, Category
from portal.testing import render_block
from portal.text import slugify

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
TODAY = date(2024, 3, 10)


def _articles(*specs):
    """``(title, hours_before_TODAY, status)`` → ids, in order."""
    category = Category(name="Thời sự", slug="thoi-su")
    db.session.add(category)
    db.session.flush()
    noon = datetime(2024, 3, 10, 5, 0, tzinfo=UTC)
    created = []
    for title, hours, status in specs:
        article = Article(
            title=title,
            slug=slugify(title),
            category_id=category.id,
            status=status,
            published_at=noon - timedelta(hours=hours),
        )
        db.session.add(article)
        created.append(article)
    db.session.commit()
    return [a.id for a in created]


def _views(day_counts):
    """``{days_before_TODAY: {article_id: views}}`` added the way the counter adds them."""
    with db.engine.begin() as connection:
        for days_ago, counts in day_counts.items():
            add_daily_views(connection, TODAY - timedelta(days=days_ago), counts)


def _rows():
    return {
        (row.article_id, row.day): row.views
        for row in db.session.scalars(select(ArticleDailyViews)).all()
    }


@pytest.fixture(
    params=[
        "memory",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set"),
        ),
    ]
)
def counter(request, app, redis_prefix):
    """A view counter on the memory buffer or the Redis one, counting for a day we choose."""
    buffer = MemoryBuffer() if request.param == "memory" else RedisBuffer(REDIS_URL, redis_prefix)
    return ViewCounter(app, buffer, flush_seconds=3600, flush_views=1000, today=lambda: TODAY)


def test_each_flush_adds_its_views_to_the_days_row(app, counter):
    with app.app_context():
        first, second = _articles(("Bài một", 30, "published"), ("Bài hai", 20, "published"))
    day = [TODAY]
    counter.today = lambda: day[0]
    for article_id, views in ((first, 3), (second, 1)):
        for _ in range(views):
            counter.count(article_id)
    with app.app_context():
        assert counter.flush() == (4, 2)
        assert _rows() == {(first, TODAY): 3, (second, TODAY): 1}
        counter.count(first)
        counter.count(first)
        assert counter.flush() == (2, 1)  # same day: added to the row (the upsert)
        db.session.expire_all()
        assert _rows() == {(first, TODAY): 5, (second, TODAY): 1}
        day[0] = TODAY + timedelta(days=1)
        counter.count(second)
        counter.flush()
        db.session.expire_all()
        assert _rows() == {
            (first, TODAY): 5,
            (second, TODAY): 1,
            (second, TODAY + timedelta(days=1)): 1,
        }
        totals = dict(db.session.execute(select(Article.id, Article.view_count)).all())
        assert totals == {first: 5, second: 2}  # the totals and the days agree


def test_views_of_a_deleted_article_are_dropped_not_failed(app):
    with app.app_context():
        (kept,) = _articles(("Còn lại", 1, "published"))
        _views({0: {kept: 2, kept + 999: 5}})
        assert _rows() == {(kept, TODAY): 2}


def test_the_day_is_the_sites_day(app):
    """Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC-11)."""
    app.config["PORTAL_TIMEZONE"] = "Pacific/Kiritimati"
    ahead = site_today(app)
    app.config["PORTAL_TIMEZONE"] = "Pacific/Pago_Pago"
    behind = site_today(app)
    assert (ahead - behind).days in (1, 2)


def test_window_counts_only_the_last_n_days_public_articles_ties_newer_first(app):
    with app.app_context():
        old, new, tied_old, draft, quiet = _articles(
            ("Bài cũ đọc nhiều", 100, "published"),
            ("Bài mới", 2, "published"),
            ("Bài cũ bằng điểm", 50, "published"),
            ("Bản nháp", 1, "draft"),
            ("Bài ít đọc", 3, "published"),
        )
        _views(
            {
                0: {new: 4, quiet: 1},
                3: {tied_old: 4, draft: 50},
                6: {old: 2},
                7: {old: 100},  # 7 and 8 days ago are outside "the last 7 days"
                8: {old: 100, quiet: 100},
            }
        )
        week = fetch_most_read(7, 10, today=TODAY)
        assert [(m.article.id, m.views) for m in week] == [
            (new, 4),
            (tied_old, 4),
            (old, 2),
            (quiet, 1),
        ]
        assert [m.article.id for m in fetch_most_read(7, 2, today=TODAY)] == [new, tied_old]
        month = fetch_most_read(30, 10, today=TODAY)
        assert [(m.article.id, m.views) for m in month] == [
            (old, 202),
            (quiet, 101),
            (new, 4),
            (tied_old, 4),
        ]
        assert [m.article.id for m in fetch_most_read(1, 10, today=TODAY)] == [new, quiet]
        assert fetch_most_read(0, 10, today=TODAY) == []


def test_block_lists_titles_with_views_and_hides_itself_when_empty(app):
    with app.app_context():
        first, second = _articles(("Hồ Ba Bể", 5, "published"), ("Chè Shan tuyết", 6, "published"))
        assert render_block(app, "most_read").strip() == ""  # nothing read yet
        today = site_today(app)
        with db.engine.begin() as connection:
            add_daily_views(connection, today, {first: 1200, second: 3})
        html = render_block(app, "most_read", {"title": "Xem nhiều", "count": 1})
        assert 'id="doc-nhieu-0">Xem nhiều</h2>' in html
        assert re.findall(r'class="most-read__link" href="([^"]+)">([^<]+)<', html) == [
            (f"/bai-viet/{first}-ho-ba-be", "Hồ Ba Bể")
        ]
        assert "1.200 lượt xem" in html
        english = render_block(app, "most_read", {}, locale="en")
        assert "Đọc nhiều" in english and "3 views" in english


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 91}, "days"),
        ({"days": "bảy"}, "days"),
        ({"count": 0}, "count"),
        ({"count": 21}, "count"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_invalid_settings_are_rejected(settings, field):
    clean, errors = MostRead.validate_settings(settings)
    assert clean == {} and field in errors


def test_defaults_and_cache_policy():
    assert MostRead.validate_settings(MostRead.default_settings()) == (
        {"title": "Đọc nhiều", "days": 7, "count": 5},
        {},
    )
    assert MostRead.cache.tags == frozenset({"articles"}) and 0 < MostRead.cache.timeout <= 600
    assert MostRead().summarize_settings(MostRead.default_settings()) == (
        "Đọc nhiều · 5 bài · 7 ngày gần nhất"
    )


def test_daily_views_days_travel_through_the_site_file_as_iso_dates():
    from portal.content.exchange import _decode, _encode
    from portal.content.exchange_checks import _value_problem

    day = ArticleDailyViews.__table__.c.day
    assert _encode(day, TODAY) == "2024-03-10"
    assert _decode(day, "2024-03-10") == TODAY
    assert _value_problem(day, "2024-03-10") is None
    assert "không phải ngày theo ISO 8601" in _value_problem(day, "hôm qua")
    assert "phải là ngày viết theo ISO 8601" in _value_problem(day, 20240310)
