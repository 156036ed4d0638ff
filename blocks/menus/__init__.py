"""Menus: a menu manager for editors, read by the header and footer menu blocks.

Editors build named menus (``header``, ``footer``, ``header-en``) whose items
point at categories, pages, tags, plugin pages or external links, edit a
draft, and publish it (undo brings the previous version back). Readers get
the published menu through ``portal_site_menu``; items whose target is gone
are left out. The plugin owns its tables (migrations in ``migrations/``).
"""

from __future__ import annotations

from portal import AdminScreen, ContentEvent, SiteMenu, bump_data_version, hookimpl

from . import admin, compliance, store
from .blocks import FooterMenu
from .reader import site_menu_links

#: The folder of this plugin's migrations; ``portal init-db`` applies them.
PORTAL_MIGRATIONS = "migrations"

PLUGIN = "menus"


@hookimpl
def portal_register_blocks():
    return [FooterMenu]


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(admin.bp)


@hookimpl
def portal_admin_screens():
    return [AdminScreen(label="Trình đơn", endpoint="menus_admin.index", roles=admin.MENU_EDITORS)]


@hookimpl
def portal_site_menu(slug):
    return site_menu_links(slug)


@hookimpl
def portal_compliance_checks():
    return compliance.compliance_checks()


# Last, so that the pages other plugins add to the demo (/en, ...) can be linked.
@hookimpl(trylast=True)
def portal_load_demo(actor):
    from . import demo  # the demo's data: only when the demo is loaded

    return demo.load_demo(actor)


@hookimpl
def portal_content_changed(event: ContentEvent):
    """A deleted page or tag may be a menu's target: draw the menus again without it.

    (A deleted category purges the menus already: they carry the ``categories`` tag.)
    """
    if event.action == "deleted" and event.subject in ("page", "tag"):
        bump_data_version(
            store.DATA_SET, reason=f"{event.subject} {event.subject_id} deleted", plugin=PLUGIN
        )


@hookimpl
def portal_site_menus():
    """The menus editors build, for the menu blocks' "Trình đơn" select."""
    published = store.published_menus()
    return [
        SiteMenu(menu.slug, menu.title, published=menu.slug in published)
        for menu in store.all_menus()
    ]
