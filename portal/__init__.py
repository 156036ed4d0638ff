"""blockportal: a Flask publishing portal whose pages are assembled from blocks.

This package holds only the public plugin API (see docs/plugins/): ``hookimpl``,
``Block``, ``BlockContext``, ``CachePolicy``, ``Layout``, ``Region``,
``ContentEvent``, ``unit_of_work`` and ``Actor`` (how a plugin changes content),
``PluginSetting`` with ``plugin_setting``/``settings_of`` (a plugin's settings),
``db`` and ``Model`` (a plugin's own tables, see docs/plugins/data.md),
``ComplianceCheck`` (a legal requirement a plugin meets), ``record_audit``
(an entry in the admin's audit log, committed with the change),
``PageNotFound`` (a block saying the page asked for does not exist),
``render_portal_page``, ``MenuItem`` and ``AdminScreen`` (a plugin's pages,
menu entries and admin screens), ``purge`` and ``bump_data_version`` (how it
drops cached blocks), the helpers blocks use to read the site and the types of
what they read. Blocks import nothing else of the core (an import-linter contract in
pyproject.toml keeps it so). The app itself is built by :func:`portal.app.create_app`.
"""

from __future__ import annotations

from portal.blocks import (
    NO_CACHE,
    Block,
    BlockContext,
    CachePolicy,
    PageNotFound,
    SettingsContext,
)
from portal.compliance import ComplianceCheck
from portal.content.audit import record as record_audit
from portal.content.events import ContentEvent, article_event, content_changed
from portal.content.purges import bump_data_version, purge
from portal.content.unit_of_work import Actor, unit_of_work
from portal.head_links import HeadLink
from portal.hookspecs import hookimpl
from portal.i18n import translate
from portal.layouts import Layout, Region
from portal.menus import AdminScreen, MenuItem
from portal.models import Article, Category, Page, Tag
from portal.plugin_cache import cached_text
from portal.plugin_data import Model, db
from portal.plugin_pages import menu_items, render_portal_page, roles_required
from portal.plugin_settings import PluginSetting, plugin_setting, settings_of
from portal.search import (
    SearchDocument,
    SearchEngine,
    SearchHit,
    SearchProvider,
    SearchQuery,
    SearchResults,
    search,
)
from portal.search.text import fold, search_terms
from portal.site import (
    ArticleMedia,
    ArticleQuery,
    MostRead,
    absolute_url,
    article_media,
    article_url,
    category_tree,
    category_url,
    fetch_article_lists,
    fetch_most_read,
    fetch_related_articles,
    find_tag,
    home_url,
    image_for,
    media_url,
    page_tree,
    site_name,
    site_now,
    site_time,
    tag_url,
)
from portal.text import sanitize_html, strip_text

__all__ = [
    "Actor",
    "AdminScreen",
    "NO_CACHE",
    "Article",
    "ArticleMedia",
    "ArticleQuery",
    "Block",
    "BlockContext",
    "CachePolicy",
    "Category",
    "ComplianceCheck",
    "ContentEvent",
    "HeadLink",
    "Layout",
    "MenuItem",
    "MostRead",
    "Model",
    "Page",
    "PageNotFound",
    "PluginSetting",
    "Region",
    "SearchDocument",
    "SearchEngine",
    "SearchHit",
    "SearchProvider",
    "SearchQuery",
    "SearchResults",
    "SettingsContext",
    "Tag",
    "absolute_url",
    "article_event",
    "article_media",
    "article_url",
    "bump_data_version",
    "cached_text",
    "category_tree",
    "category_url",
    "content_changed",
    "db",
    "fetch_article_lists",
    "fetch_most_read",
    "fetch_related_articles",
    "find_tag",
    "fold",
    "home_url",
    "hookimpl",
    "image_for",
    "media_url",
    "menu_items",
    "page_tree",
    "plugin_setting",
    "render_portal_page",
    "roles_required",
    "purge",
    "record_audit",
    "sanitize_html",
    "search",
    "search_terms",
    "settings_of",
    "site_name",
    "site_now",
    "site_time",
    "strip_text",
    "tag_url",
    "translate",
    "unit_of_work",
]
