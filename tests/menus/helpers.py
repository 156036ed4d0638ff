"""Helpers for the menus tests: a small site, signed-in clients, reading the admin and reader HTML."""

from __future__ import annotations

import re
from html import unescape

from portal.extensions import db
from portal.models import Category, Page, Placement, User
from portal.testing import signed_in_client

PASSWORD = "mat-khau-dai-1"
CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def make_site() -> dict[str, int]:
    """Two categories, a home page with the main menu and the footer menu, two static pages."""
    news = Category(name="Thời sự", slug="thoi-su", position=1)
    economy = Category(name="Kinh tế", slug="kinh-te", position=2)
    db.session.add_all([news, economy])
    db.session.flush()
    home = Page(kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[])
    db.session.add(home)
    db.session.flush()
    about = Page(kind="static", title="Giới thiệu", path="/gioi-thieu", parent_id=home.id)
    contact = Page(kind="static", title="Liên hệ", path="/lien-he", parent_id=home.id)
    listing = Page(kind="category", title="Chuyên mục", parent_id=home.id)
    db.session.add_all([about, contact, listing])
    db.session.flush()
    for position, (region, name, settings) in enumerate(
        [
            ("header", "category_menu", {"depth": 2}),
            ("footer", "footer_menu", {"menu": "footer"}),
        ]
    ):
        db.session.add(
            Placement(
                page_id=home.id,
                region=region,
                position=position,
                block_name=name,
                settings=settings,
            )
        )
    db.session.commit()
    return {
        "news": news.id,
        "economy": economy.id,
        "home": home.id,
        "about": about.id,
        "contact": contact.id,
    }


def make_user(app, email: str, role: str) -> int:
    with app.app_context():
        user = User(email=email, name=email.split("@")[0].title(), role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user.id


def client_as(app, role: str):
    return signed_in_client(app, make_user(app, f"{role}@example.org", role))


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def post(client, url: str, data: dict, *, from_url: str):
    """POST ``data`` with the CSRF token of the page at ``from_url``, as a browser would."""
    token = csrf_of(client.get(from_url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def menu_links(html: str, css: str = "category-menu") -> list[tuple[str, str, str | None]]:
    """(label, href, aria-current) of the links of a menu block, in order."""
    found = re.findall(
        rf'<a class="{css}__(?:sub)?link" href="([^"]+)"(?: aria-current="(\w+)")?[^>]*>([^<]+)',
        html,
    )
    return [(unescape(text), href, current or None) for href, current, text in found]


def notices(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'class="notice notice--\w+"[^>]*>([^<]+)<', html)]
