"""A site with a header, menu, footer and home content, and the reception test plugin."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Page, Placement, User
from portal.testing import sample_content, signed_in_client


@pytest.fixture
def app_plugins(test_plugin):
    return [("reception", test_plugin("reception"))]


def build_site() -> dict[str, int]:
    """The sample content, with header, menu and footer on the root page (inherited)."""
    created = sample_content()
    root = created["root"]
    for region, position, name, settings in [
        ("header", 0, "site_header", {}),
        ("header", 1, "category_menu", {}),
        ("main", 0, "rich_text", {"html": "<p>Tin nổi bật của trang chủ</p>"}),
        ("footer", 0, "site_footer", {}),
    ]:
        db.session.add(
            Placement(
                page_id=root.id,
                region=region,
                position=position,
                block_name=name,
                settings=settings,
            )
        )
    db.session.commit()
    return {"root": root.id}


@pytest.fixture
def site(app):
    with app.app_context():
        return build_site()


def add_static_page(path: str, *, title: str, main_html: str) -> int:
    """An admin's page at ``path`` under the root, with one rich text block in main."""
    root = db.session.scalar(db.select(Page).where(Page.path == "/"))
    page = Page(
        kind="static",
        title=title,
        path=path,
        parent_id=root.id,
        layout="one_column",
        blocked_regions=["main"],
    )
    db.session.add(page)
    db.session.flush()
    db.session.add(
        Placement(
            page_id=page.id,
            region="main",
            position=0,
            block_name="rich_text",
            settings={"html": main_html},
        )
    )
    db.session.commit()
    return page.id


def make_user(app, email: str, role: str) -> int:
    with app.app_context():
        user = User(email=email, name=email.split("@")[0], role=role)
        user.set_password("mat-khau-dai-1")
        db.session.add(user)
        db.session.commit()
        return user.id


def client_signed_in_as(app, user_id: int):
    return signed_in_client(app, user_id)
