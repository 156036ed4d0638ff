"""The test harness for plugin authors: assert_block_contract and the pytest fixtures."""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest

import portal.pytest_plugin
import portal.testing
from portal.extensions import db
from portal.models import Placement
from portal.testing import (
    assert_block_contract,
    make_account,
    make_app,
    place_block,
    render_page,
    sample_content,
)

TESTING_DOC = Path(__file__).resolve().parent.parent / "docs" / "plugins" / "testing.md"

pytest_plugins = ["pytester"]


@pytest.fixture
def cases(test_plugin):
    return test_plugin("contract_cases")


def test_a_block_that_keeps_the_contract_passes(cases):
    assert_block_contract(cases.GoodNotice)
    assert_block_contract(cases.Counter)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("BadName", "must be a slug"),
        ("NoLabel", "label is empty"),
        ("MissingTemplate", "nowhere.html"),
        ("TemplateOutsideItsFolder", "must be 'contract_wrong_folder/<file>.html'"),
        ("RequiredSettingWithoutDefault", "default settings do not validate"),
        ("MissingCss", "declares nowhere.css"),
        ("CacheAcrossLanguages", "must vary on the locale"),
        ("ArticleCachedForEveryArticle", "does not vary on it"),
        ("PrintsNone", "printed as 'None'"),
    ],
)
def test_each_broken_rule_is_named(cases, case, message):
    with pytest.raises(AssertionError, match=message):
        assert_block_contract(getattr(cases, case))


def test_a_block_that_raises_shows_its_own_exception(cases):
    with pytest.raises(RuntimeError, match="hỏng khi hiển thị"):
        assert_block_contract(cases.RaisesWhenRendered)


def test_a_name_taken_by_an_installed_block_is_refused(cases):
    class Clash(cases.GoodNotice):
        name = "bulletin_view"
        template = "bulletin_view/view.html"

    with pytest.raises(AssertionError, match="already taken by blocks.bulletin_view"):
        assert_block_contract(Clash)


