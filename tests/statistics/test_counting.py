"""Counting visitors: buffered, pseudonymous, shared through Redis, robots left out."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest
from flask import Response

from blocks.statistics.counter import visitor_hash
from blocks.statistics.figures import read_figures
from blocks.statistics.visits import counter_for
from portal.testing import count_queries, signed_in_client

from .helpers import CHROME, FIREFOX, flush, stored, visit, with_home

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")


@pytest.fixture
def app_config():
    return {"PORTAL_PLUGIN_STATISTICS_FLUSH_SECONDS": 3600}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_robots_prefetches_staff_and_non_pages_are_not_visitors(app, client):
    with_home(app)
    left_out = [
        visit(client, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
        visit(client, "Mozilla/5.0 (compatible; bingbot/2.0)"),
        visit(client, "curl/8.4.0"),
        visit(client, "Wget/1.21"),
        visit(client, "python-requests/2.31"),
        visit(client, "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0 Safari/537.36"),
        visit(client, ""),
        visit(client, FIREFOX, ip="198.51.100.1", **{"Sec-Purpose": "prefetch;prerender"}),
        visit(client, FIREFOX, ip="198.51.100.2", Purpose="prefetch"),
        visit(client, FIREFOX, ip="198.51.100.3", path="/khong-co-trang-nay"),  # 404
        visit(client, FIREFOX, ip="198.51.100.4", path="/static/portal.css"),
    ]
    assert [r.status_code for r in left_out][:9] == [200] * 9
    with app.app_context():
        from portal.extensions import db
        from portal.models import User

        admin = User(email="qt@example.org", name="Qt", role="admin")
        admin.set_password("mat-khau-dai-1")
        db.session.add(admin)
        db.session.commit()
        admin_id = admin.id
    staff = signed_in_client(app, admin_id)
    assert visit(staff, FIREFOX, ip="198.51.100.5").status_code == 200
    assert flush(app) == 0
    visit(client, FIREFOX)
    visit(client, FIREFOX)  # the same person again
    visit(client, CHROME)  # another browser on the same address: another visitor
    assert flush(app) == 2
    sightings, days = stored(app)
    assert len(sightings) == 2 and sum(days.values()) == 2
    assert all("203.0.113.7" not in visitor for _, visitor, _ in sightings)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_visit_costs_no_query_until_a_batch_is_due(app, client):
    with_home(app)
    with app.app_context():
        counter = counter_for(app)
    counter.flush_visitors = 3
    visit(client, FIREFOX, ip="192.0.2.1")  # warm up the page's own queries
    with count_queries(app) as statements:
        visit(client, FIREFOX, ip="192.0.2.2")
    assert not [s for s in statements if "statistics_" in s]
    assert stored(app) == ([], {})
    with count_queries(app) as statements:
        visit(client, FIREFOX, ip="192.0.2.3")  # the third waiting visitor: a batch is due
    assert [s for s in statements if "statistics_visitors" in s]
    sightings, days = stored(app)
    assert len(sightings) == 3 and list(days.values()) == [3]


def test_a_visitor_counted_by_two_workers_is_one_visitor(app, client):
    """Two batches (two processes' buffers) with the same visitor add one to the day."""
    with_home(app)
    visit(client, FIREFOX)
    visit(client, CHROME)
    assert flush(app) == 2
    visit(client, FIREFOX)  # seen again later, e.g. by another worker
    visit(client, FIREFOX, ip="192.0.2.9")
    assert flush(app) == 2
    sightings, days = stored(app)
    assert len(sightings) == 3 and list(days.values()) == [3]
    with app.app_context():
        figures = read_figures()
    assert (figures.online, figures.today, figures.total) == (3, 3, 3)


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_app_instances_share_one_buffer_through_redis(app_factory, redis_prefix):
    config = {
        "PORTAL_CACHE_URL": REDIS_URL,
        "PORTAL_CACHE_PREFIX": redis_prefix,
        "PORTAL_PLUGIN_STATISTICS_FLUSH_SECONDS": 3600,
    }
    first = with_home(app_factory(config=config))
    second = app_factory(config=config)
    visit(first.test_client(), FIREFOX)
    visit(second.test_client(), FIREFOX)  # the same reader, answered by the other instance
    visit(second.test_client(), CHROME)
    assert stored(first) == ([], {})  # nothing written yet: all of it waits in Redis
    assert flush(second) == 2  # one instance writes what both counted
    assert flush(first) == 0
    sightings, days = stored(first)
    assert len(sightings) == 2 and list(days.values()) == [2]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_online_means_seen_in_the_last_five_minutes(app, client):
    with_home(app)
    with app.app_context():
        counter = counter_for(app)
    start = datetime(2026, 11, 30, 3, 0, tzinfo=UTC).timestamp()  # 10:00 in Hà Nội
    counter.clock = lambda: start
    visit(client, FIREFOX)
    counter.clock = lambda: start + 120
    visit(client, CHROME)
    flush(app)
    with app.app_context():
        today = date(2026, 11, 30)
        at = [read_figures(now=start + s, today=today).online for s in (200, 300, 301, 420, 421)]
    assert at == [2, 2, 1, 1, 0]


def test_today_starts_at_midnight_in_ho_chi_minh_city(app, client):
    with_home(app)
    with app.app_context():
        counter = counter_for(app)
    before = datetime(2026, 11, 30, 16, 59, 30, tzinfo=UTC).timestamp()  # 23:59:30 local
    after = datetime(2026, 11, 30, 17, 0, 30, tzinfo=UTC).timestamp()  # 00:00:30 local, 1/12
    counter.clock = lambda: before
    visit(client, FIREFOX)
    visit(client, CHROME)
    counter.clock = lambda: after
    visit(client, FIREFOX)  # the same reader, on the new day: a visitor of that day
    flush(app)
    sightings, days = stored(app)
    assert days == {date(2026, 11, 30): 2, date(2026, 12, 1): 1}
    first_day = {visitor for day, visitor, _ in sightings if day == date(2026, 11, 30)}
    second_day = {visitor for day, visitor, _ in sightings if day == date(2026, 12, 1)}
    assert len(second_day) == 1 and not first_day & second_day  # a new pseudonym each day
    with app.app_context():
        figures = read_figures(now=after, today=date(2026, 12, 1))
    assert (figures.today, figures.total) == (1, 3)
    # Two days later the pseudonyms of 30/11 are gone; the day's total stays.
    counter.clock = lambda: after + 2 * 86400
    visit(client, FIREFOX)
    flush(app)
    sightings, days = stored(app)
    assert {day for day, _, _ in sightings} == {date(2026, 12, 3)}
    assert days[date(2026, 11, 30)] == 2 and sum(days.values()) == 4


def test_the_pseudonym_changes_every_day_and_hides_the_address():
    monday = visitor_hash("secret", date(2026, 11, 30), "203.0.113.7", FIREFOX)
    assert monday == visitor_hash("secret", date(2026, 11, 30), "203.0.113.7", FIREFOX)
    assert monday != visitor_hash("secret", date(2026, 12, 1), "203.0.113.7", FIREFOX)
    assert monday != visitor_hash("other-secret", date(2026, 11, 30), "203.0.113.7", FIREFOX)
    assert len(monday) == 32


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_whole_page_cache_hit_is_counted_too(app, client):
    """A response given before the page is resolved (as a page cache does) still counts."""
    with_home(app)

    @app.before_request
    def cached_page():
        return Response("<!doctype html><title>cached</title>", mimetype="text/html")

    assert visit(client, FIREFOX).get_data(as_text=True).endswith("cached</title>")
    assert flush(app) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "app_config",
    [{"PORTAL_PLUGIN_STATISTICS_FLUSH_SECONDS": 3600, "PORTAL_CACHE_URL": "memory"}],
)
def test_visits_to_pages_answered_ahead_of_the_app_are_counted(app):
    """A real kept page: the second and third requests never reach Flask, and still count."""
    with_home(app)
    reached = []
    app.before_request(lambda: reached.append(1))
    client = app.test_client()
    for ip in ("203.0.113.7", "203.0.113.8", "203.0.113.9"):
        assert visit(client, FIREFOX, ip=ip).status_code == 200
    visit(client, "curl/8.4.0", ip="203.0.113.10")  # a program, answered from the cache too
    assert len(reached) == 1  # only the first request rendered the page
    assert flush(app) == 3


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")
def test_with_redis_sightings_wait_in_the_process_and_go_out_together(redis_prefix):
    """A visit costs no Redis call: the process sends its sightings in one round trip once
    ``push_seconds`` have passed; taking a batch takes what waits here too."""
    import redis

    from blocks.statistics.counter import RedisBuffer
    from portal.redis_guard import GuardedRedis

    now = [100.0]
    guard = GuardedRedis(REDIS_URL)
    buffer = RedisBuffer(redis_prefix, guard=guard, push_seconds=1, clock=lambda: now[0])
    shared = redis.Redis.from_url(REDIS_URL)
    assert buffer.add("2026-11-30:a", 1000) == 1  # the first goes out at once
    assert buffer.add("2026-11-30:b", 1001) == 2
    assert buffer.add("2026-11-30:a", 1002) == 3  # a guess: one in the hash, two here
    assert shared.hgetall(buffer.key) == {b"2026-11-30:a": b"1000"}
    now[0] += 1
    assert buffer.add("2026-11-30:c", 1003) == 3  # one round trip sent the three
    assert shared.hgetall(buffer.key) == {
        b"2026-11-30:a": b"1002",
        b"2026-11-30:b": b"1001",
        b"2026-11-30:c": b"1003",
    }
    buffer.add("2026-11-30:d", 1004)
    assert set(buffer.take()) == {"2026-11-30:a", "2026-11-30:b", "2026-11-30:c", "2026-11-30:d"}
    assert shared.hgetall(buffer.key) == {}
    shared.close()
