"""Purges and data versions asked for by plugins (docs/plugins/block-api.md: ``purge``,
``bump_data_version``, ``CachePolicy.data_sets``, ``Block.data_version``).

The plugins here (weather, other, clock) are written against the documented API only.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import Block, CachePolicy, bump_data_version, hookimpl, purge
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Placement
from portal.models.events import DELIVERED, OutboxEvent
from portal.plugins import plugins_of
from portal.testing import events_written, make_app, sample_content

from . import clock, other, weather


@pytest.fixture
def app_config():
    return {"PORTAL_CACHE_URL": "memory", "PORTAL_STRICT_BLOCKS": False}


@pytest.fixture
def app_plugins():
    return [("weather", weather), ("other", other), ("clock", clock)]


@pytest.fixture(autouse=True)
def fresh_plugin_data():
    weather.FORECAST["text"] = "Nắng nhẹ, 24°C"
    clock.SOURCE.update(version="1", text="Phiên bản 1")
    for renders in (weather.RENDERS, other.RENDERS, clock.RENDERS):
        renders.clear()
    yield


@pytest.fixture
def home(app):
    """The home page with one block of each plugin, cached for readers."""
    with app.app_context():
        root = sample_content()["root"]
        for position, name in enumerate(("purge_weather", "purge_other", "purge_clock")):
            db.session.add(
                Placement(page_id=root.id, region="main", position=position, block_name=name)
            )
        db.session.commit()
    return app.test_client()


def test_bumping_a_data_version_re_renders_only_the_blocks_made_from_it(app, home):
    assert "Nắng nhẹ, 24°C" in home.get("/").get_data(as_text=True)
    home.get("/")
    assert (len(weather.RENDERS), len(other.RENDERS), len(clock.RENDERS)) == (1, 1, 1)

    with app.app_context():
        weather.new_forecast("Mưa rào, 19°C")

    html = home.get("/").get_data(as_text=True)
    assert "Mưa rào, 19°C" in html and "Nắng nhẹ" not in html
    assert weather.RENDERS == ["Nắng nhẹ, 24°C", "Mưa rào, 19°C"]
    assert len(other.RENDERS) == 1 and len(clock.RENDERS) == 1  # untouched


def test_a_purge_is_a_content_event_in_the_outbox(app, home):
    home.get("/")
    with events_written(app) as events, app.app_context():
        purge(["other-data"], reason="dữ liệu nguồn đổi", plugin="other")
    assert events == [("purged", "plugin:other", None)]
    with app.app_context():
        row = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.id.desc()))
        assert row.status == DELIVERED
        assert row.tags == ["other-data"]
        assert row.actor == "Plugin other: dữ liệu nguồn đổi"
    home.get("/")
    assert len(other.RENDERS) == 2 and len(weather.RENDERS) == 1


def test_the_admin_events_screen_names_the_plugin_and_the_reason(app):
    from .helpers import client_as

    with app.app_context():
        bump_data_version("weather", reason="dự báo mới", plugin="weather")
        row = db.session.scalar(select(OutboxEvent))
        row.status, row.pending = "failed", ["cache"]  # listed only while not delivered
        db.session.commit()
    html = client_as(app, "admin").get("/admin/content-events").get_data(as_text=True)
    assert "Xóa bộ nhớ đệm theo yêu cầu của plugin weather" in html
    assert "Plugin weather: dự báo mới" in html


def test_a_block_varying_on_its_data_version_renders_anew_when_it_changes(app, home):
    home.get("/")
    home.get("/")
    assert clock.RENDERS == ["Phiên bản 1"]
    clock.SOURCE.update(version="2", text="Phiên bản 2")
    assert "Phiên bản 2" in home.get("/").get_data(as_text=True)
    home.get("/")
    assert clock.RENDERS == ["Phiên bản 1", "Phiên bản 2"]
    assert len(weather.RENDERS) == 1 and len(other.RENDERS) == 1


def test_a_data_version_that_cannot_be_read_renders_without_the_cache(app, home):
    home.get("/")
    clock.SOURCE.update(version=None, text="Không có phiên bản")
    response = home.get("/")
    assert response.status_code == 200
    assert "Không có phiên bản" in response.get_data(as_text=True)
    home.get("/")
    assert clock.RENDERS == ["Phiên bản 1", "Không có phiên bản", "Không có phiên bản"]


def test_a_purge_inside_a_unit_of_work_waits_for_its_commit(app, home):
    home.get("/")
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work(Actor.system("thử")):
            purge(["data:weather"], reason="sẽ bị huỷ", plugin="weather")
            raise RuntimeError("the change fails")
        assert db.session.scalar(select(db.func.count()).select_from(OutboxEvent)) == 0
    home.get("/")
    assert len(weather.RENDERS) == 1
    with app.app_context(), unit_of_work(Actor.system("thử")):
        purge(["data:weather"], reason="cùng thay đổi", plugin="weather")
    home.get("/")
    assert len(weather.RENDERS) == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: purge("data:weather", reason="x"), "not one string"),
        (lambda: purge([], reason="x"), "no tags"),
        (lambda: purge(["có dấu cách"], reason="x"), "not a tag"),
        (lambda: purge([42], reason="x"), "not a tag"),
        (lambda: purge(["data:weather"], reason="  "), "reason="),
        (lambda: purge(["data:weather"], reason="x", plugin="tên có dấu cách"), "plugin name"),
        (lambda: bump_data_version("Thời tiết", reason="x"), "not a data set name"),
    ],
)
def test_a_wrong_purge_says_what_to_fix_and_writes_nothing(app, call, message):
    with app.app_context():
        with pytest.raises(ValueError, match=message):
            call()
        assert db.session.scalar(select(db.func.count()).select_from(OutboxEvent)) == 0


def test_data_sets_are_checked_when_the_policy_is_made():
    with pytest.raises(ValueError, match="not one string"):
        CachePolicy(data_sets="weather")
    with pytest.raises(ValueError, match="not data set names"):
        CachePolicy(data_sets={"Thời tiết"})
    assert CachePolicy(data_sets=["weather"]).data_sets == frozenset({"weather"})


def test_a_block_varying_on_data_version_without_the_method_is_refused_at_start():
    class Forgetful(Block):
        name = "purge_forgetful"
        template = "purge_other/other.html"
        cache = CachePolicy(vary_on={"data_version"})

    class Plugin:
        @hookimpl
        def portal_register_blocks(self):
            return [Forgetful]

    app = make_app(plugins=[("forgetful", Plugin())], autoload=False)
    info = plugins_of(app).plugins["forgetful"]
    assert info.status == "failed"
    assert "does not define data_version" in info.error
