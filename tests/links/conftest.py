"""Fixtures for the website links (plugin site_profile): a home page with the links block."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Page, Placement
from portal.testing import make_account, signed_in_client


@pytest.fixture
def links_site(app):
    with app.app_context():
        home = Page(
            kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[]
        )
        db.session.add(home)
        db.session.flush()
        for position, display in enumerate(("list", "select")):
            settings = {
                "title": f"Liên kết ({display})",
                "display": display,
                "group": "",
                "new_tab": True,
            }
            db.session.add(
                Placement(
                    page_id=home.id,
                    region="main",
                    position=position,
                    block_name="website_links",
                    settings=settings,
                )
            )
        db.session.commit()
    return app


@pytest.fixture
def links_admin(app):
    return signed_in_client(app, make_account(app, "admin"))
