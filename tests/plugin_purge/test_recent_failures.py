"""Editors see failures where they check: the admin preview shows the error box of the public
page seen by an editor; ``flask portal blocks`` and the admin's Plugins screen list the blocks
that failed in the last day, with a count and the last error per placement."""

from __future__ import annotations

import os
import re

import pytest

from portal.extensions import db
from portal.models import Placement
from portal.rendering import forget_failures, recent_failures
from portal.testing import make_app, sample_content

from . import fragile
from .helpers import client_as

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")


@pytest.fixture
def app_config():
    return {"PORTAL_STRICT_BLOCKS": False}


@pytest.fixture
def app_plugins():
    return [("fragile", fragile)]


@pytest.fixture(autouse=True)
def broken():
    fragile.STATE["broken"] = True
    yield
    fragile.STATE["broken"] = True


def place(app) -> dict[str, int]:
    with app.app_context():
        root = sample_content()["root"]
        placement = Placement(
            page_id=root.id, region="main", position=0, block_name="purge_fragile"
        )
        db.session.add(placement)
        db.session.commit()
        return {"page": root.id, "placement": placement.id}


def error_box(html: str) -> str:
    match = re.search(r'<div class="block-notice block-notice--error".*?</div>', html, re.S)
    assert match, "no error box"
    return match.group(0)


def test_the_preview_shows_the_error_box_an_editor_sees_on_the_page(app):
    ids = place(app)
    public = error_box(client_as(app, "editor").get("/").get_data(as_text=True))
    assert "ConnectionError: dịch vụ thời tiết không trả lời" in public
    preview = client_as(app, "admin").get(f"/admin/pages/{ids['page']}/preview")
    assert preview.status_code == 200
    assert error_box(preview.get_data(as_text=True)) == public
    assert "block-notice" not in app.test_client().get("/").get_data(as_text=True)  # readers


def test_failures_are_counted_per_placement_with_the_last_error(app):
    ids = place(app)
    reader = app.test_client()
    reader.get("/")
    fragile.STATE["broken"] = False
    reader.get("/")  # renders fine: not counted
    fragile.STATE["broken"] = True
    reader.get("/")
    [failure] = recent_failures(app)
    assert (failure.block, failure.placement_id, failure.page_id) == (
        "purge_fragile",
        ids["placement"],
        ids["page"],
    )
    assert failure.count == 2
    assert failure.last_error == "ConnectionError: dịch vụ thời tiết không trả lời"
    forget_failures(app)
    assert recent_failures(app) == []


def test_portal_blocks_lists_recent_failures(app, runner):
    assert "Không khối nào lỗi trong ngày qua." in runner.invoke(args=["portal", "blocks"]).output
    ids = place(app)
    app.test_client().get("/")
    output = runner.invoke(args=["portal", "blocks"]).output
    assert "Các khối lỗi trong ngày qua (1):" in output
    assert (
        f"purge_fragile ở vị trí #{ids['placement']} trên trang #{ids['page']}: 1 lần, lần cuối lúc "
        in output
    )
    assert output.rstrip().endswith("ConnectionError: dịch vụ thời tiết không trả lời")


def test_the_plugins_screen_lists_recent_failures(app):
    admin = client_as(app, "admin")
    assert "Không có khối nào bị lỗi trong 24 giờ qua." in admin.get("/admin/plugins").get_data(
        as_text=True
    )
    ids = place(app)
    app.test_client().get("/")
    app.test_client().get("/")
    html = admin.get("/admin/plugins").get_data(as_text=True)
    table = html[html.index('id="block-failures"') :]
    assert "<code>purge_fragile</code>" in table
    assert (
        f'<a href="/admin/pages/{ids["page"]}">#{ids["placement"]}, trang #{ids["page"]}</a>'
        in table
    )
    assert "<td>2</td>" in table
    assert "ConnectionError: dịch vụ thời tiết không trả lời" in table


def test_strict_blocks_raise_and_record_nothing(app):
    place(app)
    app.config["PORTAL_STRICT_BLOCKS"] = True
    with pytest.raises(ConnectionError):
        app.test_client().get("/")
    assert recent_failures(app) == []


@pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")
def test_with_redis_every_worker_and_the_command_see_the_same_list(app_factory, redis_prefix):
    config = {
        "PORTAL_STRICT_BLOCKS": False,
        "PORTAL_CACHE_URL": REDIS_URL,
        "PORTAL_CACHE_PREFIX": redis_prefix,
    }
    worker = app_factory(plugins=[("fragile", fragile)], config=config)
    ids = place(worker)
    worker.test_client().get("/")
    other_worker = app_factory(plugins=[("fragile", fragile)], config=config)
    other_worker.test_client().get("/")
    command = app_factory(plugins=[("fragile", fragile)], config=config)
    output = command.test_cli_runner().invoke(args=["portal", "blocks"]).output
    assert f"purge_fragile ở vị trí #{ids['placement']} trên trang #{ids['page']}: 2 lần" in (
        output
    )


def test_each_app_keeps_its_own_list_without_a_shared_cache():
    first = make_app(plugins=[("fragile", fragile)], config={"PORTAL_STRICT_BLOCKS": False})
    second = make_app(plugins=[("fragile", fragile)], config={"PORTAL_STRICT_BLOCKS": False})
    place(first)
    first.test_client().get("/")
    assert len(recent_failures(first)) == 1
    assert recent_failures(second) == []
