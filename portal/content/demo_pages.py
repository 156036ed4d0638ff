"""The shape of a demo page and how its blocks are placed, for both demo sites.

The Vietnamese demo (:mod:`portal.content.demo`) and the English one
(:mod:`portal.content.demo_english`) declare their pages as :class:`DemoPage`
values and place their blocks with :func:`place_blocks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.extensions import db
from portal.models import Page, Placement

#: (region, block name, settings) of one placement.
BlockSpec = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True)
class DemoPage:
    """A demo page and its own placements.

    ``parent`` is another demo page's ``key``; ``category`` a category slug (a
    category's own page); ``equivalent`` the path of the Vietnamese page an
    English page translates.
    """

    key: str
    kind: str
    title: str
    layout: str
    blocked_regions: tuple[str, ...]
    blocks: tuple[BlockSpec, ...]
    path: str | None = None
    parent: str | None = None
    category: str | None = None
    equivalent: str | None = None


def article_section(
    slug: str,
    title: str,
    *,
    count: int = 4,
    style: str = "compact",
    include_subcategories: bool = False,
) -> BlockSpec:
    """A home page list of one category's newest articles (cards show lead and picture)."""
    settings = {
        "title": title,
        "category": slug,
        "count": count,
        "show_lead": style == "cards",
        "show_image": style == "cards",
        "style": style,
    }
    if include_subcategories:
        settings["include_subcategories"] = True
    return ("main", "article_list", settings)


def place_blocks(
    page: Page, blocks: tuple[BlockSpec, ...], clean: Callable[[str, dict[str, Any]], dict]
) -> int:
    """Place ``blocks`` on ``page`` in order within each region; return how many.

    ``clean(block_name, settings)`` gives the settings as the block's form
    cleans them (as written when the block is not installed).
    """
    positions: dict[str, int] = {}
    for region, block_name, settings in blocks:
        position = positions.get(region, 0)
        positions[region] = position + 1
        db.session.add(
            Placement(
                page_id=page.id,
                region=region,
                position=position,
                block_name=block_name,
                settings=clean(block_name, settings),
            )
        )
    return len(blocks)
