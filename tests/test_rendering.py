"""Page rendering (DESIGN.md §6): isolation of failing blocks, needs, caching, assets.

The blocks come from tests/plugins/render_probes.py (well-behaved probes) and
tests/plugins/faulty_blocks.py (one block per way of failing).
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import jinja2
import pytest
from flask import g
from sqlalchemy import event

from portal import ContentEvent, article_event, content_changed
from portal.cache import MemoryBackend, cache_for
from portal.extensions import db
from portal.models import Article, Page, Placement
from portal.testing import sample_content

TEST_PLUGINS = Path(__file__).resolve().parent / "plugins"


@pytest.fixture
def app_plugins(test_plugin):
    return [
        ("render_probes", test_plugin("render_probes")),
        ("faulty_blocks", test_plugin("faulty_blocks")),
    ]


@pytest.fixture
def app_config():
    return {"PORTAL_STRICT_BLOCKS": False, "PORTAL_CACHE_URL": "memory"}


class FakeClock:
    """A clock for the memory cache that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app):
    backend = cache_for(app)
    assert isinstance(backend, MemoryBackend)
    backend.clock = FakeClock()
    return backend.clock


def add_page(
    blocks: list, *, path: str = "/thu-nghiem", region: str = "main", layout: str = "one_column"
) -> dict:
    """A static page under the site's root with the given blocks; returns ids.

    ``blocks`` items are block names or ``(name, settings)`` pairs. Call
    inside an app context after :func:`sample_content`.
    """
    root = db.session.scalar(db.select(Page).where(Page.path == "/"))
    page = Page(
        kind="static",
        title="Trang thử nghiệm",
        path=path,
        parent_id=root.id,
        layout=layout,
        blocked_regions=["main"],
    )
    db.session.add(page)
    db.session.flush()
    ids = []
    for position, item in enumerate(blocks):
        name, settings = (item, {}) if isinstance(item, str) else item
        placement = Placement(
            page_id=page.id, region=region, position=position, block_name=name, settings=settings
        )
        db.session.add(placement)
        db.session.flush()
        ids.append(placement.id)
    db.session.commit()
    return {"page": page.id, "placements": ids, "path": path}


def block_html(html: str, placement_id: int) -> str | None:
    """The inner HTML of one rendered placement, or None if it is not on the page."""
    found = re.search(
        rf'<div class="block [^"]*" id="block-{placement_id}"[^>]*>(.*?)</div>', html, re.S
    )
    return found.group(1) if found else None


def get_html(client, url: str) -> str:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


FAILURES = [
    "broken_context",
    "broken_template",
    "broken_prefetch",
    "not_a_dict",
    "broken_cache_tags",
]


@pytest.fixture
def failing_page(app, test_plugin):
    """A page with a good block, a failing one (set per test) and another good one."""

    def build(failing: str) -> dict:
        with app.app_context():
            sample_content(blocks=[])
            return add_page(["steady", failing, ("marker", {"text": "Mốc sau khối lỗi"})])

    return build


# -- isolation -----------------------------------------------------------------


