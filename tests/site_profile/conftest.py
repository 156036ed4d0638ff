"""Fixtures for the site_profile plugin: a small site (home page with the footer), admins."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Page, Placement
from portal.testing import make_account, signed_in_client


@pytest.fixture
def site(app):
    """A home page with the footer in its footer region and a "Liên hệ" page with the contact block."""
    with app.app_context():
        home = Page(
            kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[]
        )
        db.session.add(home)
        db.session.flush()
        db.session.add(
            Placement(
                page_id=home.id, region="footer", position=0, block_name="site_footer", settings={}
            )
        )
        contact = Page(
            kind="static",
            title="Liên hệ",
            path="/lien-he",
            parent_id=home.id,
            layout="one_column",
            blocked_regions=["main"],
        )
        db.session.add(contact)
        db.session.flush()
        db.session.add(
            Placement(
                page_id=contact.id,
                region="main",
                position=0,
                block_name="site_profile_contact",
                settings={},
            )
        )
        db.session.commit()
    return app


@pytest.fixture
def admin(app):
    return signed_in_client(app, make_account(app, "admin"))


@pytest.fixture
def editor(app):
    return signed_in_client(app, make_account(app, "editor"))
