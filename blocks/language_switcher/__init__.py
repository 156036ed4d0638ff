"""Language switcher: "Tiếng Việt | English" links, ``hreflang`` alternates, the English check.

The links go to this page's equivalent in the other language when it has one
(an English item names the Vietnamese one it translates), else to that
language's home (``/`` or ``/en``). The same equivalents are announced in the
``<head>`` as ``<link rel="alternate" hreflang="...">`` (Vietnamese is the
``x-default``). See docs/english-site.md.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal import (
    NO_CACHE,
    Article,
    Block,
    BlockContext,
    ComplianceCheck,
    HeadLink,
    Page,
    Placement,
    absolute_url,
    db,
    hookimpl,
    language_links,
)

#: English articles the English-information check asks for (Decree 42, Art. 4.2).
MIN_ENGLISH_ARTICLES = 3


class LanguageSwitcher(Block):
    name = "language_switcher"
    label = "Chuyển ngôn ngữ"
    description = (
        "Liên kết “Tiếng Việt | English” tới trang tương ứng ở ngôn ngữ kia "
        "(hoặc trang chủ của ngôn ngữ đó)."
    )
    group = "Khung trang"
    template = "language_switcher/switcher.html"
    css = ("language_switcher.css",)
    # No query of its own (the page and category trees and the article's
    # translations are loaded with the page): cheaper to draw than to cache.
    cache = NO_CACHE

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return {"links": language_links(ctx.page, ctx.article, ctx.category)}


@hookimpl
def portal_register_blocks():
    return [LanguageSwitcher]


@hookimpl
def portal_head_links(page, article, category, tag):
    """``hreflang`` alternates, only when this page exists in every language."""
    if tag is not None:
        return []
    links = language_links(page, article, category)
    if not links or not all(link.equivalent for link in links):
        return []
    found = [
        HeadLink(rel="alternate", href=absolute_url(link.href), hreflang=link.language)
        for link in links
    ]
    found.append(HeadLink(rel="alternate", href=absolute_url(links[0].href), hreflang="x-default"))
    return found


def _english_home() -> Page | None:
    return db.session.scalar(select(Page).where(Page.path == "/en", Page.language == "en"))


def _english_articles() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Article)
        .where(Article.language == "en", Article.public_filter())
    )


def _switcher_placed() -> bool:
    """Whether a visible switcher is placed on some page (published arrangement)."""
    return (
        db.session.scalar(
            select(Placement.id)
            .where(Placement.block_name == LanguageSwitcher.name, Placement.hidden.is_(False))
            .limit(1)
        )
        is not None
    )


@hookimpl
def portal_compliance_checks():
    home = _english_home()
    articles = _english_articles()
    placed = _switcher_placed()
    missing = []
    if home is None:
        missing.append("chưa có trang chủ tiếng Anh (/en)")
    if articles < MIN_ENGLISH_ARTICLES:
        missing.append(f"mới có {articles}/{MIN_ENGLISH_ARTICLES} bài viết tiếng Anh đã xuất bản")
    if not placed:
        missing.append("chưa đặt khối “Chuyển ngôn ngữ” lên trang")
    detail = (
        f"Trang /en, {articles} bài viết tiếng Anh, có khối chuyển ngôn ngữ"
        if not missing
        else "Thiếu: " + "; ".join(missing)
    )
    return [
        ComplianceCheck(
            key="english",
            label="Thông tin bằng tiếng Anh",
            reference="Nghị định 42/2022/NĐ-CP, Điều 4 khoản 2",
            met=not missing,
            detail=detail,
            fix_url="/admin/pages" if home is None or not placed else "/admin/articles",
            order=80,
        )
    ]