@pytest.mark.parametrize("failing", FAILURES)
def test_readers_get_the_page_without_the_failing_block(failing, app, client, failing_page):
    page = failing_page(failing)
    response = client.get(page["path"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    steady_id, failing_id, marker_id = page["placements"]
    assert "Khối ổn định vẫn hiển thị" in block_html(html, steady_id)
    assert "Mốc sau khối lỗi" in block_html(html, marker_id)
    assert block_html(html, failing_id) is None
    assert "secret detail" not in html
    assert "bị lỗi" not in html
    assert "Error" not in html


@pytest.mark.parametrize("failing", FAILURES)
def test_editors_see_an_error_box_naming_block_and_placement(
    failing, app, editor_client, failing_page, test_plugin
):
    page = failing_page(failing)
    html = get_html(editor_client, page["path"])
    steady_id, failing_id, marker_id = page["placements"]
    label = {
        "broken_context": "Hỏng ở get_context",
        "broken_template": "Hỏng ở mẫu",
        "broken_prefetch": "Hỏng ở prefetch",
        "not_a_dict": "Trả về sai kiểu",
        "broken_cache_tags": "Hỏng ở cache_tags",
    }[failing]
    assert f"Khối “{label}” ({failing}) bị lỗi" in html
    assert f"Vị trí #{failing_id} trong vùng “main”" in html
    assert test_plugin("faulty_blocks").FAILURES[failing] in html
    assert "Khối ổn định vẫn hiển thị" in block_html(html, steady_id)
    assert "Mốc sau khối lỗi" in block_html(html, marker_id)


@pytest.mark.parametrize("failing", FAILURES)
def test_block_errors_are_logged_with_the_placement_id(failing, app, client, failing_page, caplog):
    page = failing_page(failing)
    with caplog.at_level(logging.ERROR, logger="portal.rendering"):
        client.get(page["path"])
    failing_id = page["placements"][1]
    records = [r for r in caplog.records if f"placement {failing_id} " in r.getMessage()]
    assert records, caplog.text
    assert records[0].exc_info is not None
    assert failing in records[0].getMessage()


@pytest.mark.parametrize(
    ("failing", "error"),
    [
        ("broken_context", RuntimeError),
        ("broken_template", jinja2.UndefinedError),
        ("broken_prefetch", LookupError),
        ("not_a_dict", TypeError),
        ("broken_cache_tags", ValueError),
    ],
)
def test_strict_mode_reraises(failing, error, app, client, failing_page):
    page = failing_page(failing)
    app.config["PORTAL_STRICT_BLOCKS"] = True
    with pytest.raises(error):
        client.get(page["path"])


def test_a_failing_block_serves_its_last_good_html_to_readers(
    app, client, editor_client, clock, caplog
):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["flaky"])
    flaky_id = page["placements"][0]
    assert "Bản tốt số 1" in block_html(get_html(client, page["path"]), flaky_id)

    app.config["TEST_FLAKY_FAILS"] = True
    clock.advance(61)  # the fresh entry (60 s) is gone; the last good copy is kept longer
    with caplog.at_level(logging.ERROR, logger="portal.rendering"):
        html = get_html(client, page["path"])
    assert "Bản tốt số 1" in block_html(html, flaky_id)
    assert "flaky block is failing now" in caplog.text
    assert "bị lỗi" not in html

    # Editors are told the truth.
    editor_html = get_html(editor_client, page["path"])
    assert "flaky block is failing now" in editor_html
    assert "Bản tốt số" not in editor_html


def test_a_failing_block_without_a_good_copy_renders_nothing(app, client):
    app.config["TEST_FLAKY_FAILS"] = True
    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["flaky", "steady"])
    html = get_html(client, page["path"])
    assert block_html(html, page["placements"][0]) is None
    assert block_html(html, page["placements"][1]) is not None


def test_hidden_placements_are_not_rendered(app, client, editor_client):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page([("marker", {"text": "Khối bị ẩn"}), ("marker", {"text": "Khối hiện"})])
        db.session.get(Placement, page["placements"][0]).hidden = True
        db.session.commit()
    for viewer in (client, editor_client):
        html = get_html(viewer, page["path"])
        assert "Khối bị ẩn" not in html
        assert "Khối hiện" in html


def test_block_needing_an_article_on_a_page_without_one(app, client, editor_client):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["bulletin_view", ("marker", {"text": "Khối bên cạnh"})])
    view_id = page["placements"][0]

    reader_html = get_html(client, page["path"])
    assert block_html(reader_html, view_id) is None
    assert "không hiển thị ở đây" not in reader_html
    assert "/_blocks/bulletin_view/" not in reader_html  # no CSS for a block that is not shown
    assert "Khối bên cạnh" in reader_html

    editor_html = get_html(editor_client, page["path"])
    assert "Khối “Nội dung bản tin” không hiển thị ở đây" in editor_html
    assert "Khối này cần một bài viết" in editor_html
    assert f"Vị trí #{view_id}" in editor_html


