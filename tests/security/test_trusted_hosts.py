"""A hostile Host or X-Forwarded-Host header never reaches a view, a cache or a link.

The attack this guards against: one request naming ``evil.example`` as its
host made the cached article toolbar carry share links to evil.example for
every reader for ten minutes (in-process and Redis caches alike). Now
absolute URLs come from PORTAL_BASE_URL and requests for untrusted hosts are
refused with 400 before the app runs; these tests send the hostile requests
first, then ordinary ones, and look at every response and every cache entry.
"""

from __future__ import annotations

import gzip
import os
from urllib.parse import quote

import pytest
from sqlalchemy import select

from portal.cache import MemoryBackend, RedisBackend, cache_for
from portal.extensions import db
from portal.models import Article, Placement
from portal.testing import sample_content

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
HOSTILE = "evil.example"
BASE = "http://127.0.0.1:5000"  # the embedded PORTAL_BASE_URL


@pytest.fixture(
    params=[("memory", 0), ("memory", 1), ("redis", 0), ("redis", 1)],
    ids=["memory-direct", "memory-proxied", "redis-direct", "redis-proxied"],
)
def app_config(request, redis_prefix):
    """The in-process and the Redis cache, without a proxy and behind one."""
    cache, proxies = request.param
    config = {"PORTAL_PROXY_COUNT": proxies, "PORTAL_STRICT_BLOCKS": True}
    if cache == "redis":
        if not REDIS_URL:
            pytest.skip("PORTAL_TEST_REDIS_URL is not set")
        config.update(PORTAL_CACHE_URL=REDIS_URL, PORTAL_CACHE_PREFIX=redis_prefix)
    else:
        config["PORTAL_CACHE_URL"] = "memory"
    return config


@pytest.fixture
def site(app):
    """The sample article page under a home page with cached header, menu, list and footer."""
    with app.app_context():
        created = sample_content()
        root = created["root"]
        for region, position, name in [
            ("header", 0, "site_header"),
            ("header", 1, "category_menu"),
            ("main", 0, "article_list"),
            ("footer", 0, "site_footer"),
        ]:
            db.session.add(
                Placement(page_id=root.id, region=region, position=position, block_name=name)
            )
        db.session.commit()
        article = created["article"]
        return {"article": f"/bai-viet/{article.id}-{article.slug}", "home": "/"}


def as_text(value: str | bytes) -> str:
    """A cached value as text: block HTML as it is, a whole page (bytes) unzipped if zipped."""
    if isinstance(value, str):
        return value
    if value[:1] == b"\xff":  # how RedisBackend marks bytes
        value = value[1:]
    head, _, body = value.partition(b"\n")
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return (head + b"\n" + body).decode("utf-8", "replace")


def cached_values(app) -> list[str]:
    """Every entry of the app's block cache, as text."""
    backend = cache_for(app)
    if isinstance(backend, MemoryBackend):
        # (expires, value, tags, size); a whole page is bytes, maybe gzipped
        return [as_text(entry[1]) for entry in backend._entries.values()]
    assert isinstance(backend, RedisBackend)
    client = backend._redis
    values = []
    for key in client.scan_iter(match=backend._prefix + "*"):
        kind = client.type(key)
        if kind == b"string":
            values.append(as_text(client.get(key)))
        elif kind == b"set":  # a tag: the keys carrying it
            values.append(" ".join(sorted(member.decode() for member in client.smembers(key))))
        else:  # the view counter's hash
            values.append(str(client.hgetall(key)))
    return values


def carries_hostile(response) -> bool:
    everything = response.get_data(as_text=True) + str(response.headers)
    return HOSTILE in everything.lower()


def assert_refused(response):
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "Trang web này không phục vụ tên miền được yêu cầu." in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert not carries_hostile(response)


