"""Fixtures of the SEO and redirect tests: a site on PORTAL_BASE_URL with a static page."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import MediaImage, Page
from portal.testing import sample_content

# http: the admin tests sign in over http (an https base URL makes the session cookie Secure).
BASE = "http://tin.example.vn"


@pytest.fixture
def app_config():
    return {"PORTAL_BASE_URL": BASE}


@pytest.fixture
def site(app):
    """sample_content, a static page at /gioi-thieu and a library image: their ids."""
    with app.app_context():
        made = sample_content()
        about = Page(
            kind="static",
            title="Giới thiệu",
            path="/gioi-thieu",
            layout="one_column",
            parent_id=made["root"].id,
            blocked_regions=[],
        )
        image = MediaImage(
            stored_name="uploads/ab/0123456789abcdef01234567.jpg",
            mime_type="image/jpeg",
            width=1200,
            height=630,
            size=1000,
            variants={},
            alt="Ruộng bậc thang Pác Nặm",
        )
        db.session.add_all([about, image])
        db.session.commit()
        return {
            **{name: obj.id for name, obj in made.items()},
            "about": about.id,
            "image": image.id,
        }