# -- caching ---------------------------------------------------------------------


def render_count(app) -> int:
    return app.extensions.get("test_counts", {}).get("render_counter", 0)


def test_readers_get_cached_html(app, client):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["render_counter"])
    counter_id = page["placements"][0]
    first = block_html(get_html(client, page["path"]), counter_id)
    second = block_html(get_html(client, page["path"]), counter_id)
    assert "Lần hiển thị 1" in first
    assert second == first
    assert render_count(app) == 1


def test_cache_varies_on_locale(app, client):
    from portal.rendering import render_page

    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["render_counter"])
    get_html(client, page["path"])
    for _ in range(2):  # the same page drawn with an English interface: its own cache entry
        with app.test_request_context(page["path"]):
            g.portal_locale = "en"
            render_page(db.session.get(Page, page["page"]))
    assert render_count(app) == 2


def test_editors_never_read_the_cache(app, client, editor_client):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["render_counter"])
    counter_id = page["placements"][0]
    assert "Lần hiển thị 1" in block_html(get_html(client, page["path"]), counter_id)
    assert "Lần hiển thị 2" in block_html(get_html(editor_client, page["path"]), counter_id)
    assert "Lần hiển thị 3" in block_html(get_html(editor_client, page["path"]), counter_id)
    # ... nor write it: readers still get their own copy.
    assert "Lần hiển thị 1" in block_html(get_html(client, page["path"]), counter_id)


def test_editors_never_write_the_cache(app, client, editor_client):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["render_counter"])
    counter_id = page["placements"][0]
    assert "Lần hiển thị 1" in block_html(get_html(editor_client, page["path"]), counter_id)
    assert "Lần hiển thị 2" in block_html(get_html(client, page["path"]), counter_id)
    assert "Lần hiển thị 2" in block_html(get_html(client, page["path"]), counter_id)


def test_content_event_purges_so_an_edited_title_shows_at_once(app, client):
    with app.app_context():
        created = sample_content(blocks=["article_title"])
        article_id = created["article"].id
        placement_id = db.session.scalar(
            db.select(Placement.id).where(Placement.block_name == "article_title")
        )
    url = f"/bai-viet/{article_id}"
    assert "Chỉ thị số 30-CT/TW" in block_html(get_html(client, url), placement_id)

    with app.app_context():
        article = db.session.get(Article, article_id)
        article.title = "Tiêu đề mới sau khi sửa"
        db.session.commit()
    # Still the cached copy: without the event the cache would serve the old title...
    assert "Chỉ thị số 30-CT/TW" in block_html(get_html(client, url), placement_id)

    with app.app_context():
        content_changed(article_event("edited", db.session.get(Article, article_id)))
    # ... with it, the new title shows on the next request.
    assert "Tiêu đề mới sau khi sửa" in block_html(get_html(client, url), placement_id)


def test_an_event_about_another_article_purges_nothing(app, client):
    with app.app_context():
        created = sample_content(blocks=["article_title"])
        article_id = created["article"].id
    get_html(client, f"/bai-viet/{article_id}")
    with app.app_context():
        purged = cache_for(app).purge_tags({"article:999999"})
    assert purged == 0


def test_changing_a_placement_bumps_its_version_and_invalidates(app, client):
    # The block cache's keys are tested: the edits below bypass the content layer and its
    # events, which purge pages kept whole.
    app.config["PORTAL_PAGE_CACHE"] = False
    with app.app_context():
        sample_content(blocks=[])
        page = add_page([("render_counter", {"text": "một"})])
    counter_id = page["placements"][0]
    assert "Lần hiển thị 1: một" in block_html(get_html(client, page["path"]), counter_id)

    with app.app_context():
        placement = db.session.get(Placement, counter_id)
        version = placement.version
        placement.settings = {"text": "hai"}
        db.session.commit()
        assert placement.version == version + 1
    assert "Lần hiển thị 2: hai" in block_html(get_html(client, page["path"]), counter_id)

    with app.app_context():
        placement = db.session.get(Placement, counter_id)
        placement.position = 5  # same settings, new version: still rendered afresh
        db.session.commit()
    assert "Lần hiển thị 3: hai" in block_html(get_html(client, page["path"]), counter_id)


