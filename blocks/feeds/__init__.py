"""Feeds: RSS 2.0 and Atom for the whole site, each category and each tag.

A built-in plugin shaped like a third-party one: it adds its routes in
``portal_setup_app``, announces its feeds in the head of reader pages
(``portal_head_links``), declares its settings (``PLUGIN_SETTINGS``, editable
by admins) and offers the "Nguồn tin RSS" block that lists the feeds.
See docs/operations.md#feeds.
"""

from __future__ import annotations

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    HeadLink,
    PluginSetting,
    category_tree,
    content_language,
    hookimpl,
    site_name,
)

from . import views
from .compliance import rss_check
from .xml import ATOM_TYPE, RSS_TYPE

PLUGIN_SETTINGS = [
    PluginSetting(
        "count",
        "int",
        default=views.DEFAULT_COUNT,
        editable=True,
        label="Số bài trong nguồn tin",
        help=f"Số bài mới nhất trong mỗi nguồn tin, từ 1 đến {views.MAX_COUNT}.",
    ),
    PluginSetting(
        "content",
        "choice",
        default="summary",
        choices=("summary", "full"),
        editable=True,
        label="Nội dung trong nguồn tin",
        help="summary: chỉ phần tóm tắt (sapo); full: toàn văn bài viết.",
    ),
]


class FeedLinks(Block):
    """The "Nguồn tin RSS" list: the site's feeds and those of each top category."""

    name = "feed_links"
    label = "Nguồn tin RSS"
    description = "Danh sách nguồn tin RSS/Atom của trang và của từng chuyên mục."
    group = "Điều hướng"
    template = "feed_links/links.html"
    cache = CachePolicy(timeout=600, vary_on={"locale"}, tags={"categories"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return {"feeds": views.feed_list(category_tree().roots)}


@hookimpl
def portal_register_blocks():
    return [FeedLinks]


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(views.bp)


@hookimpl
def portal_head_links(page, article, category, tag):
    """The site's feeds in the page's language on every reader page, plus the category's
    or the tag's."""
    name = site_name()
    language = content_language(page, article, category)
    links = [
        HeadLink("alternate", views.feed_url("rss", language=language), RSS_TYPE, f"{name} – RSS"),
        HeadLink(
            "alternate", views.feed_url("atom", language=language), ATOM_TYPE, f"{name} – Atom"
        ),
    ]
    if category is not None:
        for fmt, kind in (("rss", RSS_TYPE), ("atom", ATOM_TYPE)):
            links.append(
                HeadLink(
                    "alternate",
                    views.feed_url(fmt, category=category),
                    kind,
                    f"{category.name} – {fmt.upper() if fmt == 'rss' else 'Atom'}",
                )
            )
    if tag is not None:
        for fmt, kind in (("rss", RSS_TYPE), ("atom", ATOM_TYPE)):
            links.append(
                HeadLink(
                    "alternate",
                    views.feed_url(fmt, tag=tag),
                    kind,
                    f"{tag.name} – {fmt.upper() if fmt == 'rss' else 'Atom'}",
                )
            )
    return links


@hookimpl
def portal_compliance_checks():
    return [rss_check()]
