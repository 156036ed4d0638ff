"""The readers' side: published menus turned into links (``portal_site_menu``).

All published menus are read in one query per request (header and footer
share it); links whose target is gone are left out, so readers never get a
broken link. The blocks that draw them are cached (data set ``menus``).

Turning items into links (each target looked up, each URL built) is kept in
this process, by everything the links are made of (:func:`links_key`): the
items, their targets' slugs, names and paths as this request read them, the
language and the URL prefix. A change made by another process reaches the key
through the rows this request reads, so there is nothing to invalidate; menus
pointing at tags are worked out each time (tags are not read otherwise).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import current_app, g, has_request_context, request

from portal import SiteMenuLink, category_tree, current_locale, page_tree

from .store import published_menus
from .targets import Resolver, offered_plugin_pages

#: Links kept per app: far more than the menus of a site in its languages.
KEPT_LINKS = 64
_KEPT = "menus.links"
_LOCK = threading.Lock()


def published_for_request() -> dict[str, list[dict]]:
    if "menus_published" not in g:
        g.menus_published = published_menus()
    return g.menus_published


def plugin_urls_for_request() -> frozenset[str]:
    """The plugin pages menus may link to (asked of the plugins once per request)."""
    if "menus_plugin_urls" not in g:
        g.menus_plugin_urls = frozenset(target.url for target in offered_plugin_pages())
    return g.menus_plugin_urls


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


def links_key(items: list[dict]) -> tuple[Hashable, ...] | None:
    """Everything the links of ``items`` are made of, as this request sees it: each item's
    own fields and its target's slug, name or path, the language and the URL prefix.
    None when an item points at a tag (tags are not read on a reader's page)."""
    categories, pages = category_tree(), page_tree()

    def item_key(item: dict) -> Hashable:
        kind, target_id, url = item.get("kind"), item.get("target_id"), item.get("url") or ""
        if kind == "category":
            category = categories.get(target_id)
            target = (
                None
                if category is None
                else (category.slug, category.name, getattr(category, "language", "vi"))
            )
        elif kind == "page":
            page = pages.by_id.get(target_id)
            target = None if page is None else (page.path, page.kind, page.title, page.published)
        elif kind == "tag":
            raise LookupError(kind)
        elif kind == "plugin":
            target = url in plugin_urls_for_request()
        else:
            target = None
        children = tuple(item_key(child) for child in item.get("children") or [])
        own = (kind, target_id, url, item.get("label"), bool(item.get("new_tab")))
        return (own, target, children)

    try:
        parts = tuple(item_key(item) for item in items)
        hash(parts)
    except (LookupError, TypeError):  # a tag, or a stored value of an unexpected shape
        return None
    return (current_locale(), request.script_root, parts)


def site_menu_links(slug: str) -> list[SiteMenuLink] | None:
    items = published_for_request().get(slug)
    if items is None:
        return None
    key = links_key(items) if has_request_context() else None
    if key is None:
        return links_of(items)
    kept: OrderedDict = current_app.extensions.setdefault(_KEPT, OrderedDict())
    with _LOCK:
        links = kept.get(key)
        if links is not None:
            kept.move_to_end(key)
            return list(links)
    links = links_of(items)
    with _LOCK:
        kept[key] = tuple(links)
        while len(kept) > KEPT_LINKS:
            kept.popitem(last=False)
    return links
