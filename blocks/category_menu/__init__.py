"""Category menu: the portal's main navigation.

It draws the published menu named by its ``menu`` setting (``header`` by
default, built in Quản trị → Trình đơn and answered by ``portal_site_menu``);
when no menu of that name is published, it falls back to the category tree
followed by the plugins' entries (``portal_menu_items("main")``), so a site
without menus keeps its navigation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wtforms import BooleanField, Form, SelectField

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    Category,
    MenuField,
    category_tree,
    category_url,
    home_url,
    hookimpl,
    menu_items,
    site_menu,
    strip_text,
    translate,
)


class CategoryMenuSettings(Form):
    menu = MenuField(
        "Trình đơn",
        description=(
            "Trình đơn dựng ở Quản trị → Trình đơn. Khi trình đơn này chưa được xuất bản, "
            "menu gồm các chuyên mục."
        ),
        # Not sent (as by an older form), it is the main menu.
        filters=[strip_text, lambda value: value.lower() if value else "header"],
        default="header",
    )
    show_home = BooleanField(
        "Hiện mục “Trang chủ” đầu tiên",
        description="Khi menu gồm các chuyên mục; một trình đơn đã xuất bản có mục riêng của nó.",
        default=True,
    )
    depth = SelectField(
        "Số cấp hiển thị",
        choices={1: "Một cấp: chỉ mục chính", 2: "Hai cấp: cả mục con"},
        coerce=int,
        default=1,
        invalid_value_message="Số cấp phải là 1 hoặc 2.",
        invalid_choice_message="Số cấp phải là 1 hoặc 2.",
    )


@dataclass
class MenuLink:
    """One link of the menu; ``current`` is the value for ``aria-current`` (or None)."""

    label: str
    url: str
    current: str | None = None
    new_tab: bool = False
    children: list[MenuLink] = field(default_factory=list)


class CategoryMenu(Block):
    name = "category_menu"
    label = "Menu chính"
    description = (
        "Thanh điều hướng chính: trình đơn đã xuất bản (mặc định “header”), hoặc các chuyên "
        "mục khi chưa có; đánh dấu trang đang xem. Trên điện thoại thu gọn sau nút “Danh mục”."
    )
    group = "Khung trang"
    settings_form = CategoryMenuSettings
    template = "category_menu/menu.html"
    css = ("category_menu.css",)
    js = ("category_menu.js",)
    # The marked item depends on the page (home, article template, category page) and on
    # the category shown; a change to the categories or a published menu purges it.
    cache = CachePolicy(
        timeout=600,
        vary_on={"locale", "page", "category"},
        tags={"categories"},
        data_sets={"menus"},
    )

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        depth = 2 if str(settings.get("depth")) == "2" else 1
        published = site_menu(settings.get("menu") or "header")
        if published is not None:
            links = self.published_links(ctx, published, depth)
        else:
            links = self.category_links(ctx, depth, bool(settings.get("show_home")))
        return {"links": links}

    @staticmethod
    def marks(ctx: BlockContext) -> tuple[str | None, set[str]]:
        """The URL of the page shown (``aria-current="page"``) and the URLs of the sections
        it is in (``aria-current="true"``: the categories above the article or category)."""
        tree = category_tree()
        trail = {category_url(category) for category in tree.ancestors(ctx.category)}
        if ctx.article is not None:
            return None, trail
        if ctx.category is not None:
            here = category_url(ctx.category)
            return here, trail - {here}
        if ctx.tag is not None:
            return None, set()
        return ctx.page.path, set()

    def published_links(self, ctx: BlockContext, published, depth: int) -> list[MenuLink]:
        here, trail = self.marks(ctx)

        def current(url: str) -> str | None:
            if url == here:
                return "page"
            return "true" if url in trail else None

        return [
            MenuLink(
                link.label,
                link.url,
                current(link.url),
                link.new_tab,
                [
                    MenuLink(child.label, child.url, current(child.url), child.new_tab)
                    for child in link.children
                ]
                if depth > 1
                else [],
            )
            for link in published
        ]

    def category_links(self, ctx: BlockContext, depth: int, show_home: bool) -> list[MenuLink]:
        tree = category_tree()
        trail = {category.id for category in tree.ancestors(ctx.category)}
        # The category itself is "the page" only on its own listing, not on an article in it.
        page_category_id = ctx.category.id if ctx.category and not ctx.article else None

        def link_for(category: Category, depth_left: int) -> MenuLink:
            current = None
            if category.id == page_category_id:
                current = "page"
            elif category.id in trail:
                current = "true"
            children = []
            if depth_left > 1:
                children = [
                    link_for(child, depth_left - 1) for child in tree.children.get(category.id, [])
                ]
            return MenuLink(category.name, category_url(category), current, False, children)

        links = []
        if show_home:
            is_home = ctx.page.kind == "home" and ctx.category is None and ctx.article is None
            links.append(
                MenuLink(
                    translate("Trang chủ", ctx.locale), home_url(), "page" if is_home else None
                )
            )
        links += [link_for(category, depth) for category in tree.roots]
        # Entries of plugins (portal_menu_items("main")) follow the categories.
        page_path = ctx.page.path if ctx.article is None and ctx.category is None else None
        links += [
            MenuLink(
                entry.label, entry.url, "page" if page_path and entry.url == page_path else None
            )
            for entry in menu_items("main")
        ]
        return links


@hookimpl
def portal_register_blocks():
    return [CategoryMenu]
