"""Import articles from an RSS or Atom feed, read from a file or an http(s) URL.

``flask --app wsgi portal import-feed URL_OR_FILE --category SLUG`` parses the
feed with feedparser and hands each entry to the JSON importer
(:mod:`portal.content.importer`) as an article record, so feed articles follow the
same rules as imported ones: bodies sanitized with the editor's allow-list,
published at the entry's time, identified by an ``external_id`` so that
importing the feed again creates nothing new (an entry that changed in the
feed updates its article). Entries without a title or without any identity
are reported and skipped; the others are kept, each with a revision and an
audit entry naming the feed (its address, or its file name). See
docs/feed-import.md.

A feed that is damaged or hostile is refused whole before anything is
written: larger than ``PORTAL_MAX_FEED_BYTES``, not in its encoding, not
well-formed or truncated, nested too deeply, declaring entities (XXE,
"billion laughs"), or holding text that cannot be stored
(:func:`portal.untrusted.check_xml` runs before feedparser sees a byte, and
anything feedparser itself finds wrong — its ``bozo`` flag — refuses the feed).
"""

from __future__ import annotations

import hashlib
import html
import io
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
from flask import current_app
from sqlalchemy import select

from portal.content.importer import ImportReport, import_actor, import_records, nothing_imported
from portal.content.unit_of_work import Actor
from portal.extensions import db
from portal.i18n import translate
from portal.models import Category
from portal.text import plain_text
from portal.untrusted import (
    UntrustedInputError,
    check_document,
    check_xml,
    read_file,
    too_large,
)

FETCH_TIMEOUT_SECONDS = 30
#: Entries handed to the importer at a time (the progress bar moves after each batch).
BATCH = 25
EXTERNAL_ID_PREFIX = "feed:"
MAX_EXTERNAL_ID = 300
USER_AGENT = "blockportal-feed-import/1"


class FeedError(Exception):
    """The feed as a whole cannot be read; nothing was imported."""


@dataclass(frozen=True)
class EntryError:
    index: int  # 0-based position of the entry in the feed
    title: str
    message: str


@dataclass
class FeedReport:
    entries: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[EntryError] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len({error.index for error in self.errors})

    def summary(self) -> str:
        """What the import did, in one line of the interface language."""
        return translate(
            "mục trong nguồn tin: {entries}; bài viết: {created} mới, {updated} cập nhật, "
            "{unchanged} không đổi, {skipped} bỏ qua"
        ).format(
            entries=self.entries,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=self.skipped,
        )


# -- reading the feed ----------------------------------------------------------


def read_feed(source: str) -> Any:
    """Parse a feed from an http(s) URL or a file path; raise :class:`FeedError` unless
    the whole of it is a sound RSS or Atom feed."""
    scheme = urlsplit(source).scheme.lower()
    limit = int(current_app.config["PORTAL_MAX_FEED_BYTES"])
    try:
        if scheme in {"http", "https"}:
            data, headers = _fetch(source, limit)
        elif len(scheme) > 1:  # one letter is a Windows drive, not a scheme
            raise FeedError(
                translate(
                    "{source}: chỉ đọc được địa chỉ http://, https:// hoặc đường dẫn tệp."
                ).format(source=source)
            )
        else:
            data = read_file(source, limit=limit, setting="PORTAL_MAX_FEED_BYTES")
            headers = {}
        encoding = check_xml(data, what=source, encoding=_charset(headers))
    except UntrustedInputError as exc:
        raise FeedError(nothing_imported(exc)) from None
    # The encoding check_xml read the bytes in, so feedparser reads them the same way
    # (and never takes the bytes for a file name or an address: hence BytesIO).
    headers["content-type"] = f"application/xml; charset={encoding}"
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(
            translate("{source} không phải nguồn tin RSS hay Atom. Không có gì được nhập.").format(
                source=source
            )
        )
    if parsed.get("bozo"):
        raise FeedError(
            translate(
                "{source} không phải nguồn tin đúng chuẩn ({reason}). Không có gì được nhập."
            ).format(source=source, reason=_reason(parsed.get("bozo_exception")))
        )
    try:
        check_document({"feed": parsed.feed, "entries": parsed.entries}, what=source)
    except UntrustedInputError as exc:
        raise FeedError(nothing_imported(exc)) from None
    return parsed


def _reason(exception: Any) -> str:
    """What feedparser found wrong, in one line (where, for a parse error)."""
    if hasattr(exception, "getMessage"):  # xml.sax.SAXParseException
        text = translate("{problem} ở dòng {line}, cột {column}").format(
            problem=exception.getMessage(),
            line=exception.getLineNumber(),
            column=exception.getColumnNumber(),
        )
    else:
        text = str(exception or translate("feedparser không đọc được"))
    return " ".join(text.split())[:300]


