"""Menus an editor builds (header, footer), read by the menu blocks.

A plugin that manages menus (the built-in ``menus``) answers
``portal_site_menu(slug)`` with the published links of that menu; the menu
blocks (``category_menu``, ``footer_menu``) call :func:`site_menu` and fall
back to their own links (the category tree) when no plugin answers, so a site
without a published menu looks as it did before menus existed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from portal.plugins import plugins_of

log = logging.getLogger("portal.site_menus")


@dataclass(frozen=True)
class SiteMenuLink:
    """One link of a published menu: a label, a URL, sub-links (one more level at most).

    ``url`` is a path on the site (``/gioi-thieu``) or an ``http(s)://``
    address; ``new_tab`` asks for ``target="_blank"`` (external links only).
    """

    label: str
    url: str
    new_tab: bool = False
    children: tuple[SiteMenuLink, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SiteMenu:
    """A menu a plugin keeps (``portal_site_menus``): its code, its name, whether it is published.

    A block names it by ``slug`` in its settings (:class:`portal.MenuField`).
    """

    slug: str
    name: str
    published: bool = True

    def describe(self) -> str:
        """How the admin's select shows it: ``Trình đơn chính (header)``, unpublished ones marked."""
        text = f"{self.name} ({self.slug})" if self.name and self.name != self.slug else self.slug
        return text if self.published else f"{text}, chưa xuất bản"


def site_menus() -> list[SiteMenu] | None:
    """Every menu the plugins keep (``portal_site_menus``); None when no plugin implements it."""
    plugins = plugins_of(current_app)
    implementations = plugins.manager.hook.portal_site_menus.get_hookimpls()
    if all(impl.plugin_name in plugins.switched_off for impl in implementations):
        return None
    menus: dict[str, SiteMenu] = {}
    for plugin_name, result in plugins.call_each("portal_site_menus", disable_on_error=False):
        if not isinstance(result, list | tuple) or not all(
            isinstance(menu, SiteMenu) for menu in result
        ):
            log.error(
                "Plugin %r: portal_site_menus must return a list of portal.SiteMenu; got %r — ignored",
                plugin_name,
                result,
            )
            continue
        for menu in result:
            menus.setdefault(menu.slug, menu)
    return list(menus.values())


def _valid(link: Any, depth: int = 1) -> bool:
    return (
        isinstance(link, SiteMenuLink)
        and isinstance(link.label, str)
        and link.label.strip() != ""
        and isinstance(link.url, str)
        and (link.url.startswith("/") or link.url.startswith(("http://", "https://")))
        and not link.url.startswith("//")
        and (depth < 2 or not link.children)
        and all(_valid(child, depth + 1) for child in link.children)
    )


def site_menu(slug: str) -> list[SiteMenuLink] | None:
    """The published links of menu ``slug``, or None when no plugin has that menu published.

    The first plugin that answers wins. A plugin that raises or returns
    anything but a list of :class:`SiteMenuLink` (two levels at most) is
    logged and skipped; the block then draws its own links.
    """
    for plugin_name, result in plugins_of(current_app).call_each(
        "portal_site_menu", disable_on_error=False, slug=slug
    ):
        if result is None:
            continue
        if not isinstance(result, list | tuple) or not all(_valid(link) for link in result):
            log.error(
                "Plugin %r: portal_site_menu must return None or a list of portal.SiteMenuLink "
                "(two levels at most, URLs starting with / or http(s)://); got %r — ignored",
                plugin_name,
                result,
            )
            continue
        return list(result)
    return None
