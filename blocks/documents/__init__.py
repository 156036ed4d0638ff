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


# Reader side (docs-reader) --------------------------------------------------
# Until the admin side's portal_setup_app registers both blueprints, the reader
# side registers its own under hook-specific names (specname), so that the two
# sides' hookimpls never share a function name.

from . import reader as _reader  # noqa: E402
from . import search as _search  # noqa: E402


@hookimpl(specname="portal_setup_app")
def setup_reader(app):
    app.register_blueprint(_reader.bp)


@hookimpl(specname="portal_register_blocks")
def reader_blocks():
    return list(_reader.BLOCKS)


@hookimpl(specname="portal_search_providers")
def reader_search_providers():
    return [_search.PROVIDER]


@hookimpl(specname="portal_compliance_checks")
def reader_compliance_checks():
    return _search.compliance_checks()


@hookimpl(specname="portal_load_demo")
def reader_load_demo(actor):
    from .demo import load_demo

    return load_demo(actor)
