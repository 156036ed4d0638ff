"""Page layouts: named regions and the template that arranges them.

This module is also the plugin (entry point ``standard_layouts``) that
provides the two standard layouts; other plugins add theirs through the same
``portal_register_layouts`` hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.hookspecs import hookimpl


@dataclass(frozen=True)
class Region:
    """A named area of a layout.

    ``inherit`` is the default for new pages: whether they show their parent's
    placements in this region (header and footer do; main content does not).
    """

    name: str
    label: str
    inherit: bool = True


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    template: str
    regions: tuple[Region, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def region_names(self) -> tuple[str, ...]:
        return tuple(region.name for region in self.regions)

    def default_blocked_regions(self) -> list[str]:
        """Regions a new page on this layout does not inherit."""
        return [region.name for region in self.regions if not region.inherit]


HEADER = Region("header", "Đầu trang")
MAIN = Region("main", "Nội dung chính", inherit=False)
SIDEBAR = Region("sidebar", "Cột phụ", inherit=False)
FOOTER = Region("footer", "Chân trang")

ONE_COLUMN = Layout(
    name="one_column",
    label="Một cột",
    template="layouts/one_column.html",
    regions=(HEADER, MAIN, FOOTER),
    description="Đầu trang, một cột nội dung, chân trang.",
)

MAIN_SIDEBAR = Layout(
    name="main_sidebar",
    label="Nội dung và cột phụ",
    template="layouts/main_sidebar.html",
    regions=(HEADER, MAIN, SIDEBAR, FOOTER),
    description="Đầu trang, cột nội dung rộng với cột phụ bên phải, chân trang.",
)


@hookimpl
def portal_register_layouts() -> list[Layout]:
    return [ONE_COLUMN, MAIN_SIDEBAR]
