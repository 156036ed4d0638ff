"""Legal documents (văn bản): the documents a provincial portal must publish.

Decree 42/2022/NĐ-CP asks a provincial portal to publish the legal and
directing documents of its bodies (type, number, issuer, dates, legal status,
summary, files). This plugin owns their tables (``documents_*``, built by its
own migrations), the admin screens where editors keep them (with the
articles' workflow, revisions and a bulk import) and, on the reader side,
``/van-ban`` with its blocks and its search provider.

This module only wires the hooks; the work is done in the modules it names.
"""

from __future__ import annotations

from portal import AdminScreen, MenuItem, hookimpl

from . import models  # noqa: F401  (the tables exist as soon as the plugin is loaded)

#: The folder of this plugin's migrations; `portal init-db` applies them.
PORTAL_MIGRATIONS = "migrations"

#: The name the plugin is loaded under (its entry point in pyproject.toml).
PLUGIN = "documents"


# Admin side (docs-admin) ----------------------------------------------------


@hookimpl
def portal_menu_items(menu):
    if menu != "main":
        return []
    return [MenuItem(label="Văn bản", url="/van-ban", order=30)]


@hookimpl
def portal_admin_screens():
    return [
        AdminScreen(
            label="Văn bản",
            endpoint="documents_admin.index",
            roles=("admin", "editor", "author"),
        ),
        AdminScreen(
            label="Danh mục văn bản", endpoint="documents_admin.vocabularies", roles=("admin",)
        ),
    ]
