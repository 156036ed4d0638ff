"""portal_site_menu from another plugin; the compliance check ``menus``; the demo's menus."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from blocks.menus import compliance, store
from blocks.menus.models import Menu
from portal import Actor, SiteMenuLink, hookimpl, site_menu
from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Page, Placement

from .helpers import make_site, menu_links

ACTOR = Actor.system("Kiểm thử")


@pytest.fixture
def database_url():
    """SQLite only: nothing here depends on the database."""
    return None


class OtherMenus:
    """A third-party menu provider: a "partner" menu, and a wrong answer for "broken"."""

    @hookimpl
    def portal_site_menu(self, slug):
        if slug == "partner":
            return [
                SiteMenuLink(
                    "Liên kết",
                    "/lien-he",
                    children=(SiteMenuLink("Chính phủ", "https://chinhphu.vn", new_tab=True),),
                )
            ]
        if slug == "broken":
            return [
                SiteMenuLink(
                    "Ba cấp",
                    "/",
                    children=(SiteMenuLink("a", "/", children=(SiteMenuLink("b", "/"),)),),
                )
            ]
        return None


@pytest.fixture
def app_plugins():
    return [("other_menus", OtherMenus())]


def test_another_plugin_can_answer_for_a_menu(app, client, caplog):
    with app.app_context():
        make_site()
        footer = db.session.scalar(select(Placement).where(Placement.block_name == "footer_menu"))
        footer.settings = {"menu": "partner"}
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert menu_links(html, "footer-menu") == [
        ("Liên kết", "/lien-he", None),
        ("Chính phủ", "https://chinhphu.vn", None),
    ]
    assert 'href="https://chinhphu.vn" target="_blank" rel="noopener"' in html
    with app.test_request_context("/"), caplog.at_level(logging.ERROR):
        assert site_menu("broken") is None  # three levels: refused, logged
        assert site_menu("header") is None
    assert "portal_site_menu must return" in caplog.text


def test_the_compliance_check_lists_pages_no_menu_leads_to(app):
    with app.test_request_context("/"):
        site = make_site()
        [check] = compliance.compliance_checks()
        assert check.key == "menus" and not check.met
        assert "Giới thiệu (/gioi-thieu)" in check.detail and "Liên hệ (/lien-he)" in check.detail
        assert check.fix_url == "/admin/trinh-don/"
        menu = store.create_menu(ACTOR, slug="footer", title="Menu chân trang")
        for key, label in (("about", "Giới thiệu"), ("contact", "Liên hệ")):
            store.add_item(
                ACTOR, menu, label=label, kind="page", target_id=site[key], url="", new_tab=False
            )
        store.publish(ACTOR, menu)
    with app.test_request_context("/"):
        [check] = compliance.compliance_checks()
        assert check.met, check.detail


def test_the_demo_publishes_its_menus_and_skips_missing_targets(app, client):
    with app.app_context():
        summary = load_demo()
        assert "4 trình đơn" in summary
        menus = {menu.slug: menu for menu in db.session.scalars(select(Menu))}
        assert set(menus) == {"header", "footer", "header-en", "footer-en"}
        header = [node.entry.label for node in store.draft_tree(menus["header"])]
        # /van-ban and /hoi-dap are not on this site (their plugins are off): skipped.
        assert header[0] == "Trang chủ" and header[-3:] == ["Giới thiệu", "Liên hệ", "English"]
        assert "Văn bản" not in header and "Hỏi đáp" not in header
        footer = [node.entry.label for node in store.draft_tree(menus["footer"])]
        assert footer == ["Giới thiệu", "Liên hệ", "Sơ đồ trang", "Nguồn tin RSS", "Tìm kiếm"]
        assert all(store.current_version(menu) is not None for menu in menus.values())
        assert load_demo().endswith("khối")  # loading again adds no menu
        about = db.session.scalar(select(Page).where(Page.path == "/gioi-thieu"))
        assert about is not None
    html = client.get("/").get_data(as_text=True)
    assert ("Sơ đồ trang", "/so-do-trang", None) in menu_links(html, "footer-menu")
    with app.test_request_context("/"):
        [check] = compliance.compliance_checks()
        assert check.met, check.detail
