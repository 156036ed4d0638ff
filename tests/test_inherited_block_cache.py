"""A cached block keeps telling whether the page shows it as its own or inherited.

The root page's header is the home page's own block and an inherited one on
every page below it; both share one placement, so the cached HTML must not
carry the mark of whichever page filled the cache first.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Page, Placement
from portal.testing import make_app

OWN = 'data-block="site_header">'
INHERITED = 'data-block="site_header" data-inherited="1">'


@pytest.fixture
def client(tmp_path):
    app = make_app(config={"PORTAL_CACHE_URL": "memory"}, instance_path=str(tmp_path / "i"))
    with app.app_context():
        home = Page(
            kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[]
        )
        db.session.add(home)
        db.session.flush()
        db.session.add(
            Placement(page_id=home.id, region="header", position=0, block_name="site_header")
        )
        db.session.add(
            Page(kind="static", title="Giới thiệu", path="/gioi-thieu", parent_id=home.id)
        )
        db.session.commit()
    yield app.test_client()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("first", ["/", "/gioi-thieu"])
def test_the_inherited_mark_follows_the_page_whatever_filled_the_cache(client, first):
    client.get(first)  # fills the block cache from one of the two pages
    for _ in range(2):  # the second round reads both from the cache
        home = client.get("/").get_data(as_text=True)
        about = client.get("/gioi-thieu").get_data(as_text=True)
        assert OWN in home and INHERITED not in home
        assert INHERITED in about
