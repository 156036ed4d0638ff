"""The compliance screen /admin/tuan-thu and ``flask portal compliance``: who may see them,
and checks computed from the site as configured (the demo, then the demo changed)."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
from sqlalchemy import select

from portal import ComplianceCheck
from portal.compliance import REQUIRED, block_uses, compliance_report
from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article, Page, Placement
from portal.testing import make_app

from .admin_helpers import client_signed_in_as, make_user

#: What the core's built-in plugins check: met on the demo as it ships.
BUILT_IN_KEYS = {"search", "rss", "sitemap", "print", "accessibility"}
ROW_RE = re.compile(
    r'<tr class="compliance-row compliance-row--(met|unmet)" data-key="([\w-]+)">(.*?)</tr>', re.S
)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """The demo site loaded once (SQLite: nothing here depends on the database's SQL);
    each test gets its own copy of the file."""
    folder = tmp_path_factory.mktemp("compliance")
    built = make_app(database_url=f"sqlite:///{folder / 'demo.db'}", instance_path=str(folder))
    with built.app_context():
        load_demo()
        db.session.remove()
        db.engine.dispose()
    return folder / "demo.db"


def demo_app(demo_database, folder, **options):
    copy = folder / "portal.db"
    shutil.copyfile(demo_database, copy)
    return make_app(
        database_url=f"sqlite:///{copy}",
        fresh_database=False,
        instance_path=str(folder / "instance"),
        **options,
    )


@pytest.fixture
def app(demo_database, tmp_path):
    built = demo_app(demo_database, tmp_path)
    yield built
    with built.app_context():
        db.session.remove()
        db.engine.dispose()


def rows_of(html: str) -> dict[str, tuple[bool, str]]:
    return {key: (state == "met", unescape(body)) for state, key, body in ROW_RE.findall(html)}


def report_by_key(app) -> dict[str, ComplianceCheck]:
    with app.test_request_context("/admin/tuan-thu"):
        return {check.key: check for check in compliance_report().checks}


def test_admin_sees_each_requirement_with_its_state_in_words_and_a_fix_link(
    app, admin_client, demo_database, tmp_path
):
    response = admin_client.get("/admin/tuan-thu")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = rows_of(html)
    assert set(rows) == set(REQUIRED)  # every requirement, reported or not
    unmet = {key: row for key, (met, row) in rows.items() if not met}
    assert not unmet, unmet  # the demo is a complete provincial portal
    assert f"{len(REQUIRED)}/{len(REQUIRED)} mục đạt" in html
    search_met, search_row = rows["search"]
    assert "✔" in search_row and "Đạt" in search_row and "/tim-kiem" in search_row
    assert "Tuân thủ Nghị định 42" in re.search(r"<nav.*?</nav>", html, re.S).group(0)

    # With the questions plugin switched off, its item is unmet, said in words, with the fix.
    (tmp_path / "off").mkdir()
    off = demo_app(
        demo_database, tmp_path / "off", config={"PORTAL_DISABLED_PLUGINS": ["questions"]}
    )
    off_admin = client_signed_in_as(off, make_user(off, "admin@example.org", "admin"))
    rows = rows_of(off_admin.get("/admin/tuan-thu").get_data(as_text=True))
    questions_met, questions_row = rows["questions"]
    assert not questions_met and "Chưa đạt" in questions_row and "✘" in questions_row
    assert '<a href="/admin/plugins">Sửa' in questions_row
    assert [key for key, (met, _) in rows.items() if not met] == ["questions"]


def test_only_admins_see_the_screen_and_its_menu_entry(app, client):
    assert client.get("/admin/tuan-thu").status_code == 302  # to the sign-in form
    for role in ("editor", "author"):
        other = client_signed_in_as(app, make_user(app, f"{role}@example.org", role))
        assert other.get("/admin/tuan-thu").status_code == 403
        assert "Tuân thủ Nghị định 42" not in other.get("/admin/").get_data(as_text=True)


def test_checks_follow_what_readers_get(app):
    with app.app_context():
        pages = db.session.scalars(select(Page)).all()
        article_pages = [p for p in pages if p.kind == "article"]
        sitemap_page = next(p for p in pages if p.path == "/so-do-trang")
        # The print button off on one article page; the HTML sitemap block gone; the
        # about page stops inheriting the header (so no search box there); one image
        # of a published article loses its description.
        toolbar = db.session.scalar(
            select(Placement).where(
                Placement.page_id == article_pages[0].id,
                Placement.block_name == "bulletin_toolbar",
            )
        )
        toolbar.settings = {**toolbar.settings, "show_print": False}
        for placement in db.session.scalars(
            select(Placement).where(Placement.page_id == sitemap_page.id)
        ):
            if placement.block_name == "site_map":
                db.session.delete(placement)
        about = next(p for p in pages if p.path == "/gioi-thieu")
        about.blocked_regions = [*about.blocked_regions, "header"]
        article = db.session.scalar(
            select(Article).where(Article.public_filter(), Article.image != "").limit(1)
        )
        article.image_alt = " "
        db.session.commit()
        with app.test_request_context("/"):
            shown_on = {use.page.id for use in block_uses("search_box")}
        assert about.id not in shown_on and len(shown_on) == len(pages) - 1

    checks = report_by_key(app)
    assert not checks["print"].met
    shown = len(article_pages) - 1
    assert f"{shown}/{len(article_pages)} trang bài viết" in checks["print"].detail
    assert not checks["sitemap"].met and "/sitemap.xml" in checks["sitemap"].detail
    assert not checks["search"].met
    assert f"{len(pages) - 1}/{len(pages)} trang" in checks["search"].detail
    assert not checks["accessibility"].met
    assert re.search(r"\b1/\d+ ảnh", checks["accessibility"].detail)
    assert checks["rss"].met and "/nguon-tin-rss" in checks["rss"].detail


def test_a_switched_off_plugin_leaves_its_requirement_unmet(demo_database, tmp_path):
    app = demo_app(demo_database, tmp_path, config={"PORTAL_DISABLED_PLUGINS": ["feeds"]})
    rss = report_by_key(app)["rss"]
    assert not rss.met and rss.fix_url == "/admin/plugins"
    assert rss.label == REQUIRED["rss"][0]


def test_the_command_prints_the_list_and_fails_while_something_is_unmet(
    app, demo_database, tmp_path
):
    result = app.test_cli_runner().invoke(args=["portal", "compliance"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("✔ Đạt") and "tìm kiếm" in line for line in lines)
    assert lines[-1] == f"{len(REQUIRED)}/{len(REQUIRED)} mục đạt"

    (tmp_path / "off").mkdir()
    off = demo_app(demo_database, tmp_path / "off", config={"PORTAL_DISABLED_PLUGINS": ["feeds"]})
    result = off.test_cli_runner().invoke(args=["portal", "compliance"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("✘ Chưa đạt") and REQUIRED["rss"][0] in line for line in lines)
    assert lines[-1] == f"{len(REQUIRED) - 1}/{len(REQUIRED)} mục đạt"
