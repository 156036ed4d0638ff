"""pytest fixtures for block plugin authors.

Installed with blockportal and loaded by pytest automatically (entry point
``pytest11``). Tell the fixtures which plugins to load, either per test::

    @pytest.mark.portal_plugins(my_block_plugin)
    def test_something(portal_render): ...

or for a whole folder, in ``conftest.py``::

    @pytest.fixture
    def portal_plugins():
        return [my_block_plugin]

Entries are plugin modules (or ``(name, module)`` pairs). Entry points are
not loaded (only the standard layouts and what you list) unless the
``portal_autoload`` fixture returns True. Strict mode is on: a block that
raises makes the test fail with its own exception.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal.extensions import db
from portal.testing import make_account, make_app, render_block, sample_content, signed_in_client


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "portal_plugins(*plugins): plugin modules the portal_app fixture loads"
    )


def _as_pairs(plugins) -> list[tuple[str, Any]]:
    pairs = []
    for plugin in plugins:
        if isinstance(plugin, tuple):
            pairs.append(plugin)
        else:
            name = getattr(plugin, "__name__", type(plugin).__name__).rsplit(".", 1)[-1]
            pairs.append((name, plugin))
    return pairs


@pytest.fixture
def portal_plugins(request) -> list:
    """The plugins to load: from the ``portal_plugins`` marker, else none."""
    marker = request.node.get_closest_marker("portal_plugins")
    return list(marker.args) if marker else []


@pytest.fixture
def portal_autoload() -> bool:
    """Return True (override this fixture) to also load every installed plugin."""
    return False


@pytest.fixture
def portal_app(portal_plugins, portal_autoload, tmp_path):
    """A portal app with the chosen plugins, a throw-away database, strict blocks."""
    app = make_app(
        plugins=_as_pairs(portal_plugins),
        autoload=portal_autoload,
        instance_path=str(tmp_path / "portal-instance"),
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def portal_migrations(portal_app) -> list[str]:
    """Build the tables of every loaded plugin that ships migrations from those migrations.

    The test database is first built from the models; this replaces each such
    plugin's tables with what its migrations build (as ``portal init-db`` does on
    a site), on SQLite and PostgreSQL alike. Returns the plugins migrated.
    """
    from portal.plugin_data import loaded_plugin_objects, migrations_of, run_plugin_migrations

    with portal_app.app_context():
        names = [
            name
            for name, plugin in loaded_plugin_objects(portal_app).items()
            if migrations_of(name, plugin) is not None
        ]
    for name in names:
        run_plugin_migrations(portal_app, name)
    return names


@pytest.fixture
def portal_content(portal_app) -> dict[str, int]:
    """Sample content: a category, a published article and its pages (ids by name)."""
    with portal_app.app_context():
        return {name: obj.id for name, obj in sample_content(blocks=[]).items()}


@pytest.fixture
def portal_client(portal_app):
    """A test client for whole pages of ``portal_app``."""
    return portal_app.test_client()


@pytest.fixture
def portal_editor_client(portal_app):
    """A test client signed in as an editor (the account ``editor@example.org``)."""
    return signed_in_client(portal_app, make_account(portal_app, "editor"))


@pytest.fixture
def portal_admin_client(portal_app):
    """A test client signed in as an administrator (``admin@example.org``): the admin screens."""
    return signed_in_client(portal_app, make_account(portal_app, "admin"))


@pytest.fixture
def portal_render(portal_app, portal_content):
    """``portal_render(name, settings, editor=False, locale="vi", article=True)`` → HTML.

    Renders the block on the sample article page, with the sample article and
    its category when ``article`` is true.
    """
    from portal.models import Article, Category, Page

    def render(
        block: str,
        settings: dict[str, Any] | None = None,
        *,
        editor: bool = False,
        locale: str = "vi",
        article: bool = True,
    ) -> str:
        with portal_app.app_context():
            return render_block(
                portal_app,
                block,
                settings,
                article=db.session.get(Article, portal_content["article"]) if article else None,
                category=db.session.get(Category, portal_content["category"]) if article else None,
                page=db.session.get(Page, portal_content["article_page"]),
                is_editor=editor,
                locale=locale,
            )

    return render
