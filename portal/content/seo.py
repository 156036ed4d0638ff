"""The rules of what an editor tells search engines and social networks (articles, pages).

Four fields, the same on an article and a page (:class:`portal.models.seo.SeoColumns`):

* ``meta_description``: plain text, at most 300 characters (empty: the lead,
  the category's description, the site's);
* ``social_image_id``: an image of the media library shared as og:image (empty:
  the article's main image);
* ``canonical_url``: an absolute ``http(s)://`` URL or a path of this site
  (``/gioi-thieu``), for a page copied from or also shown elsewhere (empty: its
  own address);
* ``noindex``: search engines are asked not to index it and sitemaps leave it out.

:func:`clean` checks and normalizes the values for every writer (the admin forms,
the site import); a wrong value raises :class:`SeoError` naming the field.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from portal.extensions import db
from portal.models import MediaImage
from portal.models.seo import CANONICAL_URL_LENGTH, META_DESCRIPTION_LENGTH

#: The fields, in the order forms show them.
SEO_FIELDS = ("meta_description", "social_image_id", "canonical_url", "noindex")
#: How they are called on screen (revision comparisons, the audit log).
SEO_LABELS = {
    "meta_description": "Mô tả cho máy tìm kiếm",
    "social_image_id": "Ảnh chia sẻ mạng xã hội",
    "canonical_url": "Địa chỉ chuẩn (canonical)",
    "noindex": "Không cho máy tìm kiếm lập chỉ mục",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SeoError(ValueError):
    """A wrong SEO value; ``field`` names it. Nothing was changed."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def canonical_problem(value: str) -> str | None:
    """Why ``value`` cannot be a canonical URL override, or None (empty is fine)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > CANONICAL_URL_LENGTH:
        return f"Địa chỉ chuẩn dài tối đa {CANONICAL_URL_LENGTH} ký tự."
    if _CONTROL.search(value) or " " in value or "\\" in value:
        return "Địa chỉ chuẩn không được chứa dấu cách hay ký tự điều khiển."
    if value.startswith("/"):
        if value.startswith("//"):
            return "Đường dẫn trong trang bắt đầu bằng một dấu “/”, ví dụ /gioi-thieu."
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:  # a malformed port or IPv6 address
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return (
            "Địa chỉ chuẩn là một địa chỉ đầy đủ bắt đầu bằng https:// (hoặc http://), "
            "hoặc một đường dẫn trong trang bắt đầu bằng “/”, ví dụ /gioi-thieu."
        )
    return None


def clean(values: dict[str, Any]) -> dict[str, Any]:
    """The SEO values of ``values`` (only those present), checked and normalized.

    Raises :class:`SeoError` for the first wrong one.
    """
    cleaned: dict[str, Any] = {}
    if "meta_description" in values:
        text = " ".join(str(values["meta_description"] or "").split())
        if len(text) > META_DESCRIPTION_LENGTH:
            raise SeoError(
                f"Mô tả dài tối đa {META_DESCRIPTION_LENGTH} ký tự.", field="meta_description"
            )
        cleaned["meta_description"] = text
    if "canonical_url" in values:
        url = str(values["canonical_url"] or "").strip()
        problem = canonical_problem(url)
        if problem is not None:
            raise SeoError(problem, field="canonical_url")
        cleaned["canonical_url"] = url
    if "noindex" in values:
        cleaned["noindex"] = bool(values["noindex"])
    if "social_image_id" in values:
        image_id = values["social_image_id"] or None
        if image_id is not None:
            try:
                image_id = int(image_id)
            except (TypeError, ValueError):
                image_id = -1
            if image_id < 1 or db.session.get(MediaImage, image_id) is None:
                raise SeoError(
                    "Ảnh chia sẻ đã chọn không còn trong thư viện; hãy chọn ảnh khác.",
                    field="social_image_id",
                )
        cleaned["social_image_id"] = image_id
    return cleaned


def values_of(item) -> dict[str, Any]:
    """The SEO fields of an article or a page, as plain values."""
    return {name: getattr(item, name) for name in SEO_FIELDS}


def apply(item, values: dict[str, Any]) -> None:
    """Set the SEO fields present in ``values`` (checked by :func:`clean`) on ``item``."""
    for name, value in clean(values).items():
        setattr(item, name, value)
