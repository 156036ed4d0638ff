"""The readers' side: published menus turned into links (``portal_site_menu``).

All published menus are read in one query per request (header and footer
share it); links whose target is gone are left out, so readers never get a
broken link. The blocks that draw them are cached (data set ``menus``).
"""

from __future__ import annotations

from flask import g

from portal import SiteMenuLink

from .store import published_menus
from .targets import Resolver


def published_for_request() -> dict[str, list[dict]]:
    if "menus_published" not in g:
        g.menus_published = published_menus()
    return g.menus_published


def links_of(items: list[dict]) -> list[SiteMenuLink]:
    """The items that still lead somewhere, as links (a parent whose target is gone goes
    with its children: readers could not reach them from the menu they belong to)."""
    resolver = Resolver(items)
    links = []
    for item in items:
        url = resolver.url_of(item)
        if url is None:
            continue
        children = []
        for child in item.get("children") or []:
            child_url = resolver.url_of(child)
            if child_url is not None:
                children.append(
                    SiteMenuLink(resolver.label_of(child), child_url, bool(child.get("new_tab")))
                )
        links.append(
            SiteMenuLink(resolver.label_of(item), url, bool(item.get("new_tab")), tuple(children))
        )
    return links


def site_menu_links(slug: str) -> list[SiteMenuLink] | None:
    items = published_for_request().get(slug)
    return None if items is None else links_of(items)
