"""Draft, publish, discard and undo; moves and nesting; audit entries and content events."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from blocks.menus import store
from blocks.menus.models import Menu
from blocks.menus.store import MenuError
from portal import Actor, site_menu
from portal.extensions import db
from portal.models import AuditEntry, OutboxEvent

ACTOR = Actor.system("Kiểm thử")


@pytest.fixture
def database_url():
    """SQLite only: nothing here depends on the database."""
    return None


def labels(menu) -> list:
    return [
        (node.entry.label, [child.entry.label for child in node.children])
        for node in store.draft_tree(menu)
    ]


def add(menu, label, site, kind="category", key="news", parent_id=None):
    return store.add_item(
        ACTOR,
        menu,
        parent_id=parent_id,
        label=label,
        kind=kind,
        target_id=site[key] if kind != "external" else None,
        url="https://chinhphu.vn" if kind == "external" else "",
        new_tab=False,
    )


def test_readers_see_the_published_version_until_the_next_publication(app, site, menu):
    with app.test_request_context("/"):
        header = db.session.get(Menu, menu)
        add(header, "Thời sự", site)
        assert site_menu("header") is None  # a draft only: blocks fall back to the categories
        first = store.publish(ACTOR, header)
        assert first.number == 1
        add(header, "Giới thiệu", site, kind="page", key="about")
        assert store.has_unpublished_changes(header)
    with app.test_request_context("/"):  # a new request: the published menus are read again
        assert [(link.label, link.url) for link in site_menu("header")] == [
            ("Thời sự", "/chuyen-muc/thoi-su")
        ]
        header = db.session.get(Menu, menu)
        store.publish(ACTOR, header)
    with app.test_request_context("/"):
        assert [link.url for link in site_menu("header")] == ["/chuyen-muc/thoi-su", "/gioi-thieu"]
        header = db.session.get(Menu, menu)
        with pytest.raises(MenuError, match="không có gì để xuất bản"):
            store.publish(ACTOR, header)


def test_discard_brings_the_draft_back_to_what_readers_see(app, site, menu):
    with app.test_request_context("/"):
        header = db.session.get(Menu, menu)
        add(header, "Thời sự", site)
        store.publish(ACTOR, header)
        add(header, "Kinh tế", site, key="economy")
        store.delete_item(ACTOR, header, store.draft_tree(header)[0].entry.id)
        assert labels(header) == [("Kinh tế", [])]
        store.discard_draft(ACTOR, header)
        assert labels(header) == [("Thời sự", [])]
        assert not store.has_unpublished_changes(header)
        with pytest.raises(MenuError, match="không có thay đổi"):
            store.discard_draft(ACTOR, header)


def test_undo_restores_the_previous_publication_and_its_draft(app, site, menu):
    with app.test_request_context("/"):
        header = db.session.get(Menu, menu)
        with pytest.raises(MenuError, match="Chưa có phiên bản"):
            store.undo_publish(ACTOR, header)
        add(header, "Thời sự", site)
        store.publish(ACTOR, header)
        add(header, "Kinh tế", site, key="economy")
        store.publish(ACTOR, header)
        restored = store.undo_publish(ACTOR, header)
        assert restored.number == 1
        assert labels(header) == [("Thời sự", [])]
        assert store.current_version(header).number == 1
        assert store.previous_version(header) is None
    with app.test_request_context("/"):
        assert [link.label for link in site_menu("header")] == ["Thời sự"]
        actions = list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == "menu")
                .order_by(AuditEntry.id)
            )
        )
        assert actions == [
            "menu.create",
            "menu.item_add",
            "menu.publish",
            "menu.item_add",
            "menu.publish",
            "menu.undo",
        ]
        # Publishing and undoing announce that readers' menus changed (purging the blocks).
        events = list(
            db.session.execute(
                select(OutboxEvent.action, OutboxEvent.subject, OutboxEvent.tags).where(
                    OutboxEvent.subject == "menu"
                )
            )
        )
        assert len(events) == 3
        assert all("data:menus" in tags and "menu:header" in tags for _, _, tags in events)


def test_keyboard_moves_keep_two_levels(app, site, menu):
    with app.test_request_context("/"):
        header = db.session.get(Menu, menu)
        news = add(header, "Thời sự", site)
        economy = add(header, "Kinh tế", site, key="economy")
        about = add(header, "Giới thiệu", site, kind="page", key="about")
        store.move_item(ACTOR, header, about.id, "up")
        assert labels(header) == [("Thời sự", []), ("Giới thiệu", []), ("Kinh tế", [])]
        store.move_item(ACTOR, header, about.id, "indent")
        store.move_item(ACTOR, header, economy.id, "indent")
        assert labels(header) == [("Thời sự", ["Giới thiệu", "Kinh tế"])]
        with pytest.raises(MenuError, match="hai cấp"):
            store.move_item(ACTOR, header, economy.id, "indent")  # a third level
        with pytest.raises(MenuError, match="mục đầu tiên"):
            store.move_item(ACTOR, header, news.id, "indent")
        with pytest.raises(MenuError, match="đầu danh sách"):
            store.move_item(ACTOR, header, news.id, "up")
        with pytest.raises(MenuError, match="hai cấp"):
            add(header, "Cấp ba", site, parent_id=economy.id)
        store.move_item(ACTOR, header, about.id, "outdent")
        assert labels(header) == [("Thời sự", ["Kinh tế"]), ("Giới thiệu", [])]
        store.move_item(ACTOR, header, news.id, "down")
        assert labels(header) == [("Giới thiệu", []), ("Thời sự", ["Kinh tế"])]
        with pytest.raises(MenuError, match="có mục con"):
            store.move_item(ACTOR, header, news.id, "indent")


def test_arranging_checks_every_item_and_the_depth(app, site, menu):
    with app.test_request_context("/"):
        header = db.session.get(Menu, menu)
        a, b, c = (add(header, name, site) for name in ("A", "B", "C"))
        store.arrange(ACTOR, header, [{"id": c.id, "children": [a.id]}, {"id": b.id}])
        assert labels(header) == [("C", ["A"]), ("B", [])]
        for wrong in (
            [{"id": c.id, "children": [a.id]}],  # B is missing
            [{"id": c.id, "children": [{"id": a.id, "children": [b.id]}]}],  # three levels
            [{"id": c.id}, {"id": a.id}, {"id": b.id}, {"id": 999}],  # not an item of the menu
            {"id": c.id},
        ):
            with pytest.raises(MenuError):
                store.arrange(ACTOR, header, wrong)
        assert labels(header) == [("C", ["A"]), ("B", [])]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"label": " ", "kind": "external", "target_id": None, "url": "https://a.vn"},
            "Hãy nhập nhãn",
        ),
        ({"label": "", "kind": "plugin", "target_id": None, "url": "/van-ban"}, "Hãy nhập nhãn"),
        (
            {"label": "A", "kind": "external", "target_id": None, "url": "javascript:alert(1)"},
            "http",
        ),
        ({"label": "A", "kind": "external", "target_id": None, "url": "ftp://example.org"}, "http"),
        ({"label": "A", "kind": "external", "target_id": None, "url": "https://"}, "http"),
        (
            {"label": "A", "kind": "plugin", "target_id": None, "url": "//evil.example"},
            "trang chức năng",
        ),
        ({"label": "A", "kind": "category", "target_id": None, "url": ""}, "Hãy chọn mục đích"),
        ({"label": "x" * 201, "kind": "category", "target_id": 1, "url": ""}, "200 ký tự"),
    ],
)
def test_what_an_item_may_be(fields, message):
    with pytest.raises(MenuError, match=message):
        store.checked_item(new_tab=False, **fields)


def test_new_tab_is_kept_for_external_links_only():
    external = store.checked_item(
        label="Chính phủ", kind="external", target_id=None, url="https://chinhphu.vn", new_tab=True
    )
    assert external["new_tab"] is True
    page = store.checked_item(label="A", kind="page", target_id=3, url="x", new_tab=True)
    assert page == {"label": "A", "kind": "page", "target_id": 3, "url": "", "new_tab": False}
    # No label: the item shows the category's name (docs/menus.md).
    unnamed = store.checked_item(label=" ", kind="category", target_id=3, url="", new_tab=False)
    assert unnamed["label"] == ""
