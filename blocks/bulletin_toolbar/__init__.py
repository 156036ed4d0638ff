"""Bulletin toolbar: publication date, text size, print and share for an article.

It also carries the print-only credit (site name, article address, source) that
every printout of an article shows at its top."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from wtforms import BooleanField, Form

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    absolute_url,
    article_url,
    hookimpl,
    site_name,
)

from .compliance import print_check


@dataclass(frozen=True)
class ShareLink:
    """A share link: its icon, the words only screen readers hear before the visible
    text (so the accessible name contains what is seen), and where it goes."""

    key: str
    hidden_prefix: str
    text: str
    href: str


class BulletinToolbarSettings(Form):
    show_font_size = BooleanField("Hiện nút “Tăng cỡ chữ” / “Giảm cỡ chữ”", default=True)
    show_print = BooleanField("Hiện nút In", default=True)
    show_share = BooleanField("Hiện liên kết chia sẻ", default=True)


class BulletinToolbar(Block):
    name = "bulletin_toolbar"
    label = "Thanh công cụ bản tin"
    description = "Ngày đăng của bài, nút tăng/giảm cỡ chữ, in bài và chia sẻ."
    group = "Bài viết"
    settings_form = BulletinToolbarSettings
    template = "bulletin_toolbar/toolbar.html"
    css = ("toolbar.css",)
    js = ("toolbar.js",)
    cache = CachePolicy(timeout=600, vary_on={"locale", "article"}, tags={"article"})
    needs = frozenset({"article"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        article = ctx.article
        # From PORTAL_BASE_URL, never the request's Host: this HTML is cached for everyone.
        url = absolute_url(article_url(article))
        encoded_url = quote(url, safe="")
        encoded_title = quote(article.title, safe="")
        share_links = [
            ShareLink(
                "facebook",
                "Chia sẻ qua",
                "Facebook",
                f"https://www.facebook.com/sharer/sharer.php?u={encoded_url}",
            ),
            # Zalo's share page, not its SDK: no third-party script runs on the portal.
            ShareLink(
                "zalo", "Chia sẻ qua", "Zalo", f"https://sp.zalo.me/share_inline?url={encoded_url}"
            ),
            ShareLink(
                "email",
                "Gửi liên kết qua",
                "Email",
                f"mailto:?subject={encoded_title}&body={encoded_url}",
            ),
        ]
        return {
            "article": article,
            "article_link": url,
            "share_links": share_links,
            "site_name": site_name(),
        }


@hookimpl
def portal_register_blocks():
    return [BulletinToolbar]


@hookimpl
def portal_compliance_checks():
    return [print_check()]
