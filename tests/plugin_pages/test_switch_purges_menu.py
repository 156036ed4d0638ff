"""Switching a plugin off or on from the admin's plugins screen purges the cached menu
that shows its entry: the next request follows the switch (in-process cache on)."""

from __future__ import annotations

import pytest
from admin.admin_helpers import csrf_of
from sqlalchemy import select

from portal.content import tags
from portal.extensions import db
from portal.models.events import DELIVERED, OutboxEvent

from .conftest import build_site, client_signed_in_as, make_user

ENTRY = '<a class="category-menu__link" href="/lich-tiep-dan">Lịch tiếp dân</a>'


@pytest.fixture
def app_config():
    return {"PORTAL_CACHE_URL": "memory"}


def menu_of(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return html.split('class="category-menu"', 1)[1].split("</nav>", 1)[0]


def switch(admin, enabled: bool):
    token = csrf_of(admin.get("/admin/plugins").get_data(as_text=True))
    return admin.post(
        "/admin/plugins/reception/switch",
        data={"enabled": "1" if enabled else "0", "csrf_token": token},
        follow_redirects=True,
    )


def switch_events(app) -> list[tuple[str, str, list[str], str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.subject == "plugin:reception")
        )
        return [(row.action, row.subject, sorted(row.tags), row.status) for row in rows]


def test_switching_off_and_on_purges_the_cached_menu_entry(app, site):
    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    reader = app.test_client()
    assert ENTRY in menu_of(reader)
    assert ENTRY in menu_of(reader)  # served from the cache now

    page = switch(admin, False)
    assert page.status_code == 200
    assert "Đã tắt plugin “reception”" in page.get_data(as_text=True)
    assert ENTRY not in menu_of(reader)
    assert ENTRY not in menu_of(reader)  # and the menu cached again is without it
    purged = (
        "purged",
        "plugin:reception",
        sorted([tags.CATEGORY_TREE, tags.WHOLE_PAGES]),
        DELIVERED,
    )
    assert switch_events(app) == [purged]

    assert "Đã bật plugin “reception”" in switch(admin, True).get_data(as_text=True)
    assert ENTRY in menu_of(reader)
    assert switch_events(app) == [purged, purged]


def test_a_switch_that_changes_nothing_purges_nothing(app, site):
    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    assert switch(admin, True).status_code == 200
    assert switch_events(app) == []


def test_a_refused_switch_writes_no_event(app, site):
    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    token = csrf_of(admin.get("/admin/plugins").get_data(as_text=True))
    page = admin.post(
        "/admin/plugins/khong-co/switch",
        data={"enabled": "0", "csrf_token": token},
        follow_redirects=True,
    )
    assert "không được nạp ở đây" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(OutboxEvent)) == 0


def test_another_worker_drops_its_own_cached_menu_when_it_follows_the_switch(
    app_factory, test_plugin
):
    """Each worker has its own in-process cache: the one that did not make the switch
    purges its cached menu when it reads the switch (here at once: sync every request)."""
    plugins = [("reception", test_plugin("reception"))]
    first = app_factory(plugins=plugins, config={"PORTAL_CACHE_URL": "memory"})
    with first.app_context():
        build_site()
    second = app_factory(
        plugins=plugins,
        config={"PORTAL_CACHE_URL": "memory", "PORTAL_PLUGIN_SYNC_SECONDS": 0},
    )
    reader = second.test_client()
    assert ENTRY in menu_of(reader)
    assert ENTRY in menu_of(reader)  # cached in the second worker
    admin = client_signed_in_as(first, make_user(first, "qt@example.org", "admin"))
    switch(admin, False)
    assert ENTRY not in menu_of(reader)
    switch(admin, True)
    assert ENTRY in menu_of(reader)
