"""A plugin that failed to import is shown to admins with its error's first line and where it
was raised (the traceback's last frame in the plugin's code), not only as "missing"."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Placement
from portal.plugins import plugins_of
from portal.testing import sample_content

from .helpers import client_as


@pytest.fixture
def app_config(plugins_dir):
    return {"PORTAL_PLUGINS_DIR": plugins_dir("broken_import", "hello_single")}


WHERE = re.compile(r"broken_import\.py, line 3, in <module>: import portal_dependency_that_is_not")


def test_the_error_names_the_exception_and_the_line_that_raised_it(app):
    info = plugins_of(app).plugins["broken_import"]
    assert info.status == "failed"
    assert "ModuleNotFoundError: No module named 'portal_dependency_that_is_not_installed'" in (
        info.error
    )
    assert WHERE.search(info.error_where)
    assert WHERE.search(info.error)


def test_portal_plugins_and_portal_blocks_show_it(app, runner):
    listed = runner.invoke(args=["portal", "plugins"]).output
    assert "broken_import — lỗi" in listed
    assert WHERE.search(listed)
    blocks = runner.invoke(args=["portal", "blocks"]).output
    assert WHERE.search(blocks)


def test_the_admin_plugins_screen_shows_it(app):
    admin = client_as(app, "admin")
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert "ModuleNotFoundError" in page
    assert WHERE.search(page.replace("&lt;", "<").replace("&gt;", ">"))


def test_an_editor_sees_which_plugin_failed_next_to_a_missing_block(app):
    with app.app_context():
        root = sample_content()["root"]
        db.session.add(
            Placement(page_id=root.id, region="main", position=0, block_name="broken_block")
        )
        db.session.commit()
    html = client_as(app, "editor").get("/").get_data(as_text=True)
    assert "Thiếu plugin cho khối “broken_block”" in html
    assert "plugin nạp bị lỗi: <code>broken_import</code>" in html
    assert "portal_dependency_that_is_not_installed" not in html  # details are for admins


def test_a_syntax_error_names_the_line_of_the_plugin(tmp_path):
    from portal.testing import make_app

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "half_written.py").write_text("from portal import hookimpl\nx = (\n")
    (folder / "raises_at_import.py").write_text(
        "def load():\n    raise RuntimeError('thiếu tệp cấu hình\\nchi tiết')\n\n\nload()\n"
    )
    plugins = plugins_of(make_app(config={"PORTAL_PLUGINS_DIR": str(folder)}))
    half = plugins.plugins["half_written"]
    assert "SyntaxError" in half.error
    assert half.error_where == f"{folder / 'half_written.py'}, line 2: x = ("
    raises = plugins.plugins["raises_at_import"]
    assert "RuntimeError: thiếu tệp cấu hình chi tiết" in raises.error
    assert raises.error_where.endswith(
        "raises_at_import.py, line 2, in load: raise RuntimeError('thiếu tệp cấu hình\\nchi tiết')"
    )
