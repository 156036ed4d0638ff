"""The snippets of docs/plugins/pages.md, one after the other, are a plugin that works."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

from portal.extensions import db
from portal.plugins import plugins_of
from portal.testing import make_app

from .conftest import build_site, client_signed_in_as, make_user

ROOT = Path(__file__).resolve().parents[2]
PAGES_DOC = ROOT / "docs" / "plugins" / "pages.md"
TEMPLATES = ROOT / "tests" / "plugins" / "templates" / "reception"


def doc_plugin_source() -> str:
    text = PAGES_DOC.read_text(encoding="utf-8")
    return "\n\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S))


@pytest.fixture
def doc_app(database_url, tmp_path):
    folder = tmp_path / "doc_plugin"
    shutil.copytree(TEMPLATES, folder / "templates" / "reception")
    (folder / "__init__.py").write_text(doc_plugin_source(), encoding="utf-8")
    name = f"portal_doc_plugins_{tmp_path.name}.reception_doc"
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    app = make_app(
        database_url=database_url,
        plugins=[("reception_doc", module)],
        instance_path=str(tmp_path / "instance"),
    )
    yield app
    sys.modules.pop(name, None)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_plugin_of_the_doc_adds_a_page_a_menu_entry_and_an_admin_screen(doc_app):
    assert plugins_of(doc_app).plugins["reception_doc"].loaded
    with doc_app.app_context():
        build_site()
    client = doc_app.test_client()
    page = client.get("/lich-tiep-dan").get_data(as_text=True)
    assert "Đường dây nóng: 0209 3870 000" in page
    assert 'data-block="site_footer" data-inherited="1"' in page
    assert 'href="/lich-tiep-dan" aria-current="page">Lịch tiếp dân</a>' in page
    assert client.get("/lich-tiep-dan/thang-12").status_code == 200
    assert client.get("/lich-tiep-dan/thang-13").status_code == 404
    admin = client_signed_in_as(doc_app, make_user(doc_app, "qt@example.org", "admin"))
    assert ">Lịch tiếp dân</a>" in admin.get("/admin/").get_data(as_text=True)
    assert admin.get("/admin/lich-tiep-dan/").status_code == 200
