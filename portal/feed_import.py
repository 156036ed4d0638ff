"""Import articles from an RSS or Atom feed, read from a file or an http(s) URL.

``flask --app wsgi portal import-feed URL_OR_FILE --category SLUG`` parses the
feed with feedparser and hands each entry to the JSON importer
(:mod:`portal.importer`) as an article record, so feed articles follow the
same rules as imported ones: bodies sanitized with the editor's allow-list,
published at the entry's time, identified by an ``external_id`` so that
importing the feed again creates nothing new (an entry that changed in the
feed updates its article). Entries without a title or without any identity
are reported and skipped; the others are kept. See docs/import-format.md.
"""

from __future__ import annotations

import hashlib
import html
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
from sqlalchemy import select

from portal.extensions import db
from portal.importer import ImportReport, import_records
from portal.models import Category
from portal.text import plain_text

#: Largest feed read (a news feed is a few hundred kilobytes).
MAX_FEED_BYTES = 20 * 1024 * 1024
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
        return (
            f"feed entries: {self.entries}; articles: {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped"
        )


# -- reading the feed ----------------------------------------------------------


def read_feed(source: str) -> Any:
    """Parse a feed from an http(s) URL or a file path; raise :class:`FeedError` if it is none."""
    scheme = urlsplit(source).scheme.lower()
    if scheme in {"http", "https"}:
        data, headers = _fetch(source)
    elif len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise FeedError(f"{source}: only http:// and https:// addresses or a file path are read.")
    else:
        data, headers = _read_file(Path(source)), {}
    parsed = feedparser.parse(data, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedError(
            f"{source} is not an RSS or Atom feed" + (f" ({reason})" if reason else "") + "."
        )
    return parsed


def _fetch(url: str) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            data = response.read(MAX_FEED_BYTES + 1)
            headers = {k.lower(): v for k, v in response.headers.items()}
    except OSError as exc:  # URLError, HTTPError, timeouts
        raise FeedError(f"{url} could not be fetched: {exc}. Nothing was imported.") from exc
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"{url} is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB.")
    return data, headers


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise FeedError(f"No such file: {path}. Nothing was imported.")
    if path.stat().st_size > MAX_FEED_BYTES:
        raise FeedError(f"{path} is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB.")
    return path.read_bytes()


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
        raise FeedError(f"There is no category {category_slug!r}. Nothing was imported.")
    parsed = parsed if parsed is not None else read_feed(source)
    report = FeedReport(entries=len(parsed.entries))
    pending: list[tuple[int, dict[str, Any]]] = []
    for index, entry in enumerate(parsed.entries):
        record = entry_record(parsed.feed, entry, category_slug)
        title = record["title"] or "(không có tiêu đề)"
        if record["external_id"] is None:
            report.errors.append(EntryError(index, title, "the entry has neither an id nor a link"))
            progress(1)
        elif not record["title"]:
            report.errors.append(EntryError(index, title, "the entry has no title"))
            progress(1)
        else:
            pending.append((index, record))
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        result = import_records({"version": 1, "articles": [record for _i, record in batch]})
        _add_results(report, result, batch)
        progress(len(batch))
    report.errors.sort(key=lambda error: error.index)
    return report


def _add_results(report: FeedReport, result: ImportReport, batch) -> None:
    report.created += result.created
    report.updated += result.updated
    report.unchanged += result.unchanged
    for error in result.errors:
        index, record = batch[error.position]
        report.errors.append(EntryError(index, record["title"], f"{error.field}: {error.message}"))
