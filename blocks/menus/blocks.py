"""The footer menu block: a published menu (``footer`` by default) as a list of links."""

from __future__ import annotations

from wtforms import Form

from portal import Block, BlockContext, CachePolicy, MenuField, category_url, site_menu, strip_text


class FooterMenuSettings(Form):
    menu = MenuField(
        "Trình đơn",
        description="Trình đơn dựng ở Quản trị → Trình đơn; chỉ hiện khi đã được xuất bản.",
        filters=[strip_text, lambda value: value.lower() if value else "footer"],
        default="footer",
    )


def current_path(ctx: BlockContext) -> str | None:
    """The address of the page shown, for ``aria-current="page"`` (None on an article)."""
    if ctx.article is not None:
        return None
    if ctx.category is not None:
        return category_url(ctx.category)
    return ctx.page.path


class FooterMenu(Block):
    name = "footer_menu"
    label = "Menu chân trang"
    description = (
        "Các liên kết của một trình đơn đã xuất bản (mặc định “footer”): giới thiệu, "
        "liên hệ, sơ đồ trang… Không hiện gì khi trình đơn chưa được xuất bản."
    )
    group = "Khung trang"
    settings_form = FooterMenuSettings
    template = "footer_menu/footer_menu.html"
    css = ("footer_menu.css",)
    # Publishing a menu bumps the data set; a plugin switched off purges "categories".
    cache = CachePolicy(
        timeout=600,
        vary_on={"locale", "page", "category"},
        tags={"categories"},
        data_sets={"menus"},
    )

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        links = site_menu(settings.get("menu") or "footer") or []
        return {"links": links, "current_path": current_path(ctx)}
