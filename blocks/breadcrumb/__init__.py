"""Breadcrumb: "Trang chủ › Thời sự › <bài viết>", from the category tree and the article."""

from __future__ import annotations

from dataclasses import dataclass

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    category_tree,
    category_url,
    home_url,
    hookimpl,
    translate,
)

#: Page kinds whose own title ends the trail (they have no category or article);
#: "plugin" is a page of a plugin (portal.render_portal_page).
TITLED_PAGE_KINDS = frozenset({"static", "search", "plugin"})


@dataclass(frozen=True)
class Crumb:
    """One step of the trail; the last one (the page itself) has no link."""

    text: str
    url: str | None = None


class Breadcrumb(Block):
    name = "breadcrumb"
    label = "Đường dẫn (breadcrumb)"
    description = "Cho bạn đọc biết đang ở đâu: Trang chủ › chuyên mục › bài viết."
    group = "Khung trang"
    template = "breadcrumb/breadcrumb.html"
    css = ("breadcrumb.css",)
    cache = CachePolicy(
        timeout=600,
        vary_on={"locale", "page", "category", "tag", "article"},
        tags={"article", "category", "categories"},
    )

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return {"crumbs": self.trail(ctx), "home_url": home_url()}

    def trail(self, ctx: BlockContext) -> list[Crumb]:
        """The steps after "Trang chủ" down to the current page; empty on the home page."""
        categories = list(reversed(category_tree().ancestors(ctx.category)))
        if ctx.article is not None:
            ending = [Crumb(ctx.article.title)]
        elif categories:
            ending = [Crumb(categories.pop().name)]
        elif ctx.tag is not None:
            ending = [Crumb(f"{translate('Thẻ', ctx.locale)}: {ctx.tag.name}")]
        elif ctx.page.kind in TITLED_PAGE_KINDS:
            ending = [Crumb(ctx.page.title)]
        else:
            return []
        steps = [Crumb(category.name, category_url(category)) for category in categories]
        return [*steps, *ending]


@hookimpl
def portal_register_blocks():
    return [Breadcrumb]
