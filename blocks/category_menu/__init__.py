"""Category menu: the portal's main navigation, built from the category tree."""

from __future__ import annotations

from dataclasses import dataclass, field

from wtforms import BooleanField, Form, SelectField

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    Category,
    category_tree,
    category_url,
    hookimpl,
    menu_items,
)


class CategoryMenuSettings(Form):
    show_home = BooleanField("Hiện mục “Trang chủ” đầu tiên", default=True)
    depth = SelectField(
        "Số cấp hiển thị",
        choices={1: "Một cấp: chỉ chuyên mục chính", 2: "Hai cấp: cả chuyên mục con"},
        coerce=int,
        default=1,
        invalid_value_message="Số cấp phải là 1 hoặc 2.",
        invalid_choice_message="Số cấp phải là 1 hoặc 2.",
    )


@dataclass
class MenuItem:
    """One link of the menu; ``current`` is the value for ``aria-current`` (or None)."""

    category: Category
    url: str
    current: str | None = None
    children: list[MenuItem] = field(default_factory=list)


class CategoryMenu(Block):
    name = "category_menu"
    label = "Menu chuyên mục"
    description = (
        "Thanh điều hướng chính gồm các chuyên mục; đánh dấu chuyên mục đang xem. "
        "Trên điện thoại thu gọn sau nút “Danh mục”."
    )
    group = "Khung trang"
    settings_form = CategoryMenuSettings
    template = "category_menu/menu.html"
    css = ("category_menu.css",)
    js = ("category_menu.js",)
    # The marked item depends on the page (home, article template, category page)
    # and on the category shown; any change to the categories purges it.
    cache = CachePolicy(timeout=600, vary_on={"locale", "page", "category"}, tags={"categories"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        tree = category_tree()
        trail = {category.id for category in tree.ancestors(ctx.category)}
        # The category itself is "the page" only on its own listing, not on an article in it.
        page_category_id = ctx.category.id if ctx.category and not ctx.article else None

        def item_for(category: Category, depth_left: int) -> MenuItem:
            current = None
            if category.id == page_category_id:
                current = "page"
            elif category.id in trail:
                current = "true"
            children = []
            if depth_left > 1:
                children = [
                    item_for(child, depth_left - 1) for child in tree.children.get(category.id, [])
                ]
            return MenuItem(category, category_url(category), current, children)

        depth = 2 if str(settings.get("depth")) == "2" else 1
        # Entries of plugins (portal_menu_items("main")) follow the categories.
        page_path = ctx.page.path if ctx.article is None and ctx.category is None else None
        return {
            "items": [item_for(category, depth) for category in tree.roots],
            "plugin_items": [
                (entry, "page" if page_path and entry.url == page_path else None)
                for entry in menu_items("main")
            ],
            "home_current": ctx.page.kind == "home"
            and ctx.category is None
            and ctx.article is None,
        }


@hookimpl
def portal_register_blocks():
    return [CategoryMenu]
