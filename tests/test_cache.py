"""The block cache backends: memory and Redis (DESIGN.md §6).

Redis tests run when ``PORTAL_TEST_REDIS_URL`` is set and are skipped with a
reason otherwise; each uses a prefix of its own and removes its keys.
"""

from __future__ import annotations

import os
import time

import pytest

from portal.cache import CacheUnavailable, MemoryBackend, NullBackend, RedisBackend, cache_for
from portal.testing import make_app

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
requires_redis = pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", pytest.param("redis", marks=requires_redis)])
def backend(request, redis_prefix):
    if request.param == "memory":
        return MemoryBackend()
    return RedisBackend(REDIS_URL, prefix=redis_prefix)


def test_get_and_set(backend):
    assert backend.get("khoa") is None
    backend.set("khoa", "<p>Xin chào Bắc Kạn</p>", 60)
    assert backend.get("khoa") == "<p>Xin chào Bắc Kạn</p>"
    backend.set("khoa", "giá trị mới", 60)
    assert backend.get("khoa") == "giá trị mới"


def test_purge_by_tag(backend):
    backend.set("one", "1", 60, frozenset({"article:1", "articles"}))
    backend.set("two", "2", 60, frozenset({"articles"}))
    backend.set("three", "3", 60, frozenset({"category:7"}))
    backend.set("four", "4", 60)

    assert backend.purge_tags({"articles"}) == 2
    assert backend.get("one") is None
    assert backend.get("two") is None
    assert backend.get("three") == "3"
    assert backend.get("four") == "4"
    assert backend.purge_tags({"article:1"}) == 0  # already gone with "articles"
    assert backend.purge_tags({"no-such-tag"}) == 0
    assert backend.purge_tags({"category:7", "page:3"}) == 1
    assert backend.get("three") is None


def test_a_key_set_again_with_new_tags_is_purged_by_them(backend):
    backend.set("key", "old", 60, frozenset({"article:1"}))
    backend.set("key", "new", 60, frozenset({"article:2"}))
    assert backend.purge_tags({"article:2"}) == 1
    assert backend.get("key") is None


def test_clear(backend):
    backend.set("a", "1", 60, frozenset({"t"}))
    backend.set("b", "2", 60)
    backend.clear()
    assert backend.get("a") is None
    assert backend.get("b") is None
    assert backend.purge_tags({"t"}) == 0


def test_memory_entries_expire_after_their_timeout():
    clock = FakeClock()
    backend = MemoryBackend(clock=clock)
    backend.set("short", "s", 10, frozenset({"t"}))
    backend.set("long", "l", 100)
    clock.now += 9.5
    assert backend.get("short") == "s"
    clock.now += 0.5
    assert backend.get("short") is None
    assert backend.get("long") == "l"
    assert backend.purge_tags({"t"}) == 0  # the expired entry left its tag too


def test_memory_backend_evicts_expired_entries_first_when_full():
    clock = FakeClock()
    backend = MemoryBackend(max_entries=3, clock=clock)
    backend.set("old", "1", 5)
    backend.set("kept-a", "2", 100)
    backend.set("kept-b", "3", 100)
    clock.now += 10
    backend.set("new", "4", 100)
    assert [backend.get(k) for k in ("kept-a", "kept-b", "new")] == ["2", "3", "4"]
    backend.set("newer", "5", 100)  # nothing expired: the oldest entry goes
    assert backend.get("kept-a") is None
    assert backend.get("newer") == "5"


def test_memory_backend_keeps_what_was_read_and_drops_the_least_recently_used():
    backend = MemoryBackend(max_entries=3)
    for key in ("a", "b", "c"):
        backend.set(key, key, 100, frozenset({f"tag-{key}"}))
    assert backend.get("a") == "a"  # read: now the most recently used
    backend.set("d", "d", 100)
    assert [backend.get(k) for k in ("a", "b", "c", "d")] == ["a", None, "c", "d"]
    assert backend.purge_tags({"tag-b"}) == 0  # the evicted entry left its tag too


def test_memory_backend_is_bounded_by_bytes_too():
    value = "x" * 1000
    size = len(value) + 100  # what Python holds for it, about
    backend = MemoryBackend(max_entries=1000, max_bytes=5 * size)
    for number in range(20):
        backend.set(f"k{number}", value, 100)
    kept = [number for number in range(20) if backend.get(f"k{number}") is not None]
    assert kept == list(range(15, 20))  # the newest five fit
    backend.set("huge", "y" * (10 * size), 100)  # larger than the whole bound: not kept
    assert backend.get("huge") is None and backend.get("k19") == value


def test_memory_backend_sizes_come_from_the_configuration(tmp_path):
    app = make_app(
        config={"PORTAL_CACHE_URL": "memory", "PORTAL_CACHE_MAX_ENTRIES": 2},
        instance_path=str(tmp_path / "i"),
    )
    cache = cache_for(app)
    for key in ("a", "b", "c"):
        cache.set(key, key, 100)
    assert [cache.get(k) for k in ("a", "b", "c")] == [None, "b", "c"]


@requires_redis
def test_redis_entries_carry_their_timeout(redis_prefix):
    import redis

    backend = RedisBackend(REDIS_URL, prefix=redis_prefix)
    backend.set("short", "s", 1, frozenset({"t"}))
    backend.set("long", "l", 300)
    client = redis.Redis.from_url(REDIS_URL)
    assert 0 < client.pttl(redis_prefix + "short") <= 1000
    assert 299_000 < client.pttl(redis_prefix + "long") <= 300_000
    assert client.ttl(redis_prefix + "tag:t") > 1  # the tag set outlives its entries
    client.close()