def _charset(headers: dict[str, str]) -> str | None:
    """The charset of an HTTP Content-Type header, if it names one."""
    for parameter in headers.get("content-type", "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip(' "'):
            return value.strip(' "')
    return None


def _fetch(url: str, limit: int) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            data = response.read(limit + 1)
            headers = {k.lower(): v for k, v in response.headers.items()}
    except OSError as exc:  # URLError, HTTPError, timeouts
        raise FeedError(
            translate("Không tải được {url}: {problem}. Không có gì được nhập.").format(
                url=url, problem=exc
            )
        ) from exc
    if len(data) > limit:
        raise UntrustedInputError(too_large(url, limit, "PORTAL_MAX_FEED_BYTES"))
    return data, headers


# -- entries to article records ------------------------------------------------------


def external_id(feed: Any, entry: Any) -> str | None:
    """The entry's identity: its id (else its link), scoped by the feed when not absolute."""
    identity = (entry.get("id") or entry.get("link") or "").strip()
    if not identity:
        return None
    if "://" not in identity and not identity.startswith(("urn:", "tag:")):
        scope = (feed.get("id") or feed.get("link") or feed.get("title") or "").strip()
        identity = f"{scope}#{identity}"
    value = EXTERNAL_ID_PREFIX + identity
    if len(value) > MAX_EXTERNAL_ID or any(ord(ch) < 32 for ch in value):
        value = EXTERNAL_ID_PREFIX + "sha256:" + hashlib.sha256(identity.encode()).hexdigest()
    return value


def _body(entry: Any) -> str:
    """The entry's full content as HTML (plain-text content is escaped into paragraphs)."""
    parts = entry.get("content") or []
    chosen = next(
        (p for p in parts if "html" in (p.get("type") or "")), parts[0] if parts else None
    )
    if chosen is None:
        detail = entry.get("summary_detail") or {}
        chosen = {"value": entry.get("summary", ""), "type": detail.get("type", "text/html")}
    value = chosen.get("value") or ""
    if "html" in (chosen.get("type") or "text/html"):
        return value
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in value.split("\n\n") if p.strip())


def _lead(entry: Any) -> str:
    """The summary as plain text, when the entry also has full content (else it is the body)."""
    if entry.get("content") and entry.get("summary"):
        lead = plain_text(entry["summary"])
        return "" if lead == plain_text(_body(entry)) else lead
    return ""


def _published(entry: Any) -> str | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    if not moment:
        return None
    return datetime(*moment[:6], tzinfo=UTC).isoformat()


def _image(entry: Any) -> str:
    """An http(s) picture from media:content, an image enclosure, or media:thumbnail."""
    candidates = []
    for media in entry.get("media_content") or []:
        if media.get("medium") == "image" or (media.get("type") or "").startswith("image/"):
            candidates.append(media.get("url"))
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and (link.get("type") or "").startswith("image/"):
            candidates.append(link.get("href"))
    candidates.extend(t.get("url") for t in entry.get("media_thumbnail") or [])
    for url in candidates:
        if url and urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc:
            return url.strip()
    return ""


def entry_record(feed: Any, entry: Any, category_slug: str) -> dict[str, Any]:
    """One feed entry as an article record of the JSON import format."""
    title = plain_text(entry.get("title", ""))
    image = _image(entry)
    return {
        "external_id": external_id(feed, entry),
        "title": title,
        "lead": _lead(entry),
        "body_html": _body(entry),
        "image": image,
        # A feed does not describe its pictures; the headline is the closest words we have.
        "image_alt": f"Ảnh minh họa: {title}"[:500] if image else "",
        "author": plain_text(entry.get("author", ""))[:200],
        "source": plain_text(feed.get("title", ""))[:300],
        "category": category_slug,
        "status": "published",
        "published_at": _published(entry),
    }


# -- importing ------------------------------------------------------------------------


def import_feed(
    source: str,
    category_slug: str,
    *,
    progress: Callable[[int], None] = lambda _n: None,
    parsed: Any = None,
) -> FeedReport:
    """Import every entry of the feed into the category; return what happened.

    ``parsed`` is the result of :func:`read_feed` when the caller already read
    the feed (to size a progress bar).
    """
    if db.session.scalar(select(Category.id).where(Category.slug == category_slug)) is None:
        raise FeedError(
            translate("Không có chuyên mục {slug}. Không có gì được nhập.").format(
                slug=repr(category_slug)
            )
        )
    parsed = parsed if parsed is not None else read_feed(source)
    report = FeedReport(entries=len(parsed.entries))
    actor = feed_actor(source)
    pending: list[tuple[int, dict[str, Any]]] = []
    for index, entry in enumerate(parsed.entries):
        record = entry_record(parsed.feed, entry, category_slug)
        title = record["title"] or "(không có tiêu đề)"
        if record["external_id"] is None:
            report.errors.append(
                EntryError(index, title, translate("mục này không có cả mã lẫn liên kết"))
            )
            progress(1)
        elif not record["title"]:
            report.errors.append(EntryError(index, title, translate("mục này không có tiêu đề")))
            progress(1)
        else:
            pending.append((index, record))
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        result = import_records(
            {"version": 1, "articles": [record for _i, record in batch]}, actor=actor
        )
        _add_results(report, result, batch)
        progress(len(batch))
    report.errors.sort(key=lambda error: error.index)
    return report


def feed_actor(source: str) -> Actor:
    """Who the revisions and audit entries of a feed import name: its address or file name."""
    if urlsplit(source).scheme.lower() in {"http", "https"}:
        return import_actor(f"Nhập từ nguồn tin {source}")
    return import_actor(f"Nhập từ nguồn tin {Path(source).name}")


def _add_results(report: FeedReport, result: ImportReport, batch) -> None:
    report.created += result.created
    report.updated += result.updated
    report.unchanged += result.unchanged
    for error in result.errors:
        index, record = batch[error.position]
        report.errors.append(EntryError(index, record["title"], f"{error.field}: {error.message}"))