def test_hostile_hosts_never_reach_a_view_or_a_cache(app, site, app_config):
    client = app.test_client()
    proxied = app_config["PORTAL_PROXY_COUNT"] > 0

    for url in (site["article"], site["home"]):
        for host in (HOSTILE, f"{HOSTILE}:80", "EVIL.EXAMPLE", "localhost.evil.example",
                     f"localhost:80@{HOSTILE}", f"127.0.0.1:5000@{HOSTILE}"):  # fmt: skip
            assert_refused(client.get(url, headers={"Host": host}))
        assert_refused(client.get(url, base_url=f"https://{HOSTILE}/"))
        if proxied:
            assert_refused(client.get(url, headers={"X-Forwarded-Host": HOSTILE}))
            # Only the last (own proxy's) value counts, and it is checked too.
            assert_refused(client.get(url, headers={"X-Forwarded-Host": f"localhost, {HOSTILE}"}))
    # Nothing ran: no block was rendered into the cache by any of these requests.
    assert cached_values(app) == []

    if not proxied:  # without a trusted proxy the header is ignored, and so is its host
        for url in (site["article"], site["home"]):
            response = client.get(url, headers={"X-Forwarded-Host": HOSTILE})
            assert response.status_code == 200
            assert not carries_hostile(response)

    # Ordinary readers afterwards: rendered, then served from the cache.
    for _ in range(2):
        for url in (site["article"], site["home"]):
            response = client.get(url)
            assert response.status_code == 200
            assert not carries_hostile(response)
    article = client.get(site["article"]).get_data(as_text=True)
    assert quote(BASE + site["article"], safe="") in article  # the share links
    assert f'<link rel="canonical" href="{BASE}{site["article"]}">' in article
    cached = cached_values(app)
    assert any("bulletin-toolbar" in value for value in cached)  # the cache was really used
    assert not any(HOSTILE in value.lower() for value in cached)


@pytest.mark.parametrize("app_config", [{"PORTAL_PROXY_COUNT": 1}])
def test_a_trusted_proxy_may_name_a_trusted_host(app, site):
    response = app.test_client().get(
        site["article"], headers={"X-Forwarded-Host": "localhost", "X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200
    assert f'<link rel="canonical" href="{BASE}{site["article"]}">' in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "app_config",
    [{"PORTAL_BASE_URL": "https://tinbackan.example.vn", "PORTAL_CACHE_URL": "memory"}],
)
def test_links_follow_the_base_url_whatever_host_serves_them(app, site):
    client = app.test_client()
    for host in ("tinbackan.example.vn", "localhost", "127.0.0.1:5101"):
        html = client.get(site["article"], headers={"Host": host}).get_data(as_text=True)
        canonical = f"https://tinbackan.example.vn{site['article']}"
        assert f'<link rel="canonical" href="{canonical}">' in html
        assert f'<meta property="og:url" content="{canonical}">' in html
        assert quote(canonical, safe="") in html
        assert "http://localhost" not in html and "127.0.0.1" not in html
    assert client.get(site["article"], headers={"Host": "backan.example.vn"}).status_code == 400


@pytest.mark.parametrize(
    "app_config",
    [{"PORTAL_BASE_URL": "https://tin.example.vn", "PORTAL_TRUSTED_HOSTS": [".example.vn"]}],
)
def test_trusted_hosts_can_be_listed_with_subdomains(app, site):
    client = app.test_client()
    assert client.get("/", headers={"Host": "tin.example.vn"}).status_code == 200
    assert client.get("/", headers={"Host": "www.tin.example.vn:8443"}).status_code == 200
    # An explicit list replaces the default one: localhost is no longer trusted.
    assert client.get("/").status_code == 400
    assert client.get("/", headers={"Host": "example.vn.evil.example"}).status_code == 400


def test_the_open_graph_image_is_absolute(app, site):
    with app.app_context():
        article = db.session.scalar(select(Article))
        article.image = "anh/le-hoi.jpg"
        db.session.commit()
    html = app.test_client().get(site["article"]).get_data(as_text=True)
    assert f'<meta property="og:image" content="{BASE}/media/anh/le-hoi.jpg">' in html
