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

import importlib

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


@hookimpl
def portal_setup_app(app):
    from .admin import bp as admin_bp
    from .cli import documents_cli

    app.register_blueprint(admin_bp)
    reader = _reader_module("reader")
    if reader is not None:
        app.register_blueprint(reader.bp)
    portal_group = app.cli.commands.get("portal")
    if portal_group is not None:
        portal_group.add_command(documents_cli)


# Reader side (docs-reader): reader.py (bp, BLOCKS), search.py (PROVIDER,
# compliance_checks), demo.py (load_demo). Each is used once its module exists.


def _reader_module(name: str):
    """``blocks.documents.<name>``, or None while that module is not written yet."""
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        return None


@hookimpl
def portal_register_blocks():
    reader = _reader_module("reader")
    return list(reader.BLOCKS) if reader else []


@hookimpl
def portal_search_providers():
    search = _reader_module("search")
    return [search.PROVIDER] if search else []


@hookimpl
def portal_compliance_checks():
    search = _reader_module("search")
    return list(search.compliance_checks()) if search else []


@hookimpl
def portal_load_demo(actor):
    demo = _reader_module("demo")
    return demo.load_demo(actor) if demo else None
