"""The rich-text editor's library: TinyMCE from npm, pinned by package-lock.json,
served from node_modules only when installed; without it the body is a plain
HTML textarea and the form works the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from admin.admin_helpers import client_signed_in_as, make_user

from portal.testing import make_app, sample_content

from .conftest import article_fields, load, post_article

CHECKOUT = Path(__file__).resolve().parents[2]


def fake_tinymce(folder: Path, version: str = "6.8.6") -> Path:
    """A node_modules with the files portal.vendor serves (contents are placeholders)."""
    package = folder / "tinymce"
    for name in ("tinymce.min.js", "plugins/table/plugin.min.js", "plugins/help/plugin.min.js",
                 "skins/ui/oxide/skin.min.css"):  # fmt: skip
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(f"/* {name} */")
    (package / "package.json").write_text(json.dumps({"name": "tinymce", "version": version}))
    return folder


@pytest.fixture
def desk(tmp_path):
    """Build an app whose node_modules is ``node_modules`` (a folder) and sign in an editor."""

    def build(node_modules: Path):
        app = make_app(config={"PORTAL_NODE_MODULES": str(node_modules)},
                       instance_path=str(tmp_path / f"instance-{node_modules.name}"))  # fmt: skip
        with app.app_context():
            category_id = sample_content()["category"].id
        editor = client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))
        return app, editor, category_id

    return build


def test_with_tinymce_installed(desk, tmp_path):
    app, editor, _category = desk(fake_tinymce(tmp_path / "node_modules"))
    html = editor.get("/admin/articles/new").get_data(as_text=True)
    assert '<script src="/_vendor/tinymce/tinymce.min.js?v=6.8.6"></script>' in html
    assert 'data-editor="tinymce"' in html
    assert '<script src="/static/admin-editor.js">' in html
    assert '<script src="/static/admin-articles.js">' in html

    versioned = app.test_client().get("/_vendor/tinymce/tinymce.min.js?v=6.8.6")
    assert versioned.status_code == 200
    assert versioned.get_data(as_text=True) == "/* tinymce.min.js */"
    cache = versioned.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    plugin = app.test_client().get("/_vendor/tinymce/plugins/table/plugin.min.js?v=6.8.6")
    assert plugin.status_code == 200
    unversioned = app.test_client().get("/_vendor/tinymce/skins/ui/oxide/skin.min.css")
    assert "max-age=300" in unversioned.headers["Cache-Control"]
    assert "immutable" not in unversioned.headers["Cache-Control"]


@pytest.mark.parametrize("path", [
    "package.json", "plugins/help/plugin.min.js", "../tinymce/package.json", "tinymce.js",
    "%2e%2e/%2e%2e/secret_key",
])  # fmt: skip
def test_only_the_files_the_editor_needs_are_served(desk, tmp_path, path):
    app, _editor, _category = desk(fake_tinymce(tmp_path / "node_modules"))
    assert app.test_client().get(f"/_vendor/tinymce/{path}").status_code == 404


def test_without_node_modules_the_form_is_a_textarea(desk, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    app, editor, category_id = desk(empty)
    html = editor.get("/admin/articles/new").get_data(as_text=True)
    assert "_vendor/tinymce" not in html
    assert 'data-editor=""' in html
    assert (
        "Trình soạn thảo trực quan chưa được cài trên máy chủ: hãy nhập nội dung dạng HTML" in html
    )
    assert app.test_client().get("/_vendor/tinymce/tinymce.min.js").status_code == 404

    response = post_article(editor, "/admin/articles/new", article_fields(
        category_id, body="<h2>Mục</h2><p>Gõ <strong>HTML</strong> tay.</p>"))  # fmt: skip
    assert response.status_code == 302
    article = load(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert article.body_html == "<h2>Mục</h2><p>Gõ <strong>HTML</strong> tay.</p>"


def test_the_editor_page_alone_relaxes_style_src(desk, tmp_path):
    app, editor, _category = desk(fake_tinymce(tmp_path / "node_modules"))
    form = editor.get("/admin/articles/new").headers["Content-Security-Policy"]
    listing = editor.get("/admin/articles").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in form
    assert "script-src 'self';" in form and "unsafe-eval" not in form
    assert "style-src 'self';" in listing


def test_tinymce_is_pinned_to_an_mit_licensed_6_8_release():
    package = json.loads((CHECKOUT / "package.json").read_text())
    lock = json.loads((CHECKOUT / "package-lock.json").read_text())
    assert package["dependencies"]["tinymce"] == lock["packages"]["node_modules/tinymce"]["version"]
    locked = lock["packages"]["node_modules/tinymce"]
    assert locked["version"].startswith("6.8.")  # 7 and later are GPL
    assert locked["license"] == "MIT" and locked["integrity"].startswith("sha512-")
    ignored = (CHECKOUT / ".gitignore").read_text().splitlines()
    assert "node_modules" in ignored  # without a slash: a worktree's link to it is ignored too


def test_the_editor_script_sets_up_what_the_server_allows():
    """The editor keeps only tags the sanitizer keeps, so what is seen is what is saved."""
    import re

    from portal.text import ALLOWED_TAGS

    script = (CHECKOUT / "portal" / "static" / "admin-editor.js").read_text()
    listed = re.search(r"var VALID_ELEMENTS = \[(.*?)\]\.join", script, re.S).group(1)
    tags = {re.split(r"[\[/]", item.strip().strip('"'))[0]
            for item in listed.split(",") if item.strip().strip('"')}  # fmt: skip
    # Entries may carry attributes ("a[href|title]") or aliases ("strong/b").
    tags |= {"b", "i"}
    assert tags == ALLOWED_TAGS
    from portal.web.vendor import TINYMCE_PLUGINS

    plugins = re.search(r'plugins: "([^"]+)"', script).group(1).split()
    assert sorted(plugins) == sorted(TINYMCE_PLUGINS)
