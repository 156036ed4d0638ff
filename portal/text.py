"""Text helpers: Vietnamese slugs, HTML sanitizing, dates in the site's time zone."""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import nh3

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
#: A clean slug: lower-case ASCII words of letters and digits joined by single hyphens.
_CLEAN_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def strip_text(value):
    """WTForms filter: surrounding white space off typed text (other values pass through)."""
    return value.strip() if isinstance(value, str) else value


def slugify(text: str, max_length: int = 200) -> str:
    """ASCII slug of a (Vietnamese) title: diacritics dropped, ``đ`` → ``d``.

    >>> slugify("Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW")
    'bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw'
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    slug = _SLUG_JUNK.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def is_clean_slug(text: str) -> bool:
    """Whether ``text`` is already a slug as :func:`slugify` makes them.

    The one rule for slugs typed by editors, given in imported files and
    carried by site archives (``"bac-kan"`` yes; ``"Bắc Kạn"``, ``"a--b"``, ``""`` no).
    """
    return isinstance(text, str) and _CLEAN_SLUG.fullmatch(text) is not None


# What editors may produce in rich text. Anything else is removed on save.
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s",
    "sub", "sup", "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div", "pre", "code",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "*": {"lang"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str) -> str:
    """Clean editor HTML with an allow-list (scripts, handlers, styles, ``javascript:`` go)."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def to_local(value: datetime, tz_name: str = "Asia/Ho_Chi_Minh") -> datetime:
    return value.astimezone(ZoneInfo(tz_name))


def format_date(value: datetime | None, tz_name: str = "Asia/Ho_Chi_Minh") -> str:
    """``dd/mm/yyyy`` in the site's time zone."""
    if value is None:
        return ""
    return to_local(value, tz_name).strftime("%d/%m/%Y")


def format_datetime(value: datetime | None, tz_name: str = "Asia/Ho_Chi_Minh") -> str:
    """``HH:MM dd/mm/yyyy`` in the site's time zone."""
    if value is None:
        return ""
    return to_local(value, tz_name).strftime("%H:%M %d/%m/%Y")


def plain_text(html: str) -> str:
    """The text of some HTML, for descriptions and search snippets."""
    text = html_lib.unescape(nh3.clean(html or "", tags=set()))
    return re.sub(r"\s+", " ", text).strip()
