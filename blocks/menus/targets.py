"""What a menu item can point at, and where each target is now (or that it is gone).

Categories, pages and tags are stored by id: the URL follows a renamed slug
or a moved page, and an item whose label was left empty shows the target's
name as it is now (a renamed category is renamed in the menu too). Plugin pages are the URLs that enabled plugins offer through
``portal_menu_items``; a plugin switched off takes its pages out of the menus.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import has_request_context, request

from portal import (
    Tag,
    category_tree,
    category_url,
    db,
    home_url,
    menu_items,
    page_tree,
    tag_url,
)

#: The menus of ``portal_menu_items`` whose entries the manager offers as plugin pages.
OFFERED_MENUS = ("main", "footer")

#: Kinds whose items show the target's current name when their label is left empty.
NAMED_KINDS = ("category", "page", "tag")

#: Page kinds that have an address of their own (the others are templates).
ADDRESSED_PAGE_KINDS = ("home", "static", "search")


@dataclass(frozen=True)
class Target:
    """A target the manager offers: its kind, id or URL, and what the editor reads."""

    kind: str
    label: str
    target_id: int | None = None
    url: str = ""

    @property
    def key(self) -> str:
        """The value of the target's option in the form: ``category:3``, ``plugin:/van-ban``."""
        return f"{self.kind}:{self.target_id if self.target_id is not None else self.url}"


def offered_plugin_pages() -> list[Target]:
    """The pages enabled plugins offer (``portal_menu_items``), one per URL."""
    seen: dict[str, Target] = {}
    for menu in OFFERED_MENUS:
        for entry in menu_items(menu):
            if entry.url.startswith("/") and entry.url not in seen:
                seen[entry.url] = Target("plugin", entry.label, url=entry.url)
    return list(seen.values())


def addressed_pages() -> list:
    """Pages readers reach at an address of their own (home, static, search), by path."""
    pages = [
        page
        for page in page_tree().by_id.values()
        if page.path and page.kind in ADDRESSED_PAGE_KINDS
    ]
    return sorted(pages, key=lambda page: page.path)


def page_link(page) -> str:
    return home_url() if page.kind == "home" and page.path == "/" else site_path(page.path)


def site_path(path: str) -> str:
    """A path of the site (``/gioi-thieu``) as a link: under the prefix the portal is
    served at (``SCRIPT_NAME``, e.g. ``/cong``), as ``url_for`` makes every other link."""
    return (request.script_root if has_request_context() else "") + path


def offered_targets() -> dict[str, list[Target]]:
    """Every target an editor can pick, grouped by kind (the lists of the add form)."""
    tree = category_tree()
    categories: list[Target] = []

    def walk(parent_id, depth):
        for category in tree.children.get(parent_id, []):
            categories.append(Target("category", "— " * depth + category.name, category.id))
            walk(category.id, depth + 1)

    walk(None, 0)
    pages = [Target("page", f"{page.title} ({page.path})", page.id) for page in addressed_pages()]
    tags = [
        Target("tag", tag.name, tag.id)
        for tag in db.session.scalars(db.select(Tag).order_by(Tag.name, Tag.id))
    ]
    return {
        "category": categories,
        "page": pages,
        "tag": tags,
        "plugin": offered_plugin_pages(),
    }


def is_web_address(url: str) -> bool:
    """An absolute http(s) address with a host (what an external item may point at)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


class Resolver:
    """Finds where items point now; loads tags only when an item points at one (one query)."""

    def __init__(self, items: list[dict]) -> None:
        self.categories = category_tree()
        self.pages = page_tree()
        self.plugin_urls = {target.url for target in offered_plugin_pages()}
        tag_ids = {item.get("target_id") for item in _walk(items) if item.get("kind") == "tag"}
        self.tags = {}
        if tag_ids:
            query = db.select(Tag).where(Tag.id.in_([tid for tid in tag_ids if tid is not None]))
            self.tags = {tag.id: tag for tag in db.session.scalars(query)}

    def label_of(self, item: dict) -> str:
        """The item's label, or (left empty) its target's name now; call after :meth:`url_of`."""
        if item.get("label"):
            return item["label"]
        kind, target_id = item.get("kind"), item.get("target_id")
        if kind == "category":
            return self.categories.get(target_id).name
        if kind == "page":
            return self.pages.by_id[target_id].title
        if kind == "tag":
            return self.tags[target_id].name
        return item.get("url") or ""

    def url_of(self, item: dict) -> str | None:
        """The item's URL now, or None when its target no longer exists (or is switched off,
        or is a page taken off the site)."""
        kind, target_id, url = item.get("kind"), item.get("target_id"), item.get("url") or ""
        if kind == "category":
            category = self.categories.get(target_id)
            return category_url(category) if category is not None else None
        if kind == "page":
            page = self.pages.by_id.get(target_id)
            if (
                page is None
                or not page.path
                or page.kind not in ADDRESSED_PAGE_KINDS
                or not page.published
            ):
                return None
            return page_link(page)
        if kind == "tag":
            tag = self.tags.get(target_id)
            return tag_url(tag) if tag is not None else None
        if kind == "plugin":
            return site_path(url) if url in self.plugin_urls else None
        if kind == "external":
            return url if is_web_address(url) else None
        return None


def follows_target_name(kind: str) -> bool:
    """Whether an item of this kind may leave its label empty to show its target's name."""
    return kind in NAMED_KINDS


def target_name(kind: str, target_id: int | None) -> str | None:
    """The current name of a category, page or tag (None: another kind, or gone)."""
    if kind == "category":
        category = category_tree().get(target_id)
        return category.name if category is not None else None
    if kind == "page":
        page = page_tree().by_id.get(target_id)
        return page.title if page is not None else None
    if kind == "tag" and target_id is not None:
        tag = db.session.get(Tag, target_id)
        return tag.name if tag is not None else None
    return None


def shown_label(entry) -> str:
    """What the manager calls a draft item: its label, or its target's current name."""
    if entry.label:
        return entry.label
    return target_name(entry.kind, entry.target_id) or "(mục đích đã bị xóa)"


def _walk(items: list[dict]):
    for item in items:
        yield item
        yield from _walk(item.get("children") or [])
