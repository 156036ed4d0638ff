"""Template filters and globals available to site and block templates.

Plugins add variables of their own with the ``portal_template_variables``
hook (docs/plugins/hooks.md): asked once per app, checked here, and seen by
every template while the plugin is not switched off.
"""

from __future__ import annotations

import re
from collections import ChainMap
from typing import Any

from flask import Flask
from jinja2 import Template
from jinja2.runtime import Context, new_context

from portal import text
from portal.head_links import head_links
from portal.i18n import current_locale, translate
from portal.plugins import plugins_of
from portal.rendering import site_static_url
from portal.site import (
    absolute_url,
    article_url,
    category_tree,
    category_url,
    home_url,
    media_url,
)

_PLUGIN_VARIABLES = "portal.template_variables"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Names the core passes to its templates: a plugin variable may not hide them.
CORE_CONTEXT_NAMES = frozenset(
    {
        "page",
        "layout",
        "regions",
        "article",
        "category",
        "page_title",
        "page_description",
        "page_meta",
        "assets",
        "viewer",
        "preview",
        "settings",
        "block",
        "placement",
        "region",
        "ctx",
        "request",
        "session",
        "g",
        "config",
        "current_user",
        "admin_menu",
        "block_label",
        "layout_title",
        "region_title",
        "setting_title",
        "csrf_token",
    }
)


class FlatGlobalsTemplate(Template):
    """A template that gives each rendering its globals as one plain dict.

    Jinja keeps a template's globals as a ``ChainMap`` over the environment's and
    copies them into every new context key by key, in Python; a page renders a dozen
    templates, and the copies cost more than some of the blocks. Merged the same way
    (a template's own globals over the environment's) with ``dict.update``, read at
    each rendering, so the globals seen are exactly Jinja's.
    """

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Any = None,
    ) -> Context:
        return new_context(
            self.environment,
            self.name,
            self.blocks,
            vars,
            shared,
            flat_globals(self.globals),
            locals,
        )


def flat_globals(globals: Any) -> Any:
    """A ``ChainMap`` of globals as one dict (the first map wins, as in the ChainMap)."""
    if not isinstance(globals, ChainMap):
        return globals
    flat: dict[str, Any] = {}
    for mapping in reversed(globals.maps):
        flat.update(mapping)
    return flat


def install_template_helpers(app: Flask) -> None:
    tz_name = app.config["PORTAL_TIMEZONE"]

    app.jinja_env.template_class = FlatGlobalsTemplate

    app.jinja_env.add_extension("jinja2.ext.do")
    # Dates and numbers in the page's language: dd/mm/yyyy and 1.234 in Vietnamese.
    app.jinja_env.filters["vn_date"] = lambda value: text.format_date(
        value, tz_name, current_locale()
    )
    app.jinja_env.filters["vn_datetime"] = lambda value: text.format_datetime(
        value, tz_name, current_locale()
    )
    app.jinja_env.filters["long_date"] = lambda value: text.format_long_date(
        value, current_locale()
    )
    app.jinja_env.filters["number"] = lambda value: text.format_number(value, current_locale())
    app.jinja_env.filters["plain_text"] = text.plain_text
    app.jinja_env.globals.update(
        _=translate,
        absolute_url=absolute_url,
        current_locale=current_locale,
        article_url=article_url,
        category_url=category_url,
        home_url=home_url,
        media_url=media_url,
        category_tree=category_tree,
        head_links=head_links,
        site_name=app.config["PORTAL_SITE_NAME"],
        site_tagline=app.config["PORTAL_SITE_TAGLINE"],
        site_static_url=site_static_url,
    )
    _install_plugin_variables(app)


def _install_plugin_variables(app: Flask) -> None:
    """Ask plugins for their template variables once, and show them while each is switched on.

    A plugin that returns anything but a dict of identifiers, or a name the
    core or another plugin already uses, is marked failed with a message
    that names the problem; the app starts without it.
    """
    plugins = plugins_of(app)
    taken: dict[str, str] = {name: "the core" for name in app.jinja_env.globals}
    taken.update(dict.fromkeys(CORE_CONTEXT_NAMES, "the core"))
    by_plugin: dict[str, dict[str, Any]] = {}
    for plugin_name, result in plugins.call_each("portal_template_variables"):
        problem = None
        if not isinstance(result, dict):
            problem = f"expected a dict of names to values, got {type(result).__name__}"
        else:
            for name in result:
                if not isinstance(name, str) or not _IDENTIFIER.match(name):
                    problem = f"{name!r} is not a valid template variable name"
                elif name in taken:
                    problem = f"variable {name!r} is already defined by {taken[name]}"
                if problem:
                    break
        if problem:
            plugins.fail(
                plugin_name, "portal_template_variables returned a wrong value: " + problem
            )
            continue
        by_plugin[plugin_name] = dict(result)
        taken.update(dict.fromkeys(result, f"plugin {plugin_name!r}"))
    app.extensions[_PLUGIN_VARIABLES] = by_plugin
    if not by_plugin:
        return

    @app.context_processor
    def plugin_template_variables() -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for plugin_name, variables in by_plugin.items():
            info = plugins.plugins.get(plugin_name)
            if plugin_name not in plugins.switched_off and info is not None and info.loaded:
                merged.update(variables)
        return merged
