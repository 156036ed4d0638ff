"""A plugin written only against docs/plugins/: a block whose settings name the site's content
(a category, a page, a tag, a menu) with the core's settings fields, and a menu of its own."""

from wtforms import Form

from portal import (
    NO_CACHE,
    Block,
    CategoryField,
    MenuField,
    PageField,
    SiteMenu,
    TagField,
    hookimpl,
)


class PicksSettings(Form):
    category = CategoryField("Chuyên mục nguồn", blank="— Chuyên mục của trang —")
    more = PageField("Trang “Xem thêm”", blank="— Không có —")
    tag = TagField("Thẻ", blank="— Mọi thẻ —")
    menu = MenuField("Trình đơn kèm theo", default="header")


class ContentPicks(Block):
    name = "content_picks"
    label = "Lựa chọn nội dung"
    description = "Một khối thử: chuyên mục, trang, thẻ và trình đơn chọn từ danh sách."
    settings_form = PicksSettings
    template = "content_picks/picks.html"
    cache = NO_CACHE


@hookimpl
def portal_register_blocks():
    return [ContentPicks]


@hookimpl
def portal_site_menus():
    return [SiteMenu("lien-ket", "Liên kết hữu ích"), SiteMenu("nhap", "Bản thử", published=False)]
