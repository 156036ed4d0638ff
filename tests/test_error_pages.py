"""The 404 page in the site's frame (the root page's header and footer blocks, a search
form), its plain fallback, and the plain 500 page that runs no query."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Page, Placement
from portal.testing import count_queries, sample_content


@pytest.fixture
def database_url():
    """SQLite only: the error pages run the same SQL on both databases."""
    return None


@pytest.fixture
def site(app):
    """The sample content, with a header block and a footer block on the root page and
    a search page that is not at the default address."""
    with app.app_context():
        created = sample_content()
        root = created["root"]
        db.session.add_all(
            [
                Placement(page_id=root.id, region="header", position=0, block_name="site_header"),
                Placement(page_id=root.id, region="footer", position=0, block_name="site_footer"),
                Page(kind="search", title="Tra cứu", path="/tra-cuu", parent_id=root.id),
            ]
        )
        db.session.commit()


def test_404_has_the_root_pages_header_footer_and_a_search_form(app, client, site):
    response = client.get("/khong/co/trang/nay")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<header class="site-header"' in html and "site-footer" in html
    assert re.search(r'<main id="noi-dung" class="region region--main[^"]*"', html)
    assert "<h1>Không tìm thấy trang</h1>" in html
    form = re.search(r'<form class="error-page__search"[^>]*action="([^"]+)"', html)
    assert form and form.group(1) == "/tra-cuu"  # the site's own search page
    assert re.search(r'<label for="tim-trang-bi-mat">', html)
    assert '<meta name="robots" content="noindex">' in html
    assert "page--not_found" in html


def test_404_without_any_page_is_the_plain_page(app, client, caplog):
    with caplog.at_level("ERROR"):
        response = client.get("/khong-co")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # a new site: no traceback
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>Không tìm thấy trang</h1>" in html
    assert 'action="/tim-kiem"' in html
    assert "region--header" not in html


def test_500_page_is_plain_and_runs_no_query(app, site):
    @app.get("/hong-thu")
    def broken():
        raise RuntimeError("hỏng")

    app.testing = False  # answer with the error page, as in production
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    with count_queries(app) as statements:
        response = client.get("/hong-thu")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "<h1>Xin lỗi, đã có lỗi xảy ra</h1>" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "site-header" not in html
    assert statements == []
