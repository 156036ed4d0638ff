"""Switched off means off, without a restart: a plugin's routes answer 404, its admin screens
are gone (and left out of menus), its commands refuse to run with a clear message, its hooks
stop; switched on again, all of it is back."""

from __future__ import annotations

import pytest

from portal import article_event, content_changed
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article
from portal.plugin_switches import set_enabled
from portal.plugins import plugins_of
from portal.testing import sample_content

from . import switchable
from .helpers import client_as


@pytest.fixture
def app_plugins():
    return [("switchable", switchable)]


@pytest.fixture(autouse=True)
def no_events():
    switchable.EVENTS.clear()


def switch(app, enabled: bool) -> None:
    with app.app_context(), unit_of_work(Actor.system("thử")):
        set_enabled("switchable", enabled)


def test_what_the_plugin_added_is_recorded(app):
    info = plugins_of(app).plugins["switchable"]
    assert "switchable.today" in info.endpoints
    assert "switchable.admin_screen" in info.endpoints
    assert info.commands == ["weather", "weather-fetch"]
    assert plugins_of(app).plugin_of_endpoint("switchable.today") == "switchable"
    assert plugins_of(app).plugin_of_endpoint("reader.home") is None


def test_routes_and_admin_screens_answer_404_while_switched_off(app, client):
    with app.app_context():
        sample_content()
    assert client.get("/thoi-tiet-hom-nay").status_code == 200
    assert client.get("/admin/thoi-tiet").status_code == 200
    switch(app, False)
    assert client.get("/thoi-tiet-hom-nay").status_code == 404
    assert client.get("/admin/thoi-tiet").status_code == 404
    assert not plugins_of(app).endpoint_in_use("switchable.admin_screen")
    assert plugins_of(app).endpoint_in_use("admin.plugins_list")
    assert client.get("/").status_code == 200  # the rest of the site is untouched
    switch(app, True)
    assert client.get("/thoi-tiet-hom-nay").get_data(as_text=True) == "<p>Trời nắng</p>"


def test_the_admin_menu_leaves_out_the_screens_of_a_switched_off_plugin(app):
    client = client_as(app, "admin")
    assert 'href="/admin/thoi-tiet"' in client.get("/admin/plugins").get_data(as_text=True)
    switch(app, False)
    html = client.get("/admin/plugins").get_data(as_text=True)
    assert 'href="/admin/thoi-tiet"' not in html
    assert 'href="/admin/plugins"' in html  # the core's screens stay


def test_another_worker_follows_the_switch_without_a_restart(app_factory):
    first = app_factory(plugins=[("switchable", switchable)])
    second = app_factory(
        plugins=[("switchable", switchable)], config={"PORTAL_PLUGIN_SYNC_SECONDS": 0}
    )
    assert second.test_client().get("/thoi-tiet-hom-nay").status_code == 200
    switch(first, False)
    assert second.test_client().get("/thoi-tiet-hom-nay").status_code == 404


def test_commands_say_the_plugin_is_off(app, runner):
    assert runner.invoke(args=["weather-fetch"]).output == "forecast fetched\n"
    switch(app, False)
    assert "plugin switchable: bị quản trị viên tắt" in (
        runner.invoke(args=["portal", "blocks"]).output
    )
    result = runner.invoke(args=["weather-fetch"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Lỗi: Plugin switchable đang tắt nên lệnh “weather-fetch” của nó không dùng được."
    )
    assert "flask portal plugins enable switchable" in result.output
    assert "forecast fetched" not in result.output
    group = runner.invoke(args=["weather", "show"])
    assert group.exit_code == 1 and "đang tắt" in group.output
    assert "sunny" not in group.output
    switch(app, True)
    assert runner.invoke(args=["weather", "show"]).output == "sunny\n"


def test_a_command_follows_a_switch_made_by_another_process(app_factory):
    first = app_factory(plugins=[("switchable", switchable)])
    second = app_factory(plugins=[("switchable", switchable)])
    switch(first, False)
    result = second.test_cli_runner().invoke(args=["weather-fetch"])
    assert result.exit_code == 1 and "Plugin switchable đang tắt" in result.output


def test_hooks_stop_while_switched_off(app):
    with app.app_context():
        article_id = sample_content()["article"].id
    switch(app, False)
    with app.app_context():
        content_changed(article_event("edited", db.session.get(Article, article_id)))
    assert switchable.EVENTS == []
    switch(app, True)
    with app.app_context():
        content_changed(article_event("edited", db.session.get(Article, article_id)))
    assert [event.subject_id for event in switchable.EVENTS] == [article_id]
