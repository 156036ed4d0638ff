"""The plugin hooks of blockportal.

This module holds the one :class:`pluggy.HookspecMarker` and
:class:`pluggy.HookimplMarker` of the project (project name ``"portal"``) and
every hook specification. Plugins mark their functions with
``@portal.hookimpl`` and implement any subset of the hooks below.

Every hook here is documented in ``docs/plugins/hooks.md`` and exercised by a
test; ``tests/test_hook_docs.py`` fails when either is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flask import Flask

    from portal.blocks import Block
    from portal.content.events import ContentEvent
    from portal.layouts import Layout
    from portal.menus import AdminScreen, MenuItem
    from portal.search import SearchEngine, SearchProvider

PROJECT_NAME = "portal"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def portal_register_blocks() -> list[type[Block]]:
    """Return the block types this plugin provides.

    Called once per app while the block registry is built, after every plugin
    has been loaded and before :func:`portal_setup_app`. Return a list of
    :class:`portal.Block` subclasses (classes, not instances). A block name
    already registered by another plugin stops start-up with an error naming
    both plugins.
    """


@hookspec
def portal_register_layouts() -> list[Layout]:
    """Return the page layouts this plugin provides.

    Called once per app while the registry is built. Return a list of
    :class:`portal.Layout` objects, each naming its regions and its template.
    Layout names must be unique across plugins.
    """


@hookspec
def portal_setup_app(app: Flask) -> None:
    """Extend the Flask app: blueprints, template filters, CLI commands.

    Called once per app at the end of ``create_app``, after the registry is
    built, inside no request. ``app`` is the application being created.
    The return value is ignored.
    """


@hookspec
def portal_content_changed(event: ContentEvent) -> None:
    """React to content being published, unpublished, edited or deleted.

    Called after the change is committed to the database, usually inside
    the app context of the request or command that made it. ``event`` is a
    :class:`portal.ContentEvent` whose ``tags`` name what changed
    (``article:42``, ``category:7``, ``page:3``); the core purges the block
    cache by those tags. The return value is ignored. An exception raised
    here is logged and does not undo the change nor keep the other plugins
    from being called; the event stays pending for this plugin and is
    delivered again later (from any process, with growing waits) until it
    succeeds or, after ``PORTAL_EVENT_MAX_ATTEMPTS``, is shown to admins as
    failed. A handler may therefore see one event more than once.
    """


@hookspec
def portal_template_variables() -> dict[str, Any]:
    """Return extra variables (values or functions) for every template.

    Called once per app while the app is created, after the registry is
    built and before :func:`portal_setup_app`. Return a dict of names to
    values; the names must be Python identifiers and must not replace a
    core template global nor another plugin's variable (the plugin is then
    marked failed with a message naming the clash). The variables are seen
    by site, layout, block and admin templates while the plugin is not
    switched off.
    """


@hookspec
def portal_menu_items(menu: str) -> list[MenuItem]:
    """Return the entries this plugin adds to a reader menu.

    Called each time a menu block renders (the menu is then cached with the
    block), inside the request. ``menu`` names the menu: ``"main"`` is the
    header's category menu. Return a list of :class:`portal.MenuItem`
    (label, URL, order) or an empty list for menus the plugin has nothing
    for. An exception or a wrong value is logged and the menu shows
    without this plugin's entries.
    """


@hookspec
def portal_admin_screens() -> list[AdminScreen]:
    """Return the admin screens this plugin adds to the admin menu.

    Called each time the admin menu is shown, inside the request. Return a
    list of :class:`portal.AdminScreen` (label, endpoint, roles); an entry
    shows only to users with one of its roles and only if its endpoint
    exists. The view itself must check the role too
    (:func:`portal.roles_required`). An exception or a wrong value is logged
    and the menu shows without this plugin's entries.
    """


@hookspec(firstresult=True)
def portal_search_engine(app: Flask) -> SearchEngine | None:
    """Return the search engine this site should use instead of the built-in one.

    Called each time the core needs the engine (a reader's search, indexing a
    content event, ``portal reindex``), inside the app context of ``app``.
    Return an object implementing :class:`portal.SearchEngine` (``index``,
    ``remove``, ``clear``, ``search``), e.g. one talking to OpenSearch, or
    None to leave the choice to the others and finally to the core (SQLite
    FTS5 or PostgreSQL full text, by the database). The first non-None
    result is used. Switched-off plugins are not asked.
    """


@hookspec
def portal_search_providers() -> list[SearchProvider]:
    """Return the content kinds this plugin puts in the search index.

    Called when the index is rebuilt (``portal reindex``), when a content
    event is delivered to the ``search`` consumer and when readers' filters
    are listed. Return a list of :class:`portal.SearchProvider`: a ``kind``
    (unique: a kind already provided is ignored), a reader-facing ``label``,
    the :class:`portal.ContentEvent` ``subject`` whose events concern it, and
    two callables, ``documents()`` (every public object, streamed) and
    ``document(id)`` (one object now, or None to remove it from the index).
    The core provides the ``article`` kind itself.
    """
