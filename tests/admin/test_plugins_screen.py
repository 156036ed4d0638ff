"""Plugins screen and switches: list what was loaded; switch a plugin off and on
without losing placements, persisted across apps and workers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Placement, PluginState
from portal.plugins import plugins_of
from portal.testing import events_written, sample_content

from .admin_helpers import client_signed_in_as, csrf_of, make_user


@pytest.fixture
def article_url(app):
    with app.app_context():
        created = sample_content()
        return f"/bai-viet/{created['article'].id}"


def post_switch(client, name: str, enabled: bool):
    return client.post(
        f"/admin/plugins/{name}/switch",
        data={
            "enabled": "1" if enabled else "0",
            "csrf_token": csrf_of(client.get("/admin/plugins").get_data(as_text=True)),
        },
        follow_redirects=True,
    )


def placement_rows(app):
    with app.app_context():
        return [(p.id, p.block_name, p.settings) for p in db.session.scalars(select(Placement))]


def test_the_screen_lists_plugins_with_source_blocks_hooks_and_errors(admin_client):
    html = admin_client.get("/admin/plugins").get_data(as_text=True)
    assert "bulletin_view" in html and "portal_register_blocks" in html
    assert "Có sẵn" in html and "blockportal" in html
    assert "probe_blocks" in html  # registered directly by the admin tests


def test_switching_off_hides_the_blocks_and_keeps_the_placements(app, admin_client, article_url):
    before = placement_rows(app)
    reader = app.test_client()
    assert "bulletin-view__title" in reader.get(article_url, follow_redirects=True).get_data(
        as_text=True
    )

    page = post_switch(admin_client, "bulletin_view", enabled=False)
    assert "Đã tắt plugin “bulletin_view”" in page.get_data(as_text=True)
    html = reader.get(article_url, follow_redirects=True).get_data(as_text=True)
    assert "bulletin-view__title" not in html and "Thiếu plugin" not in html
    editor_view = admin_client.get(article_url, follow_redirects=True).get_data(as_text=True)
    assert "Thiếu plugin cho khối “bulletin_view”" in editor_view
    assert placement_rows(app) == before

    post_switch(admin_client, "bulletin_view", enabled=True)
    assert "bulletin-view__title" in reader.get(article_url, follow_redirects=True).get_data(
        as_text=True
    )
    assert placement_rows(app) == before
    with app.app_context():
        actions = [
            e.summary
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "plugin.switch")
            )
        ]
    assert actions == ["Tắt plugin “bulletin_view”", "Bật plugin “bulletin_view”"]


def test_the_switch_is_stored_and_read_by_another_worker(app_factory):
    first = app_factory(config={"PORTAL_PLUGIN_SYNC_SECONDS": 0})
    second = app_factory(config={"PORTAL_PLUGIN_SYNC_SECONDS": 0})
    admin = client_signed_in_as(first, make_user(first, "qt@example.org", "admin"))
    post_switch(admin, "rich_text", enabled=False)
    with first.app_context():
        assert db.session.get(PluginState, "rich_text").enabled is False

    second.test_client().get("/")  # any request re-reads the switches
    assert plugins_of(second).block("rich_text") is None

    restarted = app_factory()
    assert "rich_text" in plugins_of(restarted).switched_off  # read at start-up


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("standard_layouts", "site không thể chạy nếu thiếu nó"),
        ("no_such_plugin", "không được nạp ở đây"),
    ],
)
def test_switches_that_cannot_be_made_are_refused(app, admin_client, name, message):
    with events_written(app) as events:
        page = post_switch(admin_client, name, enabled=False)
    assert message in page.get_data(as_text=True)
    assert events == []
    with app.app_context():
        assert db.session.scalar(select(PluginState)) is None
        assert db.session.scalar(select(AuditEntry)) is None
    assert plugins_of(app).switched_off == frozenset()


def test_a_switch_is_stored_with_its_audit_entry_under_the_admin(app, admin_client):
    with events_written(app) as events:
        post_switch(admin_client, "rich_text", enabled=False)
    # Only the purge of cached menus (a plugin's entries); placements and content are untouched.
    assert events == [("purged", "plugin:rich_text", None)]
    with app.app_context():
        state = db.session.get(PluginState, "rich_text")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plugin.switch"))
        assert state.updated_by_name == entry.user_name == "Quản Trị Một <quantri@example.org>"
        assert (entry.before, entry.after) == (
            {"name": "rich_text", "enabled": True},
            {"name": "rich_text", "enabled": False},
        )
    assert "rich_text" in plugins_of(app).switched_off


def test_a_switch_rolled_back_is_not_applied_to_the_worker(app):
    """The worker follows the switch only once it is committed with its audit entry."""
    from portal.content.unit_of_work import Actor, unit_of_work
    from portal.plugin_switches import set_enabled

    with (
        app.test_request_context(),
        pytest.raises(RuntimeError, match="later"),
        unit_of_work(Actor.system("thử")),
    ):
        set_enabled("rich_text", False)
        raise RuntimeError("something failed later in the same change")
    assert "rich_text" not in plugins_of(app).switched_off
    with app.app_context():
        assert db.session.get(PluginState, "rich_text") is None
        assert db.session.scalar(select(AuditEntry)) is None


def test_the_command_line_switch_is_audited_under_the_command_line(app):
    runner = app.test_cli_runner()
    with events_written(app) as events:
        result = runner.invoke(args=["portal", "plugins", "disable", "rich_text"])
    assert result.exit_code == 0, result.output
    assert events == [("purged", "plugin:rich_text", None)]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plugin.switch"))
        assert (entry.user_name, entry.user_id) == ("Dòng lệnh", None)
        assert entry.after == {"name": "rich_text", "enabled": False}
        assert db.session.get(PluginState, "rich_text").updated_by_name == "Dòng lệnh"

    refused = runner.invoke(args=["portal", "plugins", "disable", "standard_layouts"])
    assert refused.exit_code != 0 and "site không thể chạy nếu thiếu nó" in refused.output
    with app.app_context():
        assert db.session.get(PluginState, "standard_layouts") is None