@requires_redis
def test_redis_entry_is_gone_after_its_timeout(redis_prefix):
    backend = RedisBackend(REDIS_URL, prefix=redis_prefix)
    backend.set("short", "s", 1)
    time.sleep(1.3)
    assert backend.get("short") is None


@requires_redis
def test_redis_prefixes_keep_sites_apart(redis_prefix):
    first = RedisBackend(REDIS_URL, prefix=redis_prefix + "[a]:")
    second = RedisBackend(REDIS_URL, prefix=redis_prefix + "a:")  # what "[a]" means as a glob
    first.set("key", "first", 60, frozenset({"t"}))
    second.set("key", "second", 60, frozenset({"t"}))
    assert first.get("key") == "first"
    assert second.get("key") == "second"
    first.purge_tags({"t"})
    assert second.get("key") == "second"
    first.set("key", "first", 60)
    first.clear()
    assert first.get("key") is None
    assert second.get("key") == "second"


def test_redis_that_cannot_be_reached_degrades_to_no_cache(caplog):
    backend = RedisBackend("redis://127.0.0.1:1/0")  # nothing listens on port 1
    backend.set("key", "value", 60, frozenset({"t"}))
    assert backend.get("key") is None
    for _ in range(20):  # every block of every request meanwhile
        assert backend.get_many(["a", "b"]) == [None, None]
    warnings = [r for r in caplog.records if "not answering" in r.getMessage()]
    assert len(warnings) == 1  # one line per interval, not one per call
    assert backend._guard.is_open  # calls are not even tried for a while


def test_a_purge_that_cannot_reach_redis_says_so():
    """Reads and writes may miss; a purge may not, or a stale page would outlive its change."""
    backend = RedisBackend("redis://127.0.0.1:1/0")
    with pytest.raises(CacheUnavailable, match="chưa xóa bộ nhớ đệm"):
        backend.purge_tags({"t"})


def test_pages_render_while_redis_is_down(test_plugin):
    app = make_app(
        plugins=[("render_probes", test_plugin("render_probes"))],
        config={"PORTAL_CACHE_URL": "redis://127.0.0.1:1/0", "PORTAL_STRICT_BLOCKS": False},
    )
    from portal.extensions import db
    from portal.models import Placement
    from portal.testing import sample_content

    with app.app_context():
        created = sample_content(blocks=[])
        db.session.add(
            Placement(page_id=created["root"].id, region="main", block_name="render_counter")
        )
        db.session.commit()
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "Lần hiển thị 1" in response.get_data(as_text=True)


# -- one cache per app, chosen by configuration -----------------------------------


def test_each_app_has_its_own_memory_cache():
    first = make_app(config={"PORTAL_CACHE_URL": "memory"})
    second = make_app(config={"PORTAL_CACHE_URL": "memory"})
    assert isinstance(cache_for(first), MemoryBackend)
    assert cache_for(first) is not cache_for(second)
    cache_for(first).set("key", "first", 60)
    assert cache_for(second).get("key") is None


@requires_redis
def test_apps_with_their_own_prefix_share_one_redis_safely(redis_prefix):
    first = make_app(
        config={"PORTAL_CACHE_URL": REDIS_URL, "PORTAL_CACHE_PREFIX": redis_prefix + "one:"}
    )
    second = make_app(
        config={"PORTAL_CACHE_URL": REDIS_URL, "PORTAL_CACHE_PREFIX": redis_prefix + "two:"}
    )
    assert isinstance(cache_for(first), RedisBackend)
    cache_for(first).set("key", "first", 60, frozenset({"article:1"}))
    assert cache_for(second).get("key") is None
    cache_for(second).set("key", "second", 60, frozenset({"article:1"}))
    cache_for(second).clear()
    assert cache_for(first).get("key") == "first"


@pytest.mark.parametrize("url", ["none", "null"])
def test_caching_can_be_switched_off(url):
    app = make_app(config={"PORTAL_CACHE_URL": url})
    backend = cache_for(app)
    assert isinstance(backend, NullBackend)
    backend.set("key", "value", 60)
    assert backend.get("key") is None


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "Memory", "redis:/x", "disk"])
def test_an_unknown_cache_url_is_refused_with_a_clear_error(url):
    with pytest.raises(RuntimeError) as excinfo:
        make_app(config={"PORTAL_CACHE_URL": url})
    message = str(excinfo.value)
    assert f"Không hiểu PORTAL_CACHE_URL={url!r}:" in message
    assert "'memory'" in message and "redis://" in message


def test_an_unknown_cache_url_from_the_environment_is_refused(monkeypatch, tmp_path):
    from portal.app import create_app

    monkeypatch.setenv("PORTAL_CACHE_URL", "memcache")
    with pytest.raises(RuntimeError, match="Không hiểu PORTAL_CACHE_URL='memcache'"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})


def test_an_unknown_cache_url_is_told_in_the_default_language():
    with pytest.raises(RuntimeError) as excinfo:
        make_app(config={"PORTAL_DEFAULT_LOCALE": "en", "PORTAL_CACHE_URL": "disk"})
    assert str(excinfo.value) == (
        "PORTAL_CACHE_URL='disk' is not understood: use 'memory', 'none' or a redis:// URL"
    )
