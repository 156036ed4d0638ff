"""blockportal: a Flask publishing portal whose pages are assembled from blocks.

This package holds only the public plugin API (see docs/plugins/): ``hookimpl``,
``Block``, ``BlockContext``, ``CachePolicy``, ``Layout``, ``Region``,
``ContentEvent`` and the helpers blocks use to read the site. The app itself is
built by :func:`portal.app.create_app`.
"""

from __future__ import annotations

from portal.blocks import NO_CACHE, Block, BlockContext, CachePolicy
from portal.content.events import ContentEvent, article_event, content_changed
from portal.hookspecs import hookimpl
from portal.i18n import translate
from portal.layouts import Layout, Region
from portal.site import (
    ArticleMedia,
    ArticleQuery,
    absolute_url,
    article_media,
    article_url,
    category_tree,
    category_url,
    fetch_article_lists,
    home_url,
    image_for,
    media_url,
    page_tree,
)

__all__ = [
    "NO_CACHE",
    "ArticleMedia",
    "ArticleQuery",
    "Block",
    "BlockContext",
    "CachePolicy",
    "ContentEvent",
    "Layout",
    "Region",
    "absolute_url",
    "article_event",
    "article_media",
    "article_url",
    "category_tree",
    "category_url",
    "content_changed",
    "fetch_article_lists",
    "home_url",
    "hookimpl",
    "image_for",
    "media_url",
    "page_tree",
    "translate",
]
