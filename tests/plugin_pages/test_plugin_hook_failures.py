"""A plugin whose pages hooks fail or return wrong values is reported; nothing else breaks."""

from __future__ import annotations

import logging

import pytest

from portal import AdminScreen, Layout, MenuItem, Region, hookimpl
from portal.extensions import db
from portal.models import Page
from portal.plugins import plugins_of
from portal.testing import make_app

from .conftest import build_site, client_signed_in_as, make_user


class RaisingMenu:
    @hookimpl
    def portal_menu_items(self, menu):
        raise RuntimeError("menu service away")


class WrongMenu:
    @hookimpl
    def portal_menu_items(self, menu):
        return [MenuItem(label="Xấu", url="javascript:alert(1)"), "not an item"]


class GoodMenu:
    @hookimpl
    def portal_menu_items(self, menu):
        if menu != "main":
            return []
        return [MenuItem(label="Trước", url="/truoc"), MenuItem(label="Sau", url="/sau", order=5)]


class RaisingScreens:
    @hookimpl
    def portal_admin_screens(self):
        raise RuntimeError("boom")


class MissingEndpoint:
    @hookimpl
    def portal_admin_screens(self):
        return [AdminScreen(label="Màn hình ma", endpoint="nowhere.view")]


class WrongScreens:
    @hookimpl
    def portal_admin_screens(self):
        return {"label": "Sai"}


def _app(database_url, tmp_path, plugins):
    return make_app(
        database_url=database_url, plugins=plugins, instance_path=str(tmp_path / "instance")
    )


@pytest.fixture
def apps(database_url, tmp_path):
    made = []

    def build(plugins):
        app = _app(database_url, tmp_path / str(len(made)), plugins)
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_failing_menu_hooks_leave_the_menu_and_page_whole(apps, caplog):
    app = apps([("raising", RaisingMenu()), ("wrong", WrongMenu()), ("good", GoodMenu())])
    with app.app_context():
        build_site()
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    menu = html.split('class="category-menu"', 1)[1].split("</nav>", 1)[0]
    assert "Thời sự" in menu
    assert menu.index(">Sau<") < menu.index(">Trước<")  # order 5 before the default 100
    assert "javascript:" not in html and "Xấu" not in html
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "'raising' failed in portal_menu_items" in messages
    assert "Plugin 'wrong': portal_menu_items must return a list of portal.MenuItem" in messages
    # a run-time failure does not switch the plugin off
    assert plugins_of(app).plugins["raising"].loaded


def test_failing_admin_screen_hooks_leave_the_admin_menu_whole(apps, caplog):
    app = apps(
        [("raising", RaisingScreens()), ("missing", MissingEndpoint()), ("wrong", WrongScreens())]
    )
    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    with caplog.at_level(logging.ERROR):
        response = admin.get("/admin/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Người dùng" in html and "Màn hình ma" not in html and ">Sai<" not in html
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "names endpoint 'nowhere.view', which does not exist" in messages
    assert "Plugin 'wrong': portal_admin_screens must return a list" in messages
    assert "'raising' failed in portal_admin_screens" in messages


class NotADict:
    @hookimpl
    def portal_template_variables(self):
        return [("a", 1)]


class BadName:
    @hookimpl
    def portal_template_variables(self):
        return {"hai từ": 1}


class CoreName:
    @hookimpl
    def portal_template_variables(self):
        return {"site_name": "Giả mạo"}


class FirstVariable:
    @hookimpl
    def portal_template_variables(self):
        return {"hotline": "111"}


class SameVariable:
    @hookimpl
    def portal_template_variables(self):
        return {"hotline": "222"}


class RaisingVariables:
    @hookimpl
    def portal_template_variables(self):
        raise RuntimeError("no config")


def test_wrong_template_variables_fail_the_plugin_with_a_clear_message(apps):
    app = apps(
        [
            ("not_a_dict", NotADict()),
            ("bad_name", BadName()),
            ("core_name", CoreName()),
            ("first", FirstVariable()),
            ("same", SameVariable()),
            ("raising", RaisingVariables()),
        ]
    )
    plugins = plugins_of(app).plugins
    assert "expected a dict of names to values, got list" in plugins["not_a_dict"].error
    assert "'hai từ' is not a valid template variable name" in plugins["bad_name"].error
    assert "'site_name' is already defined by the core" in plugins["core_name"].error
    # hooks are called last-registered first: one of the two gets the name, the other fails
    failed = [name for name in ("first", "same") if plugins[name].status == "failed"]
    assert len(failed) == 1
    assert "'hotline' is already defined by plugin" in plugins[failed[0]].error
    assert "portal_template_variables raised: RuntimeError: no config" in plugins["raising"].error
    with app.test_request_context("/"):
        from flask import render_template_string

        rendered = render_template_string("{{ site_name }}|{{ hotline }}")
    assert rendered == f"{app.config['PORTAL_SITE_NAME']}|" + (
        "111" if failed == ["same"] else "222"
    )


class NoMainLayout:
    @hookimpl
    def portal_register_layouts(self):
        return [
            Layout(
                name="no_main",
                label="Không có vùng chính",
                template="layouts/one_column.html",
                regions=(Region("header", "Đầu trang"), Region("footer", "Chân trang")),
            )
        ]


def test_a_layout_without_main_region_gives_way_to_one_column(apps, test_plugin):
    app = apps([("no_main", NoMainLayout()), ("reception", test_plugin("reception"))])
    with app.app_context():
        root_id = build_site()["root"]
        db.session.get(Page, root_id).layout = "no_main"
        db.session.commit()
    html = app.test_client().get("/lich-tiep-dan").get_data(as_text=True)
    assert "reception-intro" in html and "layout--one_column" in html
    assert 'data-block="site_header" data-inherited="1"' in html
