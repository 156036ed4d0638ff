"""Pages, menu entries and admin screens of plugins (docs/plugins/pages.md).

* :func:`render_portal_page` renders a plugin's HTML as the main content of a
  real portal page: the layout, header, menu, footer and inherited blocks of
  the page tree, the same caching and error isolation as every reader page.
* :class:`MenuItem` is what ``portal_menu_items`` returns; the menu blocks
  read them with :func:`menu_items`.
* :class:`AdminScreen` is what ``portal_admin_screens`` returns; the admin
  menu reads them with :func:`admin_screens`.

Hooks are called with :meth:`portal.plugins.PluginSet.call_each`: a plugin
switched off is not asked, and one that raises or returns a wrong value is
logged and left out; the page or menu still shows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask import current_app
from markupsafe import Markup

from portal.menus import AdminScreen, MenuItem
from portal.plugins import plugins_of

if TYPE_CHECKING:
    from portal.blocks import Block

log = logging.getLogger("portal.plugin_pages")

#: The menus whose blocks ask plugins for entries (``portal_menu_items(menu)``).
MENUS = ("main",)


def _valid_menu_item(item: Any) -> bool:
    return (
        isinstance(item, MenuItem)
        and isinstance(item.label, str)
        and item.label.strip() != ""
        and isinstance(item.url, str)
        and (item.url.startswith("/") or item.url.startswith(("http://", "https://")))
        and not item.url.startswith("//")
        and isinstance(item.order, int)
    )


def menu_items(menu: str = "main") -> list[MenuItem]:
    """The entries plugins add to ``menu``, in display order.

    A plugin that raises or returns anything but a list of valid
    :class:`MenuItem` is logged (with what was wrong) and left out.
    """
    plugins = plugins_of(current_app)
    items: list[MenuItem] = []
    for plugin_name, result in plugins.call_each(
        "portal_menu_items", disable_on_error=False, menu=menu
    ):
        if result is None:
            continue
        if not isinstance(result, list | tuple) or not all(_valid_menu_item(i) for i in result):
            log.error(
                "Plugin %r: portal_menu_items must return a list of portal.MenuItem with a "
                "label and a URL starting with / or http(s)://; got %r — its entries are left out",
                plugin_name,
                result,
            )
            continue
        items.extend(result)
    return sorted(items, key=lambda item: (item.order, item.label))


def admin_screens() -> list[AdminScreen]:
    """The admin screens of plugins whose endpoints exist, in the order plugins give them."""
    plugins = plugins_of(current_app)
    screens: list[AdminScreen] = []
    for plugin_name, result in plugins.call_each("portal_admin_screens", disable_on_error=False):
        if result is None:
            continue
        if not isinstance(result, list | tuple) or not all(
            isinstance(s, AdminScreen)
            and isinstance(s.label, str)
            and isinstance(s.roles, list | tuple)
            for s in result
        ):
            log.error(
                "Plugin %r: portal_admin_screens must return a list of portal.AdminScreen; "
                "got %r — its screens are left out of the admin menu",
                plugin_name,
                result,
            )
            continue
        for screen in result:
            if screen.endpoint not in current_app.view_functions:
                log.error(
                    "Plugin %r: admin screen %r names endpoint %r, which does not exist "
                    "(register the blueprint in portal_setup_app); left out of the admin menu",
                    plugin_name,
                    screen.label,
                    screen.endpoint,
                )
                continue
            screens.append(screen)
    return screens


def roles_required(*roles: str):
    """Decorate a plugin's admin view: signed-out visitors sign in, other roles get 403.

    The same guard as the core admin screens use; roles are ``"admin"``,
    ``"editor"`` and ``"author"``.
    """
    from portal.web.admin.access import roles_required as core_roles_required

    return core_roles_required(*roles)


def keeps_typing_when_expired(view):
    """Mark a plugin's form view: when its form's token expired, it is called again with
    :func:`form_expired` true and must show the form as typed, save nothing (see
    :func:`admin_error_pages`, which the view's blueprint needs)."""
    from portal.web.admin.access import keeps_typing_when_expired as core_keeps_typing

    return core_keeps_typing(view)


def form_expired() -> bool:
    """True while a view marked :func:`keeps_typing_when_expired` re-shows an expired form."""
    from portal.web.admin.access import form_expired as core_form_expired

    return core_form_expired()


def admin_error_pages(blueprint) -> None:
    """Give a plugin's admin blueprint the admin's 400 and 403 pages (in the admin's frame,
    in Vietnamese), and with them :func:`keeps_typing_when_expired`."""
    from portal.web.admin.access import bad_request, forbidden

    blueprint.register_error_handler(403, forbidden)
    blueprint.register_error_handler(400, bad_request)


def _normal_path(path: str) -> str:
    return "/" + path.strip("/")


def render_portal_page(
    main_html: str,
    *,
    title: str,
    path: str | None = None,
    description: str = "",
    assets_of: Sequence[type[Block]] = (),
) -> str:
    """A whole reader page whose main region starts with ``main_html``.

    ``main_html`` is trusted HTML, usually what ``render_template`` returned
    for the plugin's own template (escape reader input there, as Jinja does).
    ``path`` (the request's path by default) places the page in the page
    tree: if an admin made a page at that path, it is used with its own
    blocks; otherwise the page is a child of the nearest page up the path
    (``/a/b`` → ``/a`` → ``/``), whose layout and inherited blocks (header,
    menu, footer, sidebar) it shows; inherited ``main`` blocks are not shown,
    the main region is the plugin's. ``title`` is the page's ``<h1>`` and
    ``<title>``; ``description`` its meta description. ``assets_of`` names
    block types whose CSS and JS files the page links (the plugin's own
    stylesheet, shipped with one of its blocks), as if they were placed on it.
    """
    from flask import request

    from portal.models import Page
    from portal.rendering import load_placements, render_page
    from portal.site import page_tree

    path = _normal_path(path if path is not None else request.path)
    plugins = plugins_of(current_app)

    def has_main(layout_name: str) -> bool:
        # The plugin's content goes in the main region: a layout without one would lose it.
        layout = plugins.layout(layout_name)
        return layout is not None and "main" in layout.region_names

    tree = page_tree()
    page = tree.by_path(path)
    anchor = None
    if page is not None and not has_main(page.layout):
        page, anchor = None, page
    if page is None:
        probe = path
        while anchor is None and probe != "/":
            probe = _normal_path(probe.rsplit("/", 1)[0])
            anchor = tree.by_path(probe)
        anchor = anchor or tree.root
        layout = anchor.layout if anchor is not None else "one_column"
        # A page that is never stored (never added to the session): it only places the
        # plugin's content in the tree, for the layout and the inherited blocks.
        page = Page(
            kind="plugin",
            title=title,
            path=path,
            layout=layout if has_main(layout) else "one_column",
            parent_id=anchor.id if anchor is not None else None,
            blocked_regions=["main"],
        )
    chain_ids = [p.id for p in tree.ancestors(page)]
    if page.id is not None:
        chain_ids.append(page.id)
    return render_page(
        page,
        title=title,
        description=description,
        placements_by_page=load_placements(chain_ids),
        region_html={"main": Markup(main_html)},
        assets_of=assets_of,
    )
