"""Text helpers: Vietnamese slugs, HTML sanitizing, dates in the site's time zone."""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import nh3
from babel import dates as babel_dates
from babel import numbers as babel_numbers

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


#: Paragraphs of plain text and nothing else (most imported bodies): the sanitizer gives
#: them back unchanged and their plain text is their text run together, so neither needs
#: the HTML parser. Characters it would rewrite (``&``, no-break space, CR...) are left out.
_PLAIN_PARAGRAPHS = re.compile(r"(?:<p>[^<>&\x00-\x08\x0b-\x1f\x7f-\xa0\ufeff]*</p>)+")


def sanitize_html(html: str) -> str:
    """Clean editor HTML with an allow-list (scripts, handlers, styles, ``javascript:`` go)."""
    if html and _PLAIN_PARAGRAPHS.fullmatch(html) is not None:
        return html
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


#: Babel patterns per language: Vietnamese keeps dd/mm/yyyy (DESIGN.md §1).
DATE_PATTERNS = {"vi": "dd/MM/y", "en": "d MMMM y"}
DATETIME_PATTERNS = {"vi": "HH:mm dd/MM/y", "en": "HH:mm, d MMMM y"}
LONG_DATE_PATTERNS = {"vi": "EEEE, dd/MM/y", "en": "EEEE, d MMMM y"}


#: Patterns made of numbers only, written without Babel (a list page shows dozens of
#: dates): the same text as Babel's, which pads ``dd``, ``MM``, ``HH``, ``mm`` to two
#: digits and writes ``y`` as it is.
_NUMERIC_DATE = "dd/MM/y"
_NUMERIC_DATETIME = "HH:mm dd/MM/y"


def _babel_format(value: datetime | date, patterns: dict[str, str], locale: str) -> str:
    pattern = patterns.get(locale) or patterns["vi"]
    aware = not isinstance(value, datetime) or value.tzinfo is not None
    if pattern == _NUMERIC_DATE and aware:
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if pattern == _NUMERIC_DATETIME and isinstance(value, datetime) and aware:
        return f"{value.hour:02d}:{value.minute:02d} {value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, datetime):
        return babel_dates.format_datetime(value, pattern, tzinfo=value.tzinfo, locale=locale)
    return babel_dates.format_date(value, pattern, locale=locale)


def format_date(
    value: datetime | None, tz_name: str = "Asia/Ho_Chi_Minh", locale: str = "vi"
) -> str:
    """``dd/mm/yyyy`` in the site's time zone (``30 November 2026`` in English)."""
    if value is None:
        return ""
    return _babel_format(to_local(value, tz_name), DATE_PATTERNS, locale)


def format_datetime(
    value: datetime | None, tz_name: str = "Asia/Ho_Chi_Minh", locale: str = "vi"
) -> str:
    """``HH:MM dd/mm/yyyy`` in the site's time zone (``14:05, 30 November 2026`` in English)."""
    if value is None:
        return ""
    return _babel_format(to_local(value, tz_name), DATETIME_PATTERNS, locale)


def format_long_date(value: datetime | date, locale: str = "vi") -> str:
    """``Thứ Hai, 30/11/2026`` / ``Monday, 30 November 2026`` (a date, or a local datetime)."""
    return _babel_format(value, LONG_DATE_PATTERNS, locale)


def format_number(value: int | float, locale: str = "vi") -> str:
    """``1.234`` in Vietnamese, ``1,234`` in English."""
    return babel_numbers.format_decimal(value, locale=locale)


def plain_text(html: str) -> str:
    """The text of some HTML, for descriptions and search snippets."""
    html = html or ""
    if _NOT_PLAIN.search(html) is None:  # no markup, entity or control character: as it is
        return " ".join(html.split())
    if _PLAIN_PARAGRAPHS.fullmatch(html) is not None:
        return " ".join(html.replace("<p>", "").replace("</p>", "").split())
    text = html_lib.unescape(nh3.clean(html, tags=set()))
    # Runs of white space as one space, none around: what ``re.sub(r"\s+", " ", text).strip()``
    # gives (both use ``str.isspace``), a few times faster.
    return " ".join(text.split())


#: What an HTML parser may read otherwise than as the characters themselves.
_NOT_PLAIN = re.compile(r"[<>&\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufeff]")


def first_line(error: BaseException) -> str:
    """The first line of an error's message (a database error's runs to a dozen lines:
    the statement, its parameters, a link); empty when it has none."""
    message = str(error).strip()
    return message.splitlines()[0] if message else ""
