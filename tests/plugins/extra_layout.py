"""Registers a layout with a region of its own ("banner") and its template."""

from portal import Layout, Region, hookimpl

BANNER_LAYOUT = Layout(
    name="banner_layout",
    label="Có dải băng rôn",
    template="layouts/banner_layout.html",
    regions=(
        Region("header", "Đầu trang"),
        Region("banner", "Băng rôn"),
        Region("main", "Nội dung chính", inherit=False),
        Region("footer", "Chân trang"),
    ),
)


@hookimpl
def portal_register_layouts():
    return [BANNER_LAYOUT]
