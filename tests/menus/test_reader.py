"""What readers get: the published menu in the header and footer (or the categories when none
is published), where they are marked, and menus drawn again when they change. Runs on
SQLite and PostgreSQL (the published-menu query and the migration)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blocks.menus import store
from blocks.menus.models import Menu
from portal import Actor, MenuItem, hookimpl
from portal.content import categories as category_content
from portal.content import pages as page_content
from portal.content.unit_of_work import unit_of_work
from portal.extensions import db
from portal.models import Category, Page, Placement
from portal.plugin_data import run_plugin_migrations, schema_differences
from portal.testing import count_queries

from .helpers import make_site, menu_links

ACTOR = Actor.system("Kiểm thử")


class DocumentsPages:
    """A plugin offering a reader page, as the documents plugin does (``/van-ban``)."""

    @hookimpl
    def portal_menu_items(self, menu):
        return [MenuItem(label="Văn bản", url="/van-ban", order=5)] if menu == "main" else []


@pytest.fixture
def app_plugins():
    return [("documents_pages", DocumentsPages())]


@pytest.fixture
def app_config():
    # The built-in plugins with reader pages of their own are off: this test's plugin offers one.
    return {
        "PORTAL_STRICT_BLOCKS": True,
        "PORTAL_DISABLED_PLUGINS": ["documents", "questions", "site_profile"],
    }


def build(slug: str, title: str, items: list[tuple], *, publish: bool = True) -> None:
    """A menu with ``(label, kind, target id or URL, [children])`` items, published."""
    menu = store.find_menu(slug) or store.create_menu(ACTOR, slug=slug, title=title)
    for label, kind, target, *children in items:
        parent = store.add_item(
            ACTOR,
            menu,
            label=label,
            kind=kind,
            target_id=target if isinstance(target, int) else None,
            url=target if isinstance(target, str) else "",
            new_tab=False,
        )
        for child_label, child_kind, child_target in children[0] if children else []:
            store.add_item(
                ACTOR,
                menu,
                parent_id=parent.id,
                label=child_label,
                kind=child_kind,
                target_id=child_target,
                url="",
                new_tab=False,
            )
    if publish:
        store.publish(ACTOR, menu)


def test_the_migration_builds_what_the_models_describe(app):
    run_plugin_migrations(app, "menus")
    assert schema_differences(app, "menus") == []


def test_without_a_published_menu_the_header_lists_the_categories_and_plugin_pages(app, client):
    with app.app_context():
        site = make_site()
        build("header", "Menu chính", [("Giới thiệu", "page", site["about"])], publish=False)
    html = client.get("/").get_data(as_text=True)
    assert menu_links(html) == [
        ("Trang chủ", "/", "page"),
        ("Thời sự", "/chuyen-muc/thoi-su", None),
        ("Kinh tế", "/chuyen-muc/kinh-te", None),
        ("Văn bản", "/van-ban", None),
    ]
    assert 'class="footer-menu"' not in html  # no footer menu published: nothing drawn


def test_the_published_menus_are_drawn_two_levels_deep_and_mark_the_page(app, client):
    with app.app_context():
        site = make_site()
        build(
            "header",
            "Menu chính",
            [
                ("Trang chủ", "page", site["home"]),
                ("Tin tức", "category", site["news"], [("Kinh tế", "category", site["economy"])]),
                ("Văn bản", "plugin", "/van-ban"),
                ("Giới thiệu", "page", site["about"]),
            ],
        )
        build("footer", "Menu chân trang", [("Liên hệ", "page", site["contact"])])
    with count_queries(app) as statements:
        html = client.get("/chuyen-muc/kinh-te").get_data(as_text=True)
    assert menu_links(html) == [
        ("Trang chủ", "/", None),
        ("Tin tức", "/chuyen-muc/thoi-su", None),
        ("Kinh tế", "/chuyen-muc/kinh-te", "page"),
        ("Văn bản", "/van-ban", None),
        ("Giới thiệu", "/gioi-thieu", None),
    ]
    # The sub-menu opens with a button (aria-expanded), tied to the list it controls.
    assert 'aria-expanded="false" aria-controls="menu-' in html
    assert menu_links(html, "footer-menu") == [("Liên hệ", "/lien-he", None)]
    assert '<nav class="footer-menu" aria-label="Menu chân trang">' in html
    # Header and footer menus cost one query together.
    assert len([s for s in statements if "menus_versions" in s]) == 1
    about = client.get("/gioi-thieu").get_data(as_text=True)
    assert ("Giới thiệu", "/gioi-thieu", "page") in menu_links(about)


def test_the_menu_setting_chooses_the_menu(app, client):
    with app.app_context():
        site = make_site()
        build("header", "Menu chính", [("Thời sự", "category", site["news"])])
        build("header-en", "Main menu (English)", [("Economy", "category", site["economy"])])
        placement = db.session.scalar(
            select(Placement).where(Placement.block_name == "category_menu")
        )
        placement.settings = {"menu": "header-en", "depth": 1}
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert menu_links(html) == [("Economy", "/chuyen-muc/kinh-te", None)]


def test_published_changes_and_deleted_targets_reach_the_cached_pages(app_factory):
    app = app_factory(
        config={
            "PORTAL_CACHE_URL": "memory",
            "PORTAL_DISABLED_PLUGINS": ["documents", "questions", "site_profile"],
        },
        plugins=[("docs", DocumentsPages())],
    )
    reader = app.test_client()
    with app.app_context():
        site = make_site()
        build("header", "Menu chính", [("Thời sự", "category", site["news"])])
    assert [label for label, *_ in menu_links(reader.get("/").get_data(as_text=True))] == [
        "Thời sự"
    ]
    with count_queries(app) as cached:
        reader.get("/")
    assert not any("menus_" in statement for statement in cached)  # the cached page reads nothing
    with app.app_context():
        build("header", "Menu chính", [("Giới thiệu", "page", site["about"])])  # publish again
    assert [label for label, *_ in menu_links(reader.get("/").get_data(as_text=True))] == [
        "Thời sự",
        "Giới thiệu",
    ]
    with app.app_context(), unit_of_work(ACTOR):
        page_content.delete(db.session.get(Page, site["about"]))
    assert [label for label, *_ in menu_links(reader.get("/").get_data(as_text=True))] == [
        "Thời sự"
    ]
    with app.app_context(), unit_of_work(ACTOR):
        category_content.delete(db.session.get(Category, site["news"]))
    assert menu_links(reader.get("/").get_data(as_text=True)) == []
    # Switched off, the plugin's menus give way to the categories at once.
    assert (
        app.test_cli_runner().invoke(args=["portal", "plugins", "disable", "menus"]).exit_code == 0
    )
    assert [label for label, *_ in menu_links(reader.get("/").get_data(as_text=True))] == [
        "Trang chủ",
        "Kinh tế",
        "Văn bản",
    ]
    with app.app_context():
        assert db.session.scalar(select(Menu.slug)) == "header"  # its rows stay


def test_an_item_without_a_label_follows_its_targets_name_on_cached_pages(app_factory):
    app = app_factory(config={"PORTAL_CACHE_URL": "memory"})
    reader = app.test_client()
    with app.app_context():
        site = make_site()
        build(
            "header",
            "Menu chính",
            [("", "category", site["news"]), ("Tin kinh tế", "category", site["economy"])],
        )
    assert [label for label, *_ in menu_links(reader.get("/").get_data(as_text=True))] == [
        "Thời sự",
        "Tin kinh tế",
    ]
    with app.app_context(), unit_of_work(ACTOR):
        for category_id, name in ((site["news"], "Thời sự 24h"), (site["economy"], "Kinh tế số")):
            category = db.session.get(Category, category_id)
            category_content.edit(category, name=name, slug=category.slug)
    # The empty label shows the new name at once; the label an editor typed stays.
    assert [label for label, *_ in menu_links(reader.get("/").get_data(as_text=True))] == [
        "Thời sự 24h",
        "Tin kinh tế",
    ]


def test_links_kept_by_a_worker_follow_what_another_worker_changed(app_factory):
    """Caches off, two apps on one database (two workers): the links a worker keeps in
    its process (blocks/menus/reader.py) show, on its next request, a target renamed or
    moved by the other worker, a menu it published again and a target it deleted."""
    config = {
        "PORTAL_CACHE_URL": "none",
        "PORTAL_PAGE_CACHE": False,
        "PORTAL_DISABLED_PLUGINS": ["documents", "questions", "site_profile"],
    }
    reading = app_factory(config=config, plugins=[("docs", DocumentsPages())])
    writing = app_factory(config=config, plugins=[("docs", DocumentsPages())])
    reader = reading.test_client()
    with writing.app_context():
        site = make_site()
        build(
            "header",
            "Menu chính",
            [
                ("", "category", site["news"]),
                ("", "page", site["about"]),
                ("Văn bản", "plugin", "/van-ban"),
            ],
        )

    def links():
        return menu_links(reader.get("/").get_data(as_text=True))

    first = [("Thời sự", "/chuyen-muc/thoi-su", None), ("Giới thiệu", "/gioi-thieu", None)]
    assert links() == [*first, ("Văn bản", "/van-ban", None)]
    assert links() == [*first, ("Văn bản", "/van-ban", None)]  # now from the kept links
    with writing.app_context(), unit_of_work(ACTOR):
        category_content.edit(
            db.session.get(Category, site["news"]), name="Thời sự 24h", slug="thoi-su-24h"
        )
    renamed = ("Thời sự 24h", "/chuyen-muc/thoi-su-24h", None)
    assert links() == [renamed, first[1], ("Văn bản", "/van-ban", None)]
    with writing.app_context(), unit_of_work(ACTOR):
        about = db.session.get(Page, site["about"])
        page_content.update_properties(
            about,
            page_content.PageFields(
                title="Về tỉnh", kind="static", path="/ve-tinh", parent_id=about.parent_id
            ),
        )
    moved = [("Thời sự 24h", "/chuyen-muc/thoi-su-24h", None), ("Về tỉnh", "/ve-tinh", None)]
    assert links() == [*moved, ("Văn bản", "/van-ban", None)]
    with writing.app_context():
        build("header", "Menu chính", [("Liên hệ", "page", site["contact"])])  # publish again
    assert links() == [*moved, ("Văn bản", "/van-ban", None), ("Liên hệ", "/lien-he", None)]
    with writing.app_context(), unit_of_work(ACTOR):
        page_content.delete(db.session.get(Page, site["contact"]))
    assert links() == [*moved, ("Văn bản", "/van-ban", None)]
    # Served under a prefix, every link follows it (the links are kept per prefix).
    prefixed = reader.get("/", base_url="http://localhost/cong").get_data(as_text=True)
    assert [href for _label, href, _current in menu_links(prefixed)] == [
        "/cong/chuyen-muc/thoi-su-24h",
        "/cong/ve-tinh",
        "/cong/van-ban",
    ]
    # The plugin offering a page switched off: its item goes at once.
    runner = reading.test_cli_runner()
    assert runner.invoke(args=["portal", "plugins", "disable", "docs"]).exit_code == 0
    assert links() == moved


def test_a_worker_keeps_a_bounded_number_of_menus(app, client, monkeypatch):
    from blocks.menus import reader as menus_reader

    monkeypatch.setattr(menus_reader, "KEPT_LINKS", 1)
    with app.app_context():
        site = make_site()
        build("header", "Menu chính", [("Thời sự", "category", site["news"])])
        build("footer", "Chân trang", [("Liên hệ", "page", site["contact"])])
    page = client.get("/").get_data(as_text=True)
    assert menu_links(page) == [("Thời sự", "/chuyen-muc/thoi-su", None)]
    assert menu_links(page, "footer-menu") == [("Liên hệ", "/lien-he", None)]
    assert len(app.extensions["menus.links"]) == 1


def test_deleting_a_menus_target_delivers_every_event_without_an_error(app_factory, caplog):
    """The plugin, told that a page was deleted, purges its menus (a new event) while the
    delivery's transaction is open: the new event is written with the delivery, not
    committed half-way through it."""
    from portal.models.events import OutboxEvent

    app = app_factory(
        config={
            "PORTAL_CACHE_URL": "memory",
            "PORTAL_DISABLED_PLUGINS": ["documents", "questions", "site_profile"],
        },
        plugins=[("docs", DocumentsPages())],
    )
    with app.app_context():
        site = make_site()
        build("header", "Menu chính", [("Giới thiệu", "page", site["about"])])
    reader = app.test_client()
    assert [label for label, *_ in menu_links(reader.get("/").get_data(as_text=True))] == [
        "Giới thiệu"
    ]
    caplog.clear()
    with caplog.at_level("WARNING"), app.app_context():
        with unit_of_work(ACTOR):
            page_content.delete(db.session.get(Page, site["about"]))
        rows = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        statuses = {(row.subject, row.action): row.status for row in rows[-2:]}
    assert [r.getMessage() for r in caplog.records if r.levelno >= 30] == []
    assert statuses == {("page", "deleted"): "delivered", ("plugin:menus", "purged"): "delivered"}
    assert menu_links(reader.get("/").get_data(as_text=True)) == []


def test_every_menu_link_is_under_the_prefix_the_portal_is_served_at(app):
    """Served under /cong (a reverse proxy setting SCRIPT_NAME), links to pages and plugin
    pages carry the prefix as links to categories do."""
    with app.app_context():
        site = make_site()
        build(
            "header",
            "Menu chính",
            [
                ("Thời sự", "category", site["news"]),
                ("Giới thiệu", "page", site["about"]),
                ("Văn bản", "plugin", "/van-ban"),
                ("Cổng quốc gia", "external", "https://www.gov.vn/"),
            ],
        )
    reader = app.test_client()
    for base in ("http://localhost/cong", "http://localhost"):  # each prefix its own links
        html = reader.get("/", base_url=base).get_data(as_text=True)
        prefix = base.removeprefix("http://localhost")
        links = {label: url for label, url, *_ in menu_links(html)}
        assert links["Thời sự"].startswith(f"{prefix}/chuyen-muc/")
        assert links["Giới thiệu"] == f"{prefix}/gioi-thieu"
        assert links["Văn bản"] == f"{prefix}/van-ban"
        assert links["Cổng quốc gia"] == "https://www.gov.vn/"
