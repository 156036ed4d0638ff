"""RSS 2.0 and Atom 1.0 documents, written with ``xml.etree`` (never by gluing strings).

Everything here works on plain values (:class:`Channel`, :class:`Item`)
prepared by the views, so the XML side knows nothing of the database. Text
is cleaned of the characters XML 1.0 forbids before it reaches the writer,
which escapes the rest (``<``, ``&``, quotes).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_NS = "http://www.w3.org/XML/1998/namespace"

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"

# Characters XML 1.0 does not allow: C0 controls but tab, LF, CR; lone surrogates; U+FFFE/F.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None) -> str:
    """``text`` without the characters XML 1.0 forbids (the writer escapes the others)."""
    return _FORBIDDEN.sub("", text or "")


@dataclass(frozen=True)
class Enclosure:
    """The main image of an item: absolute URL, media type, size in bytes when known."""

    url: str
    type: str = ""
    length: int | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Item:
    id: str  # stable: a tag: URI
    title: str
    link: str  # absolute
    published: datetime  # aware, in the site's time zone
    updated: datetime
    author: str = ""
    category: str = ""
    category_term: str = ""  # the category's slug
    category_url: str = ""
    summary: str = ""  # plain text
    content_html: str = ""  # sanitized HTML; empty in summary mode
    enclosure: Enclosure | None = None


@dataclass(frozen=True)
class Channel:
    id: str
    title: str
    description: str
    link: str  # the HTML page, absolute
    self_url: str  # this feed, absolute
    updated: datetime  # aware, in the site's time zone
    language: str = "vi"
    generator: str = "blockportal"
    items: list[Item] = field(default_factory=list)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _tostring(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def rss_date(value: datetime) -> str:
    """RFC 822 (as RFC 5322 spells it) with the offset: ``Wed, 29 Nov 2023 08:30:00 +0700``."""
    return format_datetime(value)


def atom_date(value: datetime) -> str:
    """RFC 3339 with the offset: ``2023-11-29T08:30:00+07:00``."""
    return value.isoformat(timespec="seconds")


def rss(channel: Channel) -> bytes:
    ET.register_namespace("atom", ATOM_NS)
    ET.register_namespace("content", CONTENT_NS)
    ET.register_namespace("dc", DC_NS)
    ET.register_namespace("media", MEDIA_NS)
    root = ET.Element("rss", {"version": "2.0"})
    ch = _sub(root, "channel")
    _sub(ch, "title", channel.title)
    _sub(ch, "link", channel.link)
    _sub(ch, "description", channel.description or channel.title)
    _sub(ch, "language", channel.language)
    _sub(ch, "lastBuildDate", rss_date(channel.updated))
    _sub(ch, "generator", channel.generator)
    _sub(ch, f"{{{ATOM_NS}}}link", href=channel.self_url, rel="self", type=RSS_TYPE)
    for item in channel.items:
        entry = _sub(ch, "item")
        _sub(entry, "title", item.title)
        _sub(entry, "link", item.link)
        _sub(entry, "guid", item.id, isPermaLink="false")
        if item.author:
            _sub(entry, f"{{{DC_NS}}}creator", item.author)
        if item.category:
            attrs = {"domain": item.category_url} if item.category_url else {}
            _sub(entry, "category", item.category, **attrs)
        _sub(entry, "pubDate", rss_date(item.published))
        _sub(entry, "description", item.summary)
        if item.content_html:
            _sub(entry, f"{{{CONTENT_NS}}}encoded", item.content_html)
        if item.enclosure is not None:
            image = item.enclosure
            _sub(
                entry,
                "enclosure",
                url=image.url,
                type=image.type or "image/jpeg",
                # RSS requires a length; 0 says "unknown", as feed readers expect.
                length=str(image.length or 0),
            )
            media = {"url": image.url, "medium": "image"}
            if image.type:
                media["type"] = image.type
            if image.length:
                media["fileSize"] = str(image.length)
            if image.width and image.height:
                media["width"], media["height"] = str(image.width), str(image.height)
            _sub(entry, f"{{{MEDIA_NS}}}content", **media)
    return _tostring(root)


def atom(channel: Channel, *, site_name: str) -> bytes:
    ET.register_namespace("", ATOM_NS)
    a = f"{{{ATOM_NS}}}"
    root = ET.Element(f"{a}feed", {f"{{{XML_NS}}}lang": channel.language})
    _sub(root, f"{a}id", channel.id)
    _sub(root, f"{a}title", channel.title, type="text")
    if channel.description:
        _sub(root, f"{a}subtitle", channel.description, type="text")
    _sub(root, f"{a}updated", atom_date(channel.updated))
    _sub(root, f"{a}link", rel="self", type=ATOM_TYPE, href=channel.self_url)
    _sub(root, f"{a}link", rel="alternate", type="text/html", href=channel.link)
    author = _sub(root, f"{a}author")
    _sub(author, f"{a}name", site_name)
    _sub(root, f"{a}generator", channel.generator)
    for item in channel.items:
        entry = _sub(root, f"{a}entry")
        _sub(entry, f"{a}id", item.id)
        _sub(entry, f"{a}title", item.title, type="text")
        _sub(entry, f"{a}link", rel="alternate", type="text/html", href=item.link)
        _sub(entry, f"{a}published", atom_date(item.published))
        _sub(entry, f"{a}updated", atom_date(item.updated))
        if item.author:
            person = _sub(entry, f"{a}author")
            _sub(person, f"{a}name", item.author)
        if item.category:
            attrs = {"term": item.category_term or item.category, "label": item.category}
            if item.category_url:
                attrs["scheme"] = item.category_url
            _sub(entry, f"{a}category", **attrs)
        if item.summary:
            _sub(entry, f"{a}summary", item.summary, type="text")
        if item.content_html:
            _sub(entry, f"{a}content", item.content_html, type="html")
        if item.enclosure is not None:
            attrs = {"rel": "enclosure", "href": item.enclosure.url}
            if item.enclosure.type:
                attrs["type"] = item.enclosure.type
            if item.enclosure.length:
                attrs["length"] = str(item.enclosure.length)
            _sub(entry, f"{a}link", **attrs)
    return _tostring(root)
