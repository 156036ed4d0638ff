"""What plugins return from ``portal_menu_items`` and ``portal_admin_screens``.

Plain values with no dependencies, so that the hook specifications can name
them; :mod:`portal.plugin_pages` collects them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuItem:
    """One entry a plugin adds to a reader menu.

    ``url`` is a path on the site (``/lich-thi-dau``) or an ``http(s)://``
    address; entries are shown after the menu's own links, by ``order``
    (smaller first), then by label.
    """

    label: str
    url: str
    order: int = 100


@dataclass(frozen=True)
class AdminScreen:
    """One entry a plugin adds to the admin menu: shown to users with one of ``roles``."""

    label: str
    endpoint: str
    roles: tuple[str, ...] = ("admin",)
