"""The demo's menus: header, footer and the English header (contract of issue 11).

Targets are found by category slug, page path or plugin URL; a target the
site does not have (a plugin not installed, the English pages before they
exist) is skipped. A menu that already exists is left as the editors made it.
"""

from __future__ import annotations

from portal import Actor, category_tree, page_tree, unit_of_work

from . import store
from .targets import ADDRESSED_PAGE_KINDS, offered_plugin_pages

#: What each demo menu links to, in order: (label, "category:<slug>" | path[, children]);
#: an empty label shows the category's name.
#: ``"categories"`` stands for every top Vietnamese category with its sub-categories.
DEMO_MENUS = {
    "header": (
        "Menu chính",
        [
            ("Trang chủ", "/"),
            ("", "categories"),
            ("Văn bản", "/van-ban"),
            ("Hỏi đáp", "/hoi-dap"),
            ("Giới thiệu", "/gioi-thieu", [("Cơ cấu tổ chức", "/co-cau-to-chuc")]),
            ("Liên hệ", "/lien-he"),
            ("English", "/en"),
        ],
    ),
    "footer": (
        "Menu chân trang",
        [
            ("Giới thiệu", "/gioi-thieu"),
            ("Cơ cấu tổ chức", "/co-cau-to-chuc"),
            ("Liên hệ", "/lien-he"),
            ("Sơ đồ trang", "/so-do-trang"),
            ("Nguồn tin RSS", "/nguon-tin-rss"),
            ("Văn bản", "/van-ban"),
            ("Hỏi đáp", "/hoi-dap"),
            ("Tìm kiếm", "/tim-kiem"),
        ],
    ),
    "header-en": (
        "Main menu (English)",
        [
            ("Home", "/en"),
            ("", "category:news"),
            ("", "category:investment"),
            ("", "category:tourism"),
            ("About", "/en/about"),
            ("Contact", "/en/contact"),
            ("Search", "/en/search"),
            ("Tiếng Việt", "/"),
        ],
    ),
    "footer-en": (
        "Footer menu (English)",
        [
            ("About", "/en/about"),
            ("Contact", "/en/contact"),
            ("Search", "/en/search"),
            ("Tiếng Việt", "/"),
        ],
    ),
}


def _target(spec: str) -> dict | None:
    """The item fields for a demo target, or None when the site does not have it."""
    if spec.startswith("category:"):
        category = category_tree().by_slug(spec.removeprefix("category:"))
        return {"kind": "category", "target_id": category.id, "url": ""} if category else None
    page = next(
        (
            page
            for page in page_tree().by_id.values()
            if page.path == spec and page.kind in ADDRESSED_PAGE_KINDS
        ),
        None,
    )
    if page is not None:
        return {"kind": "page", "target_id": page.id, "url": ""}
    if spec in {target.url for target in offered_plugin_pages()}:
        return {"kind": "plugin", "target_id": None, "url": spec}
    return None


def _add(actor: Actor, menu, label: str, target: dict, parent_id=None):
    return store.add_item(actor, menu, parent_id=parent_id, label=label, new_tab=False, **target)


def load_demo(actor: Actor) -> str | None:
    added = []
    with unit_of_work(actor):
        for slug, (title, specs) in DEMO_MENUS.items():
            if store.find_menu(slug) is not None:
                continue
            menu = store.create_menu(actor, slug=slug, title=title)
            for label, spec, *children in specs:
                if spec == "categories":
                    tree = category_tree()
                    for category in tree.roots:
                        if getattr(category, "language", "vi") != "vi":
                            continue
                        # No label: the item shows the category's name, renamed with it.
                        parent = _add(actor, menu, "", _target(f"category:{category.slug}"))
                        for child in tree.children.get(category.id, []):
                            _add(actor, menu, "", _target(f"category:{child.slug}"), parent.id)
                    continue
                target = _target(spec)
                if target is None:
                    continue
                parent = _add(actor, menu, label, target)
                for child_label, child_spec in children[0] if children else ():
                    child_target = _target(child_spec)
                    if child_target is not None:
                        _add(actor, menu, child_label, child_target, parent.id)
            store.publish(actor, menu)
            added.append(slug)
    return f"{len(added)} trình đơn" if added else None
