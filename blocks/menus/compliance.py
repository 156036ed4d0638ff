"""Compliance key ``menus``: every static page and plugin page is reachable from a published menu.

Circular 32/2017/TT-BTTTT (Article 5) asks that a portal's information be easy
to find; a page no menu leads to is found only by search engines.
"""

from __future__ import annotations

from portal import ComplianceCheck, page_tree

from .reader import links_of
from .store import published_menus
from .targets import offered_plugin_pages

#: Page kinds an editor makes to be read at an address of their own.
LINKED_PAGE_KINDS = ("static", "search")


def reachable_urls() -> set[str]:
    """Every URL a published menu leads to (both levels, targets that still exist)."""
    urls: set[str] = set()
    for items in published_menus().values():
        for link in links_of(items):
            urls.add(link.url)
            urls.update(child.url for child in link.children)
    return urls


def unreachable_pages() -> list[tuple[str, str]]:
    """(title, path) of the static and plugin pages no published menu leads to."""
    reachable = reachable_urls()
    missing = [
        (page.title, page.path)
        for page in sorted(page_tree().by_id.values(), key=lambda page: page.path or "")
        if page.kind in LINKED_PAGE_KINDS
        and page.published
        and page.path
        and page.path not in reachable
    ]
    missing += [
        (target.label, target.url)
        for target in offered_plugin_pages()
        if target.url not in reachable
    ]
    return missing


def compliance_checks() -> list[ComplianceCheck]:
    missing = unreachable_pages()
    if missing:
        detail = "Chưa có trình đơn nào dẫn tới: " + ", ".join(
            f"{title} ({path})" for title, path in missing
        )
    else:
        detail = "Mọi trang tĩnh và trang chức năng đều có trong trình đơn đã xuất bản."
    return [
        ComplianceCheck(
            key="menus",
            label="Trình đơn dẫn tới mọi trang thông tin",
            reference="Thông tư 32/2017/TT-BTTTT, Điều 5; Nghị định 42/2022/NĐ-CP, Điều 4",
            met=not missing,
            detail=detail,
            fix_url="/admin/trinh-don/",
            order=15,
        )
    ]
