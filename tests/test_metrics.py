"""Prometheus metrics (portal/metrics.py, portal/web/observe.py): off by default, restricted
when on, and counting what happened with the right labels."""

from __future__ import annotations

import re

import pytest

from portal import article_event, content_changed, metrics
from portal.extensions import db
from portal.models import Page, Placement
from portal.testing import make_app, sample_content

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}


@pytest.fixture
def app_config():
    return {
        "PORTAL_METRICS": True,
        "PORTAL_CACHE_URL": "memory",
        "PORTAL_PAGE_CACHE": True,
        "PORTAL_STRICT_BLOCKS": False,
        "PORTAL_VIEW_FLUSH_SECONDS": 3600,
    }


@pytest.fixture
def app_plugins(test_plugin):
    return [
        ("faulty_blocks", test_plugin("faulty_blocks")),
        ("render_probes", test_plugin("render_probes")),
        ("event_breaker", test_plugin("event_breaker")),
    ]


def samples(text: str) -> dict[str, float]:
    """``name{labels}`` -> value of every sample in an exposition."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def scrape(client, **kwargs) -> dict[str, float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    return samples(response.get_data(as_text=True))


def test_off_by_default_metrics_is_an_ordinary_path(tmp_path):
    app = make_app(instance_path=str(tmp_path / "instance"))
    assert metrics.of(app) is None
    response = app.test_client().get("/metrics")
    assert response.status_code == 404
    assert b"portal_http" not in response.get_data()


def test_only_allowed_networks_or_the_token_may_read_them(app_factory):
    app = app_factory(
        config={
            "PORTAL_METRICS": True,
            "PORTAL_METRICS_ALLOW": ["10.1.0.0/16"],
            "PORTAL_METRICS_TOKEN": "s3cret-token",
        }
    )
    client = app.test_client()
    # The test client comes from 127.0.0.1: not in the list any more.
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    wrong = {"Authorization": "Bearer guessed"}
    assert client.get("/metrics", headers=wrong).status_code == 403
    right = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/metrics", headers=right).status_code == 200
    assert client.post("/metrics", headers=right).status_code == 405


def test_the_local_host_by_default_and_the_client_a_proxy_names(app_factory):
    direct = app_factory(config={"PORTAL_METRICS": True}).test_client()
    assert direct.get("/metrics").status_code == 200
    assert direct.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    assert direct.get("/metrics", environ_base=outside).status_code == 403

    # Behind a proxy on the same host, the peer is always 127.0.0.1: the client the proxy
    # names is the one checked. Asked directly (no X-Forwarded-For: Prometheus on the
    # server), the peer is.
    proxied = app_factory(config={"PORTAL_METRICS": True, "PORTAL_PROXY_COUNT": 1}).test_client()
    from_outside = {"X-Forwarded-For": "198.51.100.7"}
    assert proxied.get("/metrics", headers=from_outside).status_code == 403
    spoofed = {"X-Forwarded-For": "127.0.0.1, 198.51.100.7"}  # the client wrote the first
    assert proxied.get("/metrics", headers=spoofed).status_code == 403
    assert proxied.get("/metrics", headers={"X-Forwarded-For": ""}).status_code == 403
    assert proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    assert proxied.get("/metrics").status_code == 200
    assert proxied.get("/metrics", environ_base=outside).status_code == 403


def test_a_bad_network_stops_start_up_naming_the_setting(tmp_path):
    with pytest.raises(RuntimeError, match="PORTAL_METRICS_ALLOW: 'intranet'"):
        make_app(
            config={"PORTAL_METRICS": True, "PORTAL_METRICS_ALLOW": ["intranet"]},
            instance_path=str(tmp_path / "instance"),
        )


def test_requests_are_counted_by_route_kind_and_status(app, client):
    with app.app_context():
        content = sample_content()
        article_path = f"/bai-viet/{content['article'].id}-{content['article'].slug}"
    client.get("/", headers=BROWSER)
    client.get("/", headers=BROWSER)  # the second anonymous request: a whole-page cache hit
    client.get(article_path, headers=BROWSER)
    client.get("/khong-co-trang-nay")
    client.get("/healthz")
    client.get("/rss.xml")
    client.get("/admin/")
    found = scrape(client)

    assert found['portal_http_responses_total{route="home",status="200"}'] == 2
    assert found['portal_http_responses_total{route="article",status="200"}'] == 1
    assert found['portal_http_responses_total{route="page",status="404"}'] == 1
    assert found['portal_http_responses_total{route="health",status="200"}'] == 1
    assert found['portal_http_responses_total{route="feed",status="200"}'] == 1
    assert found['portal_http_responses_total{route="admin",status="302"}'] == 1
    assert found['portal_http_request_duration_seconds_count{route="home"}'] == 2
    assert found['portal_http_request_duration_seconds_bucket{le="+Inf",route="home"}'] == 2
    assert found['portal_http_request_duration_seconds_sum{route="home"}'] > 0
    # Whole pages: the first of each page missed, the second "/" was a hit.
    assert found['portal_page_cache_requests_total{result="hit"}'] == 1
    assert found['portal_page_cache_requests_total{result="miss"}'] >= 2
    # The article's view waits in the in-process buffer; so does the visitor.
    assert found['portal_buffer_depth{buffer="article_views"}'] == 1
    assert found['portal_buffer_depth{buffer="statistics_visits"}'] >= 1
    labels = {re.search(r'route="(\w+)"', name).group(1) for name in found if "route=" in name}
    assert labels <= set(metrics.ROUTE_KINDS)


def test_block_cache_and_block_failures(app, client):
    with app.app_context():
        sample_content()
        home = db.session.scalar(db.select(Page).where(Page.path == "/"))
        for position, name in enumerate(("broken_context", "broken_template", "render_counter")):
            db.session.add(
                Placement(page_id=home.id, region="main", position=90 + position, block_name=name)
            )
        db.session.commit()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200  # not kept whole: a block failed on it
    found = scrape(client)
    assert found['portal_block_failures_total{block_type="broken_context",stage="render"}'] == 2
    assert found['portal_block_failures_total{block_type="broken_template",stage="render"}'] == 2
    assert found['portal_page_cache_requests_total{result="hit"}'] == 0
    # render_counter was drawn once, then found in the block cache; broken_template (cacheable)
    # was never kept: two misses.
    assert found['portal_block_cache_requests_total{result="hit"}'] == 1
    assert found['portal_block_cache_requests_total{result="miss"}'] == 3


def test_event_delivery_failures_and_backlog(app, client):
    with app.app_context():
        article = sample_content()["article"]
        content_changed(article_event("edited", article))  # event_breaker fails on it
    found = scrape(client)
    failures = found['portal_event_delivery_failures_total{consumer="plugin:event_breaker"}']
    assert failures >= 1
    assert found['portal_events_undelivered{status="pending"}'] >= 1
    assert found['portal_events_undelivered{status="failed"}'] == 0


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ("reader.home", "home"),
        ("reader.tag", "category"),
        ("reader.english_article", "article"),
        ("reader.static_page", "page"),
        ("sitemaps.articles", "sitemap"),
        ("feeds.tag_rss", "feed"),
        ("static", "asset"),
        ("core.block_static", "asset"),
        ("weather.static", "asset"),
        ("admin.articles_edit", "admin"),
        ("documents_admin.index", "admin"),
        ("auth.login", "other"),
        ("questions.index", "other"),
        (None, "other"),
    ],
)
def test_route_kinds(endpoint, kind):
    assert metrics.route_kind(endpoint) == kind


def test_several_workers_without_a_multiprocess_folder_is_a_deploy_problem(
    app_factory, monkeypatch
):
    from portal.deploy_check import deploy_problems

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    app = app_factory(config={"PORTAL_METRICS": True})

    def names(workers: int) -> list[str]:
        return [problem.check for problem in deploy_problems(app, workers=workers)]

    assert "metrics-multiprocess" in names(4)
    assert "metrics-multiprocess" not in names(1)
    app.config["PORTAL_METRICS_MULTIPROC_DIR"] = "/run/blockportal/metrics"
    assert "metrics-multiprocess" not in names(4)


def test_the_direct_adders_count_as_the_public_methods():
    import prometheus_client as prom

    registry = prom.CollectorRegistry()
    histogram = prom.Histogram(
        "h", "h", ["way"], buckets=metrics.LATENCY_BUCKETS, registry=registry
    )
    counter = prom.Counter("c", "c", ["way"], registry=registry)
    observe = metrics.observer(histogram.labels("fast"))
    add = metrics.adder(counter.labels("fast"))
    assert observe != histogram.labels("fast").observe  # the direct way is taken
    amounts = [0, 0.0001, 0.0005, 0.00051, 0.005, 0.7, 10, 10.5, 1e9]
    for amount in amounts:
        observe(amount)
        histogram.labels("public").observe(amount)
        add(amount)
        counter.labels("public").inc(amount)
    found = samples(prom.generate_latest(registry).decode())

    def way(name: str) -> dict[str, float]:
        marker = f'way="{name}"'
        return {
            key.replace(marker, ""): value
            for key, value in found.items()
            if marker in key and "_created" not in key
        }

    assert way("fast") == way("public")
    assert way("fast")['h_bucket{le="0.0005",}'] == 3  # 0, 0.0001 and 0.0005 itself
    assert way("fast")["h_count{}"] == len(amounts)
