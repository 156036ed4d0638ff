"""The test harness for plugin authors: assert_block_contract and the pytest fixtures."""

from __future__ import annotations

import textwrap

import pytest

from portal.testing import assert_block_contract

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
