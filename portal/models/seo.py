"""What an editor says to search engines and social networks about one article or page.

The columns are shared by :class:`~portal.models.content.Article` and
:class:`~portal.models.pages.Page` (migration 0017); :mod:`portal.content.seo` holds
their rules and :mod:`portal.page_meta` prints them. Empty means "as before": the
description comes from the lead, the share image is the main image, the canonical
URL is the page's own address, and search engines may index it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

if TYPE_CHECKING:
    from portal.models.content import MediaImage

#: Longest meta description an editor may type (search engines show about 160 characters).
META_DESCRIPTION_LENGTH = 300
#: Longest canonical URL override.
CANONICAL_URL_LENGTH = 1000


class SeoColumns:
    """Meta description, share image, canonical URL override and ``noindex``."""

    meta_description: Mapped[str] = mapped_column(
        String(META_DESCRIPTION_LENGTH), default="", server_default=""
    )
    # An absolute http(s) URL or a path of this site ("/gioi-thieu"); empty: its own URL.
    canonical_url: Mapped[str] = mapped_column(
        String(CANONICAL_URL_LENGTH), default="", server_default=""
    )
    # Search engines are asked not to index it, and sitemaps leave it out.
    noindex: Mapped[bool] = mapped_column(default=False, server_default=false())

    @declared_attr
    def social_image_id(cls) -> Mapped[int | None]:
        """The image shown when the page is shared (og:image), from the media library."""
        return mapped_column(ForeignKey("media_images.id", ondelete="SET NULL"))

    @declared_attr
    def social_image(cls) -> Mapped[MediaImage | None]:
        return relationship("MediaImage", foreign_keys=[cls.social_image_id])
