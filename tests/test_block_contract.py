"""The contract every block type must keep, checked for each block of a default app.

The list of blocks is read from a freshly built app when the tests are
collected, so a block added later (built-in or installed) is covered without
touching this file.
"""

from __future__ import annotations

import pytest
from wtforms import Form

from portal.blocks import NEEDS, VARY_KEYS, Block, CachePolicy
from portal.extensions import db
from portal.models import Article, Category, Page
from portal.plugins import BLOCK_NAME_RE, plugins_of
from portal.testing import (
    MAX_CACHE_TIMEOUT,
    assert_block_contract,
    assert_well_formed,
    make_app,
    render_block,
    sample_content,
)


def registered_block_names() -> list[str]:
    return sorted(plugins_of(make_app()).blocks)


BLOCK_NAMES = registered_block_names()


@pytest.fixture(scope="module")
def contract_app():
    app = make_app()
    with app.app_context():
        ids = {name: obj.id for name, obj in sample_content().items()}
    yield app, ids
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=BLOCK_NAMES)
def block(request, contract_app) -> Block:
    app, _ids = contract_app
    return plugins_of(app).block(request.param)


def test_a_default_app_has_blocks():
    assert {"bulletin_toolbar", "bulletin_view"} <= set(BLOCK_NAMES)


def test_names_are_unique_valid_slugs(block, contract_app):
    app, _ = contract_app
    assert BLOCK_NAME_RE.match(block.name)
    registry = plugins_of(app)
    assert registry.blocks[block.name] is block
    owner = registry.plugins[registry.block_plugins[block.name]]
    assert owner.loaded
    assert owner.blocks.count(block.name) == 1


def test_no_two_blocks_share_a_template(contract_app):
    app, _ = contract_app
    templates = [block.template for block in plugins_of(app).blocks.values()]
    assert len(templates) == len(set(templates))


def test_label_description_and_group_are_present(block):
    for attribute in ("label", "description", "group"):
        value = getattr(block, attribute)
        assert isinstance(value, str) and value.strip(), f"{block.name}.{attribute} is empty"
    assert block.label != block.name, "the label is for people: write it in Vietnamese"


def test_template_follows_the_convention_and_loads(block, contract_app):
    app, _ = contract_app
    assert block.template.startswith(f"{block.name}/"), (
        "templates live in <plugin>/templates/<block name>/ so plugins never shadow each other"
    )
    template = app.jinja_env.get_template(block.template)
    assert template.filename.startswith(str(block.templates_dir()))


def test_default_settings_validate(block):
    assert issubclass(block.settings_form, Form)
    defaults = block.default_settings()
    clean, errors = block.validate_settings(defaults)
    assert errors == {}
    assert clean == defaults, "stored defaults must survive validation unchanged"


def test_declared_static_files_exist(block):
    for filename in (*block.css, *block.js):
        path = block.static_dir() / filename
        assert path.is_file(), f"{block.name} declares {filename}, missing at {path}"
    for filename in block.css:
        assert filename.endswith(".css")
    for filename in block.js:
        assert filename.endswith(".js")


def test_cache_policy_is_sane(block):
    policy = block.cache
    assert isinstance(policy, CachePolicy)
    assert 0 <= policy.timeout <= MAX_CACHE_TIMEOUT
    assert policy.vary_on <= VARY_KEYS
    assert block.needs <= NEEDS
    if policy.timeout:
        assert "locale" in policy.vary_on, "cached HTML must not cross languages"
        for need in block.needs:
            # Cached for one article, shown for another: the classic cache bug.
            assert need in policy.vary_on, f"{block.name} needs {need} but does not vary on it"
            assert need in policy.tags, f"{block.name} needs {need} but is not purged with it"


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_renders_with_sample_content(block, contract_app, locale):
    app, ids = contract_app
    with app.app_context():
        html = render_block(
            app,
            block.name,
            article=db.session.get(Article, ids["article"]),
            category=db.session.get(Category, ids["category"]),
            page=db.session.get(Page, ids["article_page"]),
            locale=locale,
        )
    assert isinstance(html, str)
    assert_well_formed(html)
    assert "None" not in html, "a missing value was printed as None"


def test_render_block_renders_in_the_requested_language(contract_app):
    app, ids = contract_app
    with app.app_context():
        article = db.session.get(Article, ids["article"])
        english = render_block(app, "bulletin_toolbar", article=article, locale="en")
        vietnamese = render_block(app, "bulletin_toolbar", article=article)
    assert "Larger text" in english and "Tăng cỡ chữ" not in english
    assert "Tăng cỡ chữ" in vietnamese


def test_the_harness_accepts_every_registered_block(block, contract_app):
    """What plugin authors run on their block holds for ours."""
    app, _ = contract_app
    assert_block_contract(type(block), app=make_app())
