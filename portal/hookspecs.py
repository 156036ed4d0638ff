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
    from portal.compliance import ComplianceCheck
    from portal.content.events import ContentEvent
    from portal.content.unit_of_work import Actor
    from portal.head_links import HeadLink
    from portal.layouts import Layout
    from portal.menus import AdminScreen, MenuItem
    from portal.models import Article, Category, Page
    from portal.organization import SiteOrganization
    from portal.search import SearchEngine, SearchProvider
    from portal.site_menus import SiteMenu, SiteMenuLink

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


@hookspec
def portal_head_links(
    page: Page, article: Article | None, category: Category | None, tag: Any | None
) -> list[HeadLink]:
    """Return the ``<link>`` elements this plugin adds to the head of a reader page.

    Called each time a reader page is drawn (with its blocks, inside the
    request; editors' views and previews included). ``page`` is the portal
    page shown; ``article``, ``category`` and ``tag`` are what it shows (or
    None). Return a list of :class:`portal.HeadLink` (rel, href, type,
    title), e.g. the feeds of the category shown, or an empty list. An
    exception or a wrong value is logged and the page shows without this
    plugin's links.
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


@hookspec
def portal_compliance_checks() -> list[ComplianceCheck]:
    """Return the legal requirements this plugin meets, each with whether it is met now.

    Called each time the admin's compliance page is shown (inside the request)
    and by ``portal compliance``. Return a list of :class:`portal.ComplianceCheck`
    (key, label, reference, met, detail, fix_url, order), computed from the
    site's configuration and content as they are now, e.g. "legal documents:
    met, 32 published". The first check of a key wins. An exception or a wrong
    value is logged and the page shows without this plugin's checks.
    """


@hookspec
def portal_load_demo(actor: Actor) -> str | None:
    """Add this plugin's sample content to the demo site.

    Called by ``portal setup`` and ``portal load-demo`` after the core's demo
    content, inside the demo's unit of work (a ``unit_of_work(actor)`` of the
    plugin joins it). ``actor`` is the demo's system actor ("Nội dung mẫu").
    Add only what is missing, so that loading twice changes nothing. Return a
    short Vietnamese summary of what was added (``"32 văn bản"``) or None. An
    exception is logged and this plugin's additions are rolled back; the rest
    of the demo still loads.
    """


@hookspec
def portal_site_organization() -> SiteOrganization | None:
    """Return the organisation that runs the site (name, address, contacts, leaders), or None.

    Called at most once per request, when something speaks of the site's
    organisation: the JSON-LD of the home page (``GovernmentOrganization``)
    and blocks that call :func:`portal.site_organization` (the footer).
    Return a :class:`portal.SiteOrganization`, or None when this plugin does
    not know it. The first plugin that answers wins. Answer from a cache (the
    call must be cheap); bump the data set ``portal.ORGANIZATION_DATA_SET``
    when the answer changes. An exception or a wrong value is logged and the
    next plugin is asked.
    """


@hookspec
def portal_site_menu(slug: str) -> list[SiteMenuLink] | None:
    """Return the published links of the menu named ``slug``, or None if this plugin has none.

    Called each time a menu block renders (the menu is then cached with the
    block), inside the request: ``category_menu`` asks for its ``menu``
    setting (``"header"`` by default), ``footer_menu`` for ``"footer"``.
    Return a list of :class:`portal.SiteMenuLink` (label, URL, new tab,
    children: two levels at most), leaving out links whose target no longer
    exists, or None when the menu is not published; the first answer that is
    not None wins. An exception or a wrong value is logged and the block draws
    its own links (the category tree) as if no menu were published.
    """


@hookspec
def portal_site_menus() -> list[SiteMenu]:
    """Return the menus this plugin keeps, for the page editor to offer by name.

    Called when the admin shows or saves the settings of a block with a menu
    setting (:class:`portal.setting_fields.MenuField`, e.g. ``category_menu``'s
    "Trình đơn") and when the editor's cards name the chosen menu. Return a list
    of :class:`portal.SiteMenu` (code, name, whether it is published), possibly
    empty. The lists of every plugin are joined (the first plugin naming a code
    wins). When no plugin implements it any code is accepted. An exception is
    logged and that plugin's menus are left out.
    """


@hookspec
def portal_content_security_policy() -> dict[str, list[str]]:
    """Return origins to allow-list in the Content-Security-Policy header.

    Called for every response (keep it cheap: read settings, no query), when
    the security headers are added. Return a dict from a directive,
    ``"script-src"`` or ``"frame-src"``, to a list of sources, each an
    ``https://host`` origin (optional port) or a host wildcard
    ``https://*.example.gov.vn``; e.g. ``{"frame-src":
    ["https://www.youtube-nocookie.com"]}``. Sources are checked
    (:func:`portal.check_csp_source`): a bad one, or another directive, is
    logged and left out. With no plugin adding anything the header is the
    portal's strict default.
    """


@hookspec
def portal_kept_page_served(environ: dict[str, Any], content_type: str) -> None:
    """Note a page answered whole from the page cache, ahead of the app.

    A reader's page kept whole (:mod:`portal.page_cache`) is answered before
    Flask builds a request: no route, ``before_request`` or ``after_request``
    function runs for it, so a plugin that counts or logs reader requests in
    an ``after_request`` function implements this hook too. Called once per
    page sent (not for a 304: the reader's copy was still good), in the app context, with no request
    context; ``environ`` is the request's WSGI environ (after the proxy
    headers were applied: ``REMOTE_ADDR`` is the reader's) and
    ``content_type`` the page's ``Content-Type``. Keep it cheap: it is on the
    path of every cache hit. An exception is logged; the reader still gets
    the page. The return value is ignored.
    """