def test_an_event_about_the_root_page_purges_its_inherited_blocks(app, client):
    # Renderings are counted: the pages the event emptied are not rendered again at once.
    app.config["PORTAL_PAGE_WARM"] = False
    with app.app_context():
        created = sample_content(blocks=[])
        root_id = created["root"].id
        db.session.add(Placement(page_id=root_id, region="header", block_name="render_counter"))
        db.session.commit()
        page = add_page([])
    get_html(client, page["path"])
    get_html(client, page["path"])
    assert render_count(app) == 1
    with app.app_context():
        content_changed(ContentEvent("edited", "page", root_id, frozenset({f"page:{root_id}"})))
    get_html(client, page["path"])
    assert render_count(app) == 2


def test_prefetch_is_called_once_per_block_type_with_every_placement(app, client):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page([("batched", {"text": text}) for text in ("một", "hai")] + ["batched"])
    html = get_html(client, page["path"])
    # Placements without settings of their own get the defaults, as in get_context.
    assert app.extensions["test_prefetch_calls"] == [["một", "hai", "mốc"]]
    for placement_id, text in zip(page["placements"], ("MỘT", "HAI", "MỐC"), strict=True):
        assert text in block_html(html, placement_id)


def test_query_count_does_not_grow_with_blocks_of_one_kind(app, client):
    def queries_for(count: int, path: str) -> int:
        with app.app_context():
            add_page([("batched", {"text": f"khối {n}"}) for n in range(count)], path=path)
            engine = db.engine
        statements = []

        def count_statement(*args):
            statements.append(args)

        event.listen(engine, "before_cursor_execute", count_statement)
        try:
            get_html(client, path)
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
        return len(statements)

    with app.app_context():
        sample_content(blocks=[])
    assert queries_for(1, "/mot-khoi") == queries_for(6, "/sau-khoi")


# -- assets ----------------------------------------------------------------------


def test_each_blocks_assets_are_included_once_with_a_version(app, client):
    with app.app_context():
        sample_content(blocks=[])
        page = add_page(["with_assets", "with_assets", "steady"])
    html = get_html(client, page["path"])
    css_version = hashlib.sha1((TEST_PLUGINS / "static" / "probe.css").read_bytes()).hexdigest()[
        :10
    ]
    js_version = hashlib.sha1((TEST_PLUGINS / "static" / "probe.js").read_bytes()).hexdigest()[:10]
    assert html.count("/_blocks/with_assets/probe.css") == 1
    assert html.count("/_blocks/with_assets/probe.js") == 1
    assert f'href="/_blocks/with_assets/probe.css?v={css_version}"' in html
    assert f'src="/_blocks/with_assets/probe.js?v={js_version}"' in html


def test_block_static_files_are_served_with_long_cache_headers(app, client):
    css = (TEST_PLUGINS / "static" / "probe.css").read_bytes()
    response = client.get("/_blocks/with_assets/probe.css?v=abc")
    assert response.status_code == 200
    assert response.data == css
    assert response.mimetype == "text/css"
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable
    response.close()

    unversioned = client.get("/_blocks/with_assets/probe.css")
    assert unversioned.status_code == 200
    assert unversioned.cache_control.max_age == 300
    assert not unversioned.cache_control.immutable
    unversioned.close()


@pytest.mark.parametrize(
    "url",
    [
        "/_blocks/no_such_block/probe.css",
        "/_blocks/with_assets/no_such_file.css",
        "/_blocks/with_assets/../render_probes.py",
        "/_blocks/with_assets/%2e%2e/render_probes.py",
        "/_blocks/with_assets/..%2frender_probes.py",
    ],
)
def test_unknown_block_static_files_are_404(url, app, client):
    response = client.get(url)
    assert response.status_code == 404
    assert b"portal_register_blocks" not in response.data
