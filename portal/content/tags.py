"""Cache-tag names: the one place that spells them.

A cached block (and later a cached page) carries tags naming what its HTML
was made from; a content event carries the tags of what changed, and
delivering it purges every entry with one of them. Both sides build the
names here, so a typo cannot make a purge miss.
"""

from __future__ import annotations

#: Every list of articles (home, categories, related articles): any article change may reorder one.
ARTICLE_LISTS = "articles"
#: Anything drawn from the category tree (menus, breadcrumbs, list headings).
CATEGORY_TREE = "categories"
#: Anything drawn from the page tree (menus of pages, inheritance of blocks).
PAGE_TREE = "pages"
#: Every page kept whole (portal.page_cache): purged when what any page may show changes
#: (a plugin switched off or on).
WHOLE_PAGES = "whole-pages"


def article(article_id: int) -> str:
    """HTML made from one article (its page, the toolbar, a card in a list)."""
    return f"article:{article_id}"


def category(category_id: int) -> str:
    """HTML made from one category (its page, its lists)."""
    return f"category:{category_id}"


def page(page_id: int) -> str:
    """HTML of one page's blocks (its placements and their settings)."""
    return f"page:{page_id}"


def path(path: str) -> str:
    """An answer given at one address whatever made it (a redirect, a "gone" page)."""
    return (
        "path:" + "".join(ch if ch.isprintable() and not ch.isspace() else "_" for ch in path)[:190]
    )


def data(name: str) -> str:
    """HTML made from a plugin's own data set ``name`` (a file, an API): see ``CachePolicy.data_sets``."""
    return f"data:{name}"
