"""Plugin loading (DESIGN.md §4): discovery, failures, safe mode, hooks, one manager per app.

The plugins used here are the one-off plugins in tests/plugins/, loaded the
way a site loads them: an installed distribution with an entry point, a copy
in ``PORTAL_PLUGINS_DIR``, or registered directly.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import select

from portal import article_event, content_changed, hookimpl
from portal.app import create_app
from portal.cache import cache_for
from portal.extensions import db
from portal.models import Article, Placement
from portal.plugins import (
    CORE_DISTRIBUTION,
    SOURCE_BUILTIN,
    SOURCE_ENTRY_POINT,
    SOURCE_PLUGINS_DIR,
    PluginStartupError,
    plugins_of,
)
from portal.testing import make_app, sample_content

TEST_PLUGINS = Path(__file__).resolve().parent / "plugins"


def install_distribution(
    site: Path,
    *,
    dist_name: str,
    version: str,
    entry_points: dict[str, str],
    packages: dict[str, str] = (),
) -> None:
    """Write an installed distribution into ``site`` as pip would: dist-info + packages.

    ``packages`` maps an import name to a folder in tests/plugins/ copied under it.
    """
    site.mkdir(parents=True, exist_ok=True)
    for import_name, source in dict(packages).items():
        shutil.copytree(TEST_PLUGINS / source, site / import_name)
    dist_info = site / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (dist_info / "entry_points.txt").write_text(f"[portal.plugins]\n{lines}", encoding="utf-8")


@pytest.fixture
def notice_distribution(tmp_path, monkeypatch):
    """The ep_notice plugin installed as distribution "portal-notice-plugin" 0.1."""
    import_name = f"ep_notice_{tmp_path.name.replace('-', '_')}"
    site = tmp_path / "site-packages"
    install_distribution(
        site,
        dist_name="portal-notice-plugin",
        version="0.1",
        entry_points={"ep_notice": import_name},
        packages={import_name: "ep_notice"},
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, import_name, raising=False)
    return import_name


def plugin_status(app) -> dict[str, str]:
    return {name: info.status for name, info in plugins_of(app).plugins.items()}


# -- discovery ---------------------------------------------------------------


def test_builtin_plugins_come_from_the_entry_point_group():
    app = make_app()
    plugins = plugins_of(app)
    for name in ("standard_layouts", "bulletin_toolbar", "bulletin_view"):
        info = plugins.plugins[name]
        assert info.status == "loaded", info.error
        assert info.source == SOURCE_BUILTIN
        assert info.distribution == CORE_DISTRIBUTION
    assert plugins.block_plugins["bulletin_view"] == "bulletin_view"
    assert {"one_column", "main_sidebar"} <= set(plugins.layouts)


def test_every_builtin_plugin_loads():
    """A built-in plugin that fails to import is a bug in this repository, not a site problem."""
    plugins = plugins_of(make_app())
    failed = {
        name: info.error
        for name, info in plugins.plugins.items()
        if info.source == SOURCE_BUILTIN and info.status != "loaded"
    }
    assert failed == {}


def test_entry_point_plugin_is_registered_with_its_distribution(notice_distribution):
    app = make_app()
    plugins = plugins_of(app)
    info = plugins.plugins["ep_notice"]
    assert info.status == "loaded", info.error
    assert info.source == SOURCE_ENTRY_POINT
    assert info.distribution == "portal-notice-plugin"
    assert info.version == "0.1"
    assert info.module == notice_distribution
    assert info.hooks == ["portal_register_blocks"]
    assert info.blocks == ["ep_notice"]
    assert plugins.block_plugins["ep_notice"] == "ep_notice"
    # Its templates/ folder was found by convention.
    html = _render_one(app, "ep_notice")
    assert "Thông báo từ plugin cài đặt" in html


def test_entry_point_whose_module_is_missing_is_reported(tmp_path, monkeypatch, caplog):
    site = tmp_path / "site-packages"
    install_distribution(
        site,
        dist_name="portal-ghost-plugin",
        version="2.3",
        entry_points={"ghost": "ghost_module_that_was_never_installed"},
    )
    monkeypatch.syspath_prepend(str(site))
    with caplog.at_level(logging.ERROR, logger="portal.plugins"):
        app = make_app()
    info = plugins_of(app).plugins["ghost"]
    assert info.status == "failed"
    assert info.distribution == "portal-ghost-plugin"
    assert "ModuleNotFoundError" in info.error
    assert "ghost_module_that_was_never_installed" in info.error
    assert "ghost" in caplog.text
    assert plugins_of(app).block("bulletin_view") is not None


def test_plugins_dir_loads_single_file_and_package_plugins(plugins_dir):
    directory = plugins_dir("hello_single", "weather_pkg")
    app = make_app(config={"PORTAL_PLUGINS_DIR": directory})
    plugins = plugins_of(app)

    single = plugins.plugins["hello_single"]
    assert single.status == "loaded", single.error
    assert single.source == SOURCE_PLUGINS_DIR
    assert single.blocks == ["hello_single"]
    package = plugins.plugins["weather_pkg"]
    assert package.status == "loaded", package.error
    assert package.source == SOURCE_PLUGINS_DIR
    assert Path(package.path) == Path(directory) / "weather_pkg"

    # The package's own templates/ and static/ folders are used.
    weather = plugins.block("weather_pkg")
    assert weather.static_dir() == Path(directory) / "weather_pkg" / "static"
    assert "Trời nắng, 24–31°C" in _render_one(app, "weather_pkg")
    assert "Xin chào bạn đọc" in _render_one(app, "hello_single")


def test_plugins_dir_that_does_not_exist_is_logged(tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.plugins"):
        app = make_app(config={"PORTAL_PLUGINS_DIR": str(tmp_path / "nowhere")})
    assert "is not a folder" in caplog.text
    assert plugins_of(app).block("bulletin_view") is not None


# -- disabling and safe mode ---------------------------------------------------


@pytest.mark.parametrize("plugin", ["hello_single", "bulletin_view"])
def test_disabled_plugin_keeps_its_placements_and_pages_still_render(
    plugin, app_factory, plugins_dir, editor_client_for
):
    directory = plugins_dir("hello_single")
    enabled = app_factory(config={"PORTAL_PLUGINS_DIR": directory})
    with enabled.app_context():
        created = sample_content(blocks=["bulletin_toolbar", "bulletin_view", "hello_single"])
        article_id = created["article"].id
        placement = db.session.scalar(select(Placement).where(Placement.block_name == plugin))
        if plugin == "hello_single":
            placement.settings = {"greeting": "Chào từ plugin một tệp"}
        else:
            placement.settings = {"show_lead": False, "show_image": True, "show_source": True}
        db.session.commit()
        before = _placement_row(placement.id)
    url = f"/bai-viet/{article_id}-bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw"
    marker = _plugin_marker(plugin)
    assert marker in enabled.test_client().get(url).get_data(as_text=True)

    disabled = app_factory(
        config={"PORTAL_PLUGINS_DIR": directory, "PORTAL_DISABLED_PLUGINS": [plugin]}
    )
    assert plugin_status(disabled)[plugin] == "disabled"
    assert plugins_of(disabled).block(plugin) is None

    reader = disabled.test_client().get(url)
    assert reader.status_code == 200
    reader_html = reader.get_data(as_text=True)
    assert marker not in reader_html
    assert "Thiếu plugin" not in reader_html
    assert "Tăng cỡ chữ" in reader_html  # the other blocks are still there

    editor_html = editor_client_for(disabled).get(url).get_data(as_text=True)
    assert f"Thiếu plugin cho khối “{plugin}”" in editor_html
    assert f"Vị trí #{placement.id}" in editor_html

    with disabled.app_context():
        assert _placement_row(placement.id) == before

    reenabled = app_factory(config={"PORTAL_PLUGINS_DIR": directory})
    assert marker in reenabled.test_client().get(url).get_data(as_text=True)


def _placement_row(placement_id: int) -> tuple:
    row = db.session.get(Placement, placement_id)
    return (row.page_id, row.region, row.position, row.block_name, row.settings, row.version)


def _plugin_marker(plugin: str) -> str:
    return {"hello_single": "Chào từ plugin một tệp", "bulletin_view": "Đoạn thứ nhất"}[plugin]


def test_safe_mode_loads_only_builtins(notice_distribution, plugins_dir):
    directory = plugins_dir("hello_single", "weather_pkg")
    app = make_app(config={"PORTAL_SAFE_MODE": True, "PORTAL_PLUGINS_DIR": directory})
    plugins = plugins_of(app)

    loaded = [info for info in plugins.plugins.values() if info.loaded]
    assert loaded, "safe mode must still load the built-in plugins"
    assert {info.distribution for info in loaded} == {CORE_DISTRIBUTION}
    assert plugins.block("bulletin_view") is not None

    for name in ("ep_notice", "hello_single", "weather_pkg"):
        assert plugins.plugins[name].status == "skipped"
        assert "safe mode" in plugins.plugins[name].error
    for block in ("ep_notice", "hello_single", "weather_pkg"):
        assert plugins.block(block) is None


def test_safe_mode_from_the_environment(monkeypatch, plugins_dir, tmp_path):
    monkeypatch.setenv("PORTAL_SAFE_MODE", "1")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "PORTAL_PLUGINS_DIR": plugins_dir("hello_single"),
        }
    )
    assert app.config["PORTAL_SAFE_MODE"] is True
    assert plugin_status(app)["hello_single"] == "skipped"
    assert plugins_of(app).block("bulletin_view") is not None


# -- failures are reported, the rest loads -------------------------------------


def test_plugin_whose_import_fails_is_reported_and_others_load(plugins_dir, caplog):
    directory = plugins_dir("broken_import", "hello_single")
    with caplog.at_level(logging.ERROR, logger="portal.plugins"):
        app = make_app(config={"PORTAL_PLUGINS_DIR": directory})
    plugins = plugins_of(app)

    broken = plugins.plugins["broken_import"]
    assert broken.status == "failed"
    assert "ModuleNotFoundError" in broken.error
    assert "portal_dependency_that_is_not_installed" in broken.error
    assert broken in plugins.errors
    assert any(
        record.levelno == logging.ERROR and "broken_import" in record.getMessage()
        for record in caplog.records
    )
    assert plugins.plugins["hello_single"].status == "loaded"
    assert plugins.block("hello_single") is not None
    assert plugins.block("bulletin_view") is not None

    result = app.test_cli_runner().invoke(args=["portal", "blocks"])
    assert result.exit_code == 0, result.output
    assert re.search(r"plugin broken_import: lỗi: .*ModuleNotFoundError", result.output)
    assert re.search(r"^hello_single\s+Lời chào\s+plugin hello_single", result.output, re.M)


def test_two_plugins_with_one_block_name_stop_start_up(plugins_dir):
    directory = plugins_dir("twin_a", "twin_b")
    with pytest.raises(PluginStartupError) as excinfo:
        make_app(config={"PORTAL_PLUGINS_DIR": directory})
    message = str(excinfo.value)
    assert "'twin'" in message
    assert "twin_a" in message and "twin_b" in message


def test_two_plugins_with_one_block_name_can_be_resolved_by_disabling_one(plugins_dir):
    directory = plugins_dir("twin_a", "twin_b")
    app = make_app(config={"PORTAL_PLUGINS_DIR": directory, "PORTAL_DISABLED_PLUGINS": ["twin_a"]})
    assert plugins_of(app).block_plugins["twin"] == "twin_b"


def test_plugin_with_a_misspelled_hook_is_reported_and_skipped(plugins_dir):
    directory = plugins_dir("typo_hook", "hello_single")
    app = make_app(config={"PORTAL_PLUGINS_DIR": directory})
    plugins = plugins_of(app)
    info = plugins.plugins["typo_hook"]
    assert info.status == "failed"
    assert "unknown hook" in info.error
    assert "portal_register_block" in info.error
    assert plugins.manager.get_plugin("typo_hook") is None
    assert plugins.block("typo_block") is None
    assert plugins.block("hello_single") is not None


def test_hookimpl_with_arguments_the_spec_does_not_have_is_reported(plugins_dir):
    directory = plugins_dir("bad_signature", "hello_single")
    app = make_app(config={"PORTAL_PLUGINS_DIR": directory})
    info = plugins_of(app).plugins["bad_signature"]
    assert info.status == "failed"
    assert "could not be registered" in info.error
    assert "config" in info.error
    assert "BAD_SIGNATURE_RAN" not in app.config
    assert plugins_of(app).block("hello_single") is not None


@pytest.mark.parametrize(
    "case", ["not_a_list", "not_a_block", "invalid_name", "no_template", "raises"]
)
def test_wrong_portal_register_blocks_results_are_reported(case, test_plugin):
    module = test_plugin("wrong_returns")
    name, plugin, expected = next(c for c in module.CASES if c[0] == case)
    app = make_app(plugins=[(name, plugin)])
    plugins = plugins_of(app)
    info = plugins.plugins[name]
    assert info.status == "failed"
    assert expected in info.error
    assert "portal_register_blocks" in info.error
    assert plugins.block("innocent_bystander") is None
    assert info.blocks == []
    assert plugins.block("bulletin_view") is not None


def test_a_plugin_that_fails_later_takes_its_blocks_with_it(test_plugin):
    """A plugin failing in portal_setup_app must not leave half its blocks registered."""

    class FailsInSetup:
        @hookimpl
        def portal_register_blocks(self):
            return [test_plugin("hello_single").HelloSingle]

        @hookimpl
        def portal_setup_app(self, app):
            raise RuntimeError("setup went wrong")

    app = make_app(plugins=[("fails_in_setup", FailsInSetup())])
    plugins = plugins_of(app)
    info = plugins.plugins["fails_in_setup"]
    assert info.status == "failed"
    assert "RuntimeError: setup went wrong" in info.error
    assert plugins.block("hello_single") is None
    assert "hello_single" not in plugins.block_plugins


def test_second_plugin_with_a_taken_name_does_not_replace_the_first(test_plugin):
    app = make_app(plugins=[("bulletin_view", test_plugin("hello_single"))])
    plugins = plugins_of(app)
    assert plugins.plugins["bulletin_view"].status == "loaded"
    assert plugins.block("bulletin_view") is not None
    assert plugins.block("hello_single") is None
    rejected = [info for key, info in plugins.plugins.items() if key.startswith("bulletin_view (")]
    assert len(rejected) == 1
    assert rejected[0].status == "failed"
    assert "already used" in rejected[0].error


# -- hooks ---------------------------------------------------------------------


def test_portal_setup_app_is_called_with_the_app(plugins_dir):
    app = make_app(config={"PORTAL_PLUGINS_DIR": plugins_dir("app_setup")})
    assert plugins_of(app).plugins["app_setup"].hooks == ["portal_setup_app"]

    response = app.test_client().get("/_thu-nghiem/ping")
    assert response.status_code == 200
    assert response.get_json() == {"plugin": "app_setup", "app_name": app.import_name}
    with app.test_request_context():
        assert render_template_string("{{ 'xin chào' | shout }}") == "XIN CHÀO!"
    result = app.test_cli_runner().invoke(args=["thu-nghiem"])
    assert result.output.strip() == "app_setup plugin command ran"


def test_portal_register_layouts_adds_a_layout(plugins_dir):
    app = make_app(config={"PORTAL_PLUGINS_DIR": plugins_dir("extra_layout")})
    layout = plugins_of(app).layout("banner_layout")
    assert layout is not None
    assert layout.region_names == ("header", "banner", "main", "footer")
    assert plugins_of(app).plugins["extra_layout"].layouts == ["banner_layout"]


def test_a_layout_name_registered_twice_stops_start_up():
    from portal import layouts

    with pytest.raises(PluginStartupError, match="one_column"):
        make_app(plugins=[("layouts_again", _LayoutsAgain(layouts.ONE_COLUMN))])


class _LayoutsAgain:
    def __init__(self, layout):
        self.layout = layout

    @hookimpl
    def portal_register_layouts(self):
        return [self.layout]


@pytest.mark.parametrize("order", ["breaker_first", "recorder_first"])
def test_content_changed_reaches_every_plugin_even_if_one_raises(order, test_plugin, caplog):
    recorder = ("event_recorder", test_plugin("event_recorder"))
    breaker = ("event_breaker", test_plugin("event_breaker"))
    # pluggy calls the last registered implementation first.
    registered = [recorder, breaker] if order == "breaker_first" else [breaker, recorder]
    app = make_app(plugins=registered, config={"PORTAL_CACHE_URL": "memory"})
    with app.app_context():
        created = sample_content()
        article = created["article"]
        cache = cache_for(app)
        cache.set("probe", "cached html", 300, frozenset({f"article:{article.id}"}))
        article.title = "Tiêu đề đã sửa"
        db.session.commit()
        event = article_event("edited", article)

        with caplog.at_level(logging.ERROR):
            content_changed(event)
            content_changed(event)

        assert app.extensions["test_events"] == [event, event]
        assert cache.get("probe") is None
        assert db.session.get(Article, article.id).title == "Tiêu đề đã sửa"
    failures = [r for r in caplog.records if "event_breaker cannot handle edited" in r.getMessage()]
    assert len(failures) == 2
    # A failure at run time is logged; it does not switch the plugin off.
    assert plugin_status(app)["event_breaker"] == "loaded"
    assert event.tags == {f"article:{article.id}", f"category:{article.category_id}", "articles"}


def test_trace_hooks_logs_each_hook_call_with_its_time(test_plugin, caplog):
    with caplog.at_level(logging.INFO, logger="portal.plugins"):
        app = make_app(
            plugins=[("event_recorder", test_plugin("event_recorder"))],
            config={"PORTAL_TRACE_HOOKS": True},
        )
        with app.app_context():
            content_changed(article_event("deleted", Article(id=5, category_id=None)))
            plugins_of(app).manager.hook.portal_register_layouts()
    text = caplog.text
    assert re.search(r"hook portal_register_blocks: plugin bulletin_view took \d+\.\d\d ms", text)
    assert re.search(r"hook portal_content_changed: plugin event_recorder took \d+\.\d\d ms", text)
    assert re.search(
        r"hook portal_register_layouts \(.*standard_layouts.*\) took \d+\.\d\d ms", text
    )


def test_no_trace_logs_without_the_switch(caplog):
    with caplog.at_level(logging.INFO, logger="portal.plugins"):
        make_app()
    assert " took " not in caplog.text


# -- one plugin manager per app ------------------------------------------------


def test_each_app_has_its_own_plugin_manager():
    without_view = make_app(config={"PORTAL_DISABLED_PLUGINS": ["bulletin_view"]})
    with_view = make_app()

    assert plugins_of(without_view) is not plugins_of(with_view)
    assert plugins_of(without_view).manager is not plugins_of(with_view).manager
    assert plugins_of(without_view).block("bulletin_view") is None
    assert plugins_of(with_view).block("bulletin_view") is not None
    # Building the second app changed nothing in the first.
    assert plugin_status(without_view)["bulletin_view"] == "disabled"
    assert plugins_of(without_view).manager.is_blocked("bulletin_view")
    assert not plugins_of(with_view).manager.is_blocked("bulletin_view")


def test_same_named_plugins_in_two_folders_stay_apart(plugins_dir):
    first_dir, second_dir = plugins_dir("hello_single"), plugins_dir("hello_single")
    first = make_app(config={"PORTAL_PLUGINS_DIR": first_dir})
    second = make_app(config={"PORTAL_PLUGINS_DIR": second_dir})
    assert plugins_of(first).block("hello_single").package_dir() == Path(first_dir)
    assert plugins_of(second).block("hello_single").package_dir() == Path(second_dir)


def _render_one(app, block_name: str) -> str:
    from portal.testing import render_block

    return render_block(app, block_name)
