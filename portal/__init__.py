"""blockportal: a Flask publishing portal whose pages are assembled from blocks.

This package holds only the public plugin API (see docs/plugins/): ``hookimpl``,
``Block``, ``BlockContext``, ``CachePolicy``, ``Layout``, ``Region``,
``ContentEvent``, ``unit_of_work`` and ``Actor`` (how a plugin changes content),
``PluginSetting`` with ``plugin_setting``/``settings_of`` (a plugin's settings),
``db`` and ``Model`` (a plugin's own tables, see docs/plugins/data.md),
``ComplianceCheck`` (a legal requirement a plugin meets) with ``block_uses``
(the pages that show a block type, for such checks), ``SiteOrganization``
(who runs the site, from ``portal_site_organization``), ``record_audit`` (an
audit entry for a plugin's change),
``check_csp_source`` (whether an origin may join the Content-Security-Policy) and
``csp_allows`` (whether the policy sent now lets a page load an outside URL),
``PageNotFound`` (a block saying the page asked for does not exist),
``render_portal_page``, ``MenuItem`` and ``AdminScreen`` (a plugin's pages,
menu entries and admin screens), ``plugin_in_use`` (whether a plugin is
switched on), ``purge`` and ``bump_data_version`` (how it
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
from portal.cache import guarded_redis
from portal.compliance import BlockUse, ComplianceCheck, block_uses
from portal.content.audit import record as record_audit
from portal.content.events import ContentEvent, article_event, content_changed
from portal.content.media import file_size
from portal.content.purges import bump_data_version, purge
from portal.content.unit_of_work import Actor, unit_of_work
from portal.csp import check_source as check_csp_source
from portal.csp import csp_allows
from portal.head_links import HeadLink
from portal.hookspecs import hookimpl
from portal.i18n import current_locale, translate
from portal.languages import LanguageLink, content_language, home_path, language_links
from portal.layouts import Layout, Region
from portal.menus import AdminScreen, MenuItem
from portal.metrics import report_buffer
from portal.models import Article, Category, Page, Placement, Tag
from portal.models.types import UTCDateTime
from portal.organization import (
    ORGANIZATION_DATA_SET,
    OrganizationMember,
    SiteOrganization,
    site_organization,
)
from portal.page_cache import keep_whole
from portal.plugin_cache import cached_text, store_cached_text
from portal.plugin_data import Model, db
from portal.plugin_files import (
    StoredFile,
    UploadError,
    remove_plugin_file,
    send_plugin_file,
    store_plugin_file,
)
from portal.plugin_pages import (
    admin_error_pages,
    form_expired,
    keeps_typing_when_expired,
    menu_items,
    render_portal_page,
    roles_required,
)
from portal.plugin_settings import PluginSetting, plugin_setting, settings_of
from portal.plugin_state import plugin_in_use
from portal.search import (
    SearchDocument,
    SearchEngine,
    SearchHit,
    SearchProvider,
    SearchQuery,
    SearchResults,
    search,
    search_providers,
)
from portal.search.matching import folded_contains
from portal.search.text import fold, search_terms
from portal.setting_fields import (
    CategoryField,
    ContentField,
    MenuField,
    PageField,
    RichTextField,
    TagField,
)
from portal.site import (
    ArticleLink,
    ArticleMedia,
    ArticleQuery,
    Later,
    ListedArticle,
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
    most_read_later,
    page_tree,
    related_articles_later,
    site_name,
    site_now,
    site_time,
    tag_url,
)
from portal.site_menus import SiteMenu, SiteMenuLink, site_menu
from portal.text import (
    format_long_date,
    format_number,
    plain_text,
    sanitize_html,
    slugify,
    strip_text,
)

__all__ = [
    "guarded_redis",
    "Actor",
    "AdminScreen",
    "NO_CACHE",
    "ORGANIZATION_DATA_SET",
    "OrganizationMember",
    "Article",
    "ArticleLink",
    "ArticleMedia",
    "ArticleQuery",
    "Block",
    "BlockContext",
    "BlockUse",
    "CachePolicy",
    "Category",
    "ComplianceCheck",
    "ContentEvent",
    "HeadLink",
    "Layout",
    "MenuItem",
    "Later",
    "ListedArticle",
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
    "SiteOrganization",
    "SiteMenu",
    "SiteMenuLink",
    # Settings fields that name the site's content (docs/plugins/block-api.md).
    "CategoryField",
    "ContentField",
    "MenuField",
    "PageField",
    "RichTextField",
    "TagField",
    "StoredFile",
    "Tag",
    "UTCDateTime",
    "UploadError",
    "absolute_url",
    "admin_error_pages",
    "article_event",
    "article_media",
    "article_url",
    "block_uses",
    "bump_data_version",
    "cached_text",
    "category_tree",
    "category_url",
    "check_csp_source",
    "csp_allows",
    "content_changed",
    "db",
    "fetch_article_lists",
    "fetch_most_read",
    "fetch_related_articles",
    "most_read_later",
    "related_articles_later",
    "file_size",
    "find_tag",
    "fold",
    "folded_contains",
    "form_expired",
    "home_url",
    "hookimpl",
    "image_for",
    "keep_whole",
    "keeps_typing_when_expired",
    "media_url",
    "menu_items",
    "page_tree",
    "plugin_in_use",
    "plugin_setting",
    "render_portal_page",
    "roles_required",
    "purge",
    "record_audit",
    "remove_plugin_file",
    "report_buffer",
    "plain_text",
    "sanitize_html",
    "search",
    "search_providers",
    "search_terms",
    "send_plugin_file",
    "settings_of",
    "store_cached_text",
    "site_menu",
    "site_name",
    "site_now",
    "site_organization",
    "site_time",
    "slugify",
    "store_plugin_file",
    "strip_text",
    "tag_url",
    "translate",
    "unit_of_work",
    # Languages of the site (docs/english-site.md).
    "LanguageLink",
    "Placement",
    "content_language",
    "current_locale",
    "format_long_date",
    "format_number",
    "home_path",
    "language_links",
]
