"""A page number past the last page is a 404 (portal.PageNotFound), never an empty 200;
the 404 is not isolated like a block failure, and nothing of it is cached."""

from __future__ import annotations

import sys

import pytest

from portal import Block, CachePolicy, PageNotFound, hookimpl
from portal.extensions import db
from portal.models import Placement
from portal.rendering import recent_failures
from portal.testing import make_app, sample_content

from .conftest import BASE_URL, Head


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("?trang=2", 200),
        ("?trang=3", 200),  # the fifth article alone
        ("?trang=4", 404),
        ("?trang=99", 404),
        ("?trang=100000", 404),
        ("?trang=abc", 200),
        ("?trang=0", 200),
        ("?trang=-3", 200),
        ("?trang=", 200),
    ],
)
def test_page_numbers_past_the_last_page_are_404(meta_site, client, query, status):
    response = client.get(meta_site.category_url + query)
    assert response.status_code == status
    head = Head(response.get_data(as_text=True))
    if status == 404:
        assert head.one("robots") == "noindex"
        assert "Không tìm thấy trang" in head.title
    else:
        assert head.canonical.startswith(f"{BASE_URL}/chuyen-muc/thoi-su")
        if query in {"?trang=abc", "?trang=0", "?trang=-3", "?trang="}:  # read as page 1
            assert head.canonical == f"{BASE_URL}/chuyen-muc/thoi-su"
            assert "Trang " not in head.title


def test_lists_that_do_not_paginate_ignore_the_page_number(client):
    """The home page's list shows its newest articles whatever ?trang says."""
    assert client.get("/?trang=99").status_code == 200


# -- the public API, with blocks of this module ----------------------------------------------


class MissingPage(Block):
    """Raises PageNotFound from get_context when the query string says ``?missing=1``."""

    name = "missing_page_probe"
    label = "Thử trang không có"
    description = "Khối thử: báo trang không tồn tại."
    template = "missing_page_probe/probe.html"
    cache = CachePolicy(timeout=300, vary_on={"locale", "page", "query"})

    def get_context(self, ctx, settings):
        counts = ctx.app.extensions.setdefault("missing_page_calls", [])
        counts.append(ctx.query.get("missing"))
        if ctx.query.get("missing"):
            raise PageNotFound()
        return {"text": "Khối thử hiển thị."}


class MissingInPrefetch(Block):
    """Raises PageNotFound from prefetch when the query string says ``?gone=1``."""

    name = "missing_prefetch_probe"
    label = "Thử trang không có (prefetch)"
    description = "Khối thử: báo trang không tồn tại khi nạp trước."
    template = "missing_page_probe/probe.html"
    cache = CachePolicy(timeout=300, vary_on={"locale", "page", "query"})

    @classmethod
    def prefetch(cls, ctx, settings_list):
        if ctx.query.get("gone"):
            raise PageNotFound()
        return None

    def get_context(self, ctx, settings):
        return {"text": "Khối nạp trước hiển thị."}


@hookimpl
def portal_register_blocks():
    return [MissingPage, MissingInPrefetch]


@pytest.fixture(scope="module")
def lenient_app(tmp_path_factory):
    """Blocks isolated (not strict) and cached in memory, as on a real site."""
    app = make_app(
        config={"PORTAL_CACHE_URL": "memory"},
        strict=False,
        plugins=[("missing_page_probes", sys.modules[__name__])],
        instance_path=str(tmp_path_factory.mktemp("missing") / "instance"),
    )
    with app.app_context():
        created = sample_content(blocks=["bulletin_view", "missing_page_probe"])
        db.session.add(
            Placement(
                page_id=created["article_page"].id,
                region="main",
                position=5,
                block_name="missing_prefetch_probe",
            )
        )
        db.session.commit()
        url = f"/bai-viet/{created['article'].id}-{created['article'].slug}"
    yield app, url
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_page_not_found_is_not_isolated_and_never_cached(lenient_app):
    app, url = lenient_app
    client = app.test_client()
    calls = app.extensions.setdefault("missing_page_calls", [])
    before = len(calls)
    # The block's normal HTML is cached now.
    assert client.get(url + "?t=1").status_code == 200
    for _ in range(2):
        response = client.get(url + "?t=1&missing=1")
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "Khối thử hiển thị" not in html
        assert "Không tìm thấy trang" in html
    # Rendered each time: the 404 was not cached.
    assert calls[before:] == [None, "1", "1"]
    assert recent_failures(app) == []  # not a failure of the block
    assert client.get(url + "?t=1").status_code == 200
    assert calls[before:] == [None, "1", "1"]  # a hit: the 200 is cached as before


def test_page_not_found_from_prefetch_is_a_404_too(lenient_app):
    app, url = lenient_app
    client = app.test_client()
    assert client.get(url + "?gone=1").status_code == 404
    assert client.get(url + "?gone=").status_code == 200
    assert recent_failures(app) == []