def test_plugin_authors_fixtures_in_a_pytest_run_of_their_own(pytester, cases):
    """A plugin author's test file, run by pytest with only the installed entry points."""
    pytester.makepyfile(
        textwrap.dedent(
            f"""
            import importlib.util, sys
            import pytest

            spec = importlib.util.spec_from_file_location(
                "author_plugin", {str(cases.__file__)!r},
                submodule_search_locations=[{str(cases.__file__.rsplit("/", 1)[0])!r}],
            )
            author_plugin = importlib.util.module_from_spec(spec)
            sys.modules["author_plugin"] = author_plugin
            spec.loader.exec_module(author_plugin)

            from portal import hookimpl

            class Registers:
                @hookimpl
                def portal_register_blocks(self):
                    return [author_plugin.GoodNotice, author_plugin.RaisesWhenRendered]

            @pytest.fixture
            def portal_plugins():
                return [("author_plugin", Registers())]

            def test_renders_for_readers_and_editors_in_both_languages(portal_render):
                assert "Tin mới nhất" in portal_render("contract_good")
                assert "Latest news" in portal_render("contract_good", locale="en")
                assert "Bắc Kạn" in portal_render("contract_good", editor=True)
                assert ":" not in portal_render("contract_good", article=False)

            def test_strict_mode_shows_the_exception(portal_render):
                with pytest.raises(RuntimeError):
                    portal_render("contract_raises")

            def test_only_the_chosen_plugins_are_loaded(portal_app):
                from portal.plugins import plugins_of
                assert set(plugins_of(portal_app).blocks) == {{"contract_good", "contract_raises"}}

            def test_whole_pages(portal_client, portal_content):
                assert portal_client.get("/").status_code == 200
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_kit_fixtures_in_a_pytest_run_of_their_own(pytester, cases):
    """Signing in, placing a block and rendering pages, as a plugin author's tests do."""
    pytester.makepyfile(
        textwrap.dedent(
            f"""
            import importlib.util, sys
            import pytest

            spec = importlib.util.spec_from_file_location(
                "author_kit_plugin", {str(cases.__file__)!r},
                submodule_search_locations=[{str(cases.__file__.rsplit("/", 1)[0])!r}],
            )
            author_plugin = importlib.util.module_from_spec(spec)
            sys.modules["author_kit_plugin"] = author_plugin
            spec.loader.exec_module(author_plugin)

            from portal import hookimpl
            from portal.testing import place_block, render_page

            class Registers:
                @hookimpl
                def portal_register_blocks(self):
                    return [author_plugin.GoodNotice]

            @pytest.fixture
            def portal_plugins():
                return [("author_kit_plugin", Registers())]

            def test_a_placed_block_shows_on_the_page(portal_app, portal_client, portal_content):
                place_block(portal_app, "/", "main", "contract_good")
                assert "Tin mới nhất" in render_page(portal_client, "/")
                assert "Tin mới nhất" in render_page(portal_client, "/", as_editor=True)

            def test_the_editor_can_open_the_admin(portal_editor_client):
                assert portal_editor_client.get("/admin/").status_code == 200
                assert portal_editor_client.get("/admin/users").status_code == 403

            def test_the_admin_can_open_the_page_editor(portal_admin_client, portal_content):
                response = portal_admin_client.get(f"/admin/pages/{{portal_content['root']}}")
                assert response.status_code == 200
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


@pytest.fixture
def kit_app(cases):
    from portal import hookimpl

    class Registers:
        @hookimpl
        def portal_register_blocks(self):
            return [
                cases.GoodNotice,
                cases.RaisesWhenRendered,
                cases.RequiredSettingWithoutDefault,
                cases.ArticleCachedForEveryArticle,
            ]

    app = make_app(plugins=[("kit_cases", Registers())], autoload=False, strict=False)
    with app.app_context():
        sample_content(blocks=[])
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def placements(app) -> list[tuple]:
    with app.app_context():
        return [
            (p.page_id, p.region, p.position, p.block_name, p.settings)
            for p in db.session.scalars(db.select(Placement).order_by(Placement.id))
        ]


def test_place_block_goes_last_in_the_region_with_clean_settings(kit_app):
    first = place_block(kit_app, "/", "main", "contract_good")
    second = place_block(kit_app, "/", "main", "contract_required", {"title": "  Tiêu đề "})
    assert second > first
    rows = placements(kit_app)
    assert [row[2] for row in rows] == [0, 1]
    assert rows[1][4] == {"title": "  Tiêu đề "}


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("/", "main", "khong_co"), LookupError, "No block named 'khong_co'"),
        (("/khong-co", "main", "contract_good"), LookupError, "there is no page"),
        (("/", "vung_la", "contract_good"), ValueError, "has no region 'vung_la'"),
        (("/", "main", "contract_required", {"title": ""}), ValueError, "Hãy nhập tiêu đề"),
        (("/", "main", "contract_cache_article"), ValueError, "needs \\['article'\\]"),
    ],
)
def test_place_block_refuses_mistakes_clearly_and_places_nothing(kit_app, args, error, message):
    with pytest.raises(error, match=message):
        place_block(kit_app, *args)
    assert placements(kit_app) == []


def test_render_page_as_a_reader_or_as_an_editor(kit_app):
    place_block(kit_app, "/", "main", "contract_raises")
    client = kit_app.test_client()
    assert "bị lỗi" not in render_page(client, "/")
    editor_view = render_page(client, "/", as_editor=True)
    assert "Khối “Thông báo mẫu” (contract_raises) bị lỗi" in editor_view
    # The client is signed in now, but a reader's page is still a reader's.
    assert "bị lỗi" not in render_page(client, "/")
    with pytest.raises(AssertionError, match="answered 404, not 200"):
        render_page(client, "/khong-co-trang-nay")
    assert render_page(client, "/khong-co-trang-nay", status=404)


def test_make_account_reuses_the_account_and_refuses_unknown_roles(kit_app):
    assert make_account(kit_app, "editor") == make_account(kit_app, "editor")
    assert make_account(kit_app, "admin") != make_account(kit_app, "editor")
    with pytest.raises(ValueError, match="unknown role 'chu'"):
        make_account(kit_app, "chu")


def test_the_testing_doc_lists_every_fixture_and_helper():
    text = TESTING_DOC.read_text(encoding="utf-8")
    fixtures = {
        name
        for name, value in vars(portal.pytest_plugin).items()
        if hasattr(value, "_fixture_function_marker")
    }
    assert {"portal_app", "portal_editor_client", "portal_admin_client"} <= fixtures
    helpers = {
        name
        for name, value in vars(portal.testing).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and value.__module__ == "portal.testing"
    }
    assert {"place_block", "render_page", "assert_block_contract"} <= helpers
    documented = set(re.findall(r"`(\w+)", text))
    missing = (fixtures | helpers) - documented
    assert not missing, f"docs/plugins/testing.md does not list {sorted(missing)}"


def _sqlite_schema_and_rows(app) -> tuple[list, int]:
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            schema = sorted(raw.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
            rows = sum(
                raw.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in db.metadata.tables
            )
        finally:
            raw.close()
    return schema, rows


def test_every_sqlite_test_database_is_as_create_all_makes_it():
    """The harness copies a database made once (portal.testing._empty_sqlite): the copy
    has the schema create_all makes, FTS5 tables included, and none of the rows an
    earlier app wrote."""
    first = make_app()
    with first.app_context():
        sample_content()
    second = make_app()
    created = make_app()
    with created.app_context():
        db.drop_all()
        db.create_all()
    copied_schema, copied_rows = _sqlite_schema_and_rows(second)
    created_schema, created_rows = _sqlite_schema_and_rows(created)
    assert copied_schema == created_schema
    assert any("fts5" in (sql or "").lower() for _kind, _name, sql in copied_schema)
    assert copied_rows == created_rows == 0
