"""Import articles (and the categories they need) from a JSON file.

The format is documented in docs/import-format.md; ``flask --app wsgi portal
import FILE.json`` calls :func:`import_file`. Three promises:

* **Idempotent.** An article is identified by its ``external_id``; importing
  the same file again creates and changes nothing, and a changed record
  updates just that article.
* **Bad records don't spoil good ones.** Every record is checked in full
  before it is written; a bad one is reported (section, index, field,
  message) and skipped. The good ones are saved a chunk of :data:`CHUNK` at
  a time, each chunk in its own unit of work (:mod:`portal.content.unit_of_work`):
  with each article's revision, audit entry and content events, all naming
  the import and its file; a chunk the database refuses is saved again a
  record at a time, so only the record at fault is skipped. Inside a
  caller's unit (the demo) the records join it instead, and the whole load
  is one transaction.
* **A bad file changes nothing.** A missing or too large file, bytes that
  are not UTF-8, text that is not JSON, nesting deeper than any real file,
  text either database could not store (NUL, lone surrogates) or HTML nested
  deeper than any article, anywhere in the file, or a top level of the wrong
  shape raise :class:`ImportFileError` before the database is touched
  (:mod:`portal.untrusted` does the first checks). A file is read a record
  at a time (twice: to check it whole, then to import it), so memory does
  not grow with its size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from portal import page_warming
from portal.content import articles as article_rules
from portal.content import audit, outbox
from portal.content.events import category_event, content_changed
from portal.content.unit_of_work import Actor, current_unit, unit_of_work
from portal.extensions import db
from portal.i18n import translate
from portal.models import ARTICLE_STATUSES, Article, Category, MediaImage, utcnow
from portal.text import is_clean_slug, sanitize_html, slugify
from portal.untrusted import JsonObjectStream, UntrustedInputError, check_document, load_json

FORMAT_VERSION = 1
TOP_LEVEL_KEYS = {"version", "categories", "articles"}
CATEGORY_KEYS = {"slug", "name", "parent", "description"}
ARTICLE_KEYS = {
    "external_id",
    "title",
    "slug",
    "lead",
    "body_html",
    "image",
    "image_caption",
    "image_alt",
    "author",
    "source",
    "category",
    "status",
    "published_at",
}
# Longest text each field may hold (the column sizes of the models).
MAX_LENGTHS = {
    "external_id": 300,
    "title": 500,
    "slug": 200,
    "image": 1000,
    "image_alt": 500,
    "author": 200,
    "source": 300,
    "name": 200,
}
DEFAULT_STATUS = "published"
# Statuses for which an article without ``published_at`` gets one (see the docs).
DATED_STATUSES = {"published", "archived"}
# How many external ids one lookup query asks for.
LOOKUP_CHUNK = 500
#: How many article records are saved in one transaction (each commit waits for the disk,
#: and SQLite journals again every page a later transaction changes again).
CHUNK = 2000
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was changed."""


@dataclass(frozen=True)
class RecordError:
    """What is wrong with one record: where it is, which field, and why."""

    section: str  # "articles" or "categories"
    position: int  # 0-based index in that list
    field: str
    message: str

    @property
    def index(self) -> str:
        """Where the record is in the file, as ``articles[3]``."""
        return f"{self.section}[{self.position}]"


@dataclass
class ImportReport:
    """What an import did: counts per outcome and the errors of skipped records."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    categories_created: int = 0
    categories_existing: int = 0
    errors: list[RecordError] = field(default_factory=list)

    def skipped(self, section: str = "articles") -> int:
        """How many records of ``section`` were skipped because of errors."""
        return len({e.position for e in self.errors if e.section == section})

    def summary(self) -> str:
        """What the import did, in one line of the interface language."""
        text = translate(
            "bài viết: {created} mới, {updated} cập nhật, {unchanged} không đổi, {skipped} bỏ qua"
        ).format(
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=self.skipped("articles"),
        )
        categories = self.categories_created + self.categories_existing
        if categories or self.skipped("categories"):
            text += translate(
                "; chuyên mục: {created} mới, {existing} đã có trên site, {skipped} bỏ qua"
            ).format(
                created=self.categories_created,
                existing=self.categories_existing,
                skipped=self.skipped("categories"),
            )
        return text


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------


#: Longest actor name the audit log, revisions and the outbox keep.
MAX_ACTOR_NAME = 300


def import_actor(label: str) -> Actor:
    """The actor of an import, cut to what the audit log and revisions keep."""
    if len(label) > MAX_ACTOR_NAME:
        label = label[: MAX_ACTOR_NAME - 1] + "…"
    return Actor.system(label)


def file_actor(path: str | Path) -> Actor:
    """Who the revisions and audit entries of an import name: the import and its file."""
    return import_actor(f"Nhập từ tệp {Path(path).name}")


def import_file(path: str | Path) -> ImportReport:
    """Import a JSON file; raise :class:`ImportFileError` if it cannot be read as one.

    The file is read twice, a record at a time, so that its size does not
    decide the memory an import takes: once to check all of it (a file with
    anything wrong in it anywhere changes nothing), once to import it.
    """
    limit = int(current_app.config["PORTAL_MAX_IMPORT_BYTES"])

    def stream(check: bool) -> JsonObjectStream:
        return JsonObjectStream(
            path, what=str(path), limit=limit, setting="PORTAL_MAX_IMPORT_BYTES", check=check
        )

    try:
        outline = _outline(stream(check=True))
    except UntrustedInputError as exc:
        raise ImportFileError(nothing_imported(exc)) from None
    categories, _articles = _check_top_level(outline)
    return _import(categories, _article_records(stream(check=False)), file_actor(path))


def _outline(stream: JsonObjectStream) -> Any:
    """The file's top level with its categories, every value checked; articles only counted.

    The article records are read and checked one by one and not kept: their
    list is an empty list here (its items come later, from :func:`_article_records`).
    """
    outline: dict[str, Any] = {}
    for kind, key, value in stream.events():
        if kind == "top":
            return value
        if kind == "value":
            outline[key] = value
        elif kind == "list":
            outline[key] = []
        elif kind == "item" and key == "categories":
            outline[key].append(value[1])
    return outline


def _article_records(stream: JsonObjectStream) -> Iterator[Any]:
    """The article records of a file already checked whole, one at a time."""
    try:
        for kind, key, value in stream.events():
            if kind == "item" and key == "articles":
                yield value[1]
    except UntrustedInputError as exc:  # the file changed since it was checked
        raise ImportFileError(
            translate(
                "{problem}; tệp đã thay đổi trong lúc nhập: chỉ các bản ghi trước chỗ này "
                "đã được nhập"
            ).format(problem=exc)
        ) from None


def nothing_imported(problem: object) -> str:
    """Why a file is refused whole, and that nothing was imported (interface language)."""
    return translate("{problem}. Không có gì được nhập.").format(problem=problem)


def parse_json(raw: bytes, name: str = "the file") -> Any:
    """JSON data from untrusted bytes, checked whole (:func:`portal.untrusted.load_json`).

    Raises :class:`ImportFileError` for bytes that are not UTF-8 JSON (a
    leading byte-order mark is allowed), are nested too deeply, or hold text
    that cannot be stored.
    """
    try:
        return load_json(raw, what=name)
    except UntrustedInputError as exc:
        raise ImportFileError(nothing_imported(exc)) from None


# ---------------------------------------------------------------------------
# Importing the data
# ---------------------------------------------------------------------------


def import_records(data: Any, *, actor: Actor | None = None) -> ImportReport:
    """Import already-parsed JSON data (the top-level object of the format).

    The whole of ``data`` is checked first, as a file would be: text that
    either database cannot store refuses it all, so SQLite and PostgreSQL
    import the same records. ``actor`` is who the revisions and audit
    entries name (default: an import without a file); inside a unit of work
    the records join that unit and its actor.
    """
    actor = actor or Actor.system("Nhập dữ liệu")
    categories, articles = _check_top_level(data)
    try:
        check_document(data, what="the data")
    except UntrustedInputError as exc:
        raise ImportFileError(nothing_imported(exc)) from None
    return _import(categories, articles, actor)


def _import(categories: list[Any], articles: Iterable[Any], actor: Actor) -> ImportReport:
    report = ImportReport()
    known = {
        slug: category_id
        for category_id, slug in db.session.execute(select(Category.id, Category.slug))
    }
    # A chunk of records per commit: its events are delivered at the end, a few hundred at
    # a time, and pages are not rendered again after each (the next reader renders them
    # once), or an import would render the home page a thousand times.
    with outbox.delivering_later(), page_warming.paused():
        failed_categories = _import_categories(categories, known, report, actor)
        _import_articles(articles, known, failed_categories, report, actor)
    return report


def _check_top_level(data: Any) -> tuple[list[Any], list[Any]]:
    if not isinstance(data, dict):
        raise ImportFileError(
            translate(
                'Cấp ngoài cùng phải là một đối tượng như {{"version": 1, "categories": [...], '
                '"articles": [...]}}; ở tệp này là {found}. Không có gì được nhập.'
            ).format(found=_json_type(data))
        )
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise ImportFileError(
            translate(
                'Cấp ngoài cùng phải là một đối tượng như {{"version": 1, "categories": [...], '
                '"articles": [...]}}; khóa không xác định: {keys}. Không có gì được nhập.'
            ).format(keys=", ".join(map(repr, unknown)))
        )
    version = data.get("version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        if "version" not in data:
            text = translate(
                'Cổng thông tin này đọc định dạng nhập phiên bản {version} ("version": 1); '
                "tệp không ghi phiên bản. Không có gì được nhập."
            )
        else:
            text = translate(
                'Cổng thông tin này đọc định dạng nhập phiên bản {version} ("version": 1); '
                "tệp ghi phiên bản {found}. Không có gì được nhập."
            )
        raise ImportFileError(text.format(version=FORMAT_VERSION, found=json.dumps(version)))
    lists = []
    for key in ("categories", "articles"):
        value = data.get(key)
        if value is None:
            value = []
        if not isinstance(value, list):
            raise ImportFileError(
                translate(
                    '"{key}" phải là một danh sách; ở tệp này là {found}. Không có gì được nhập.'
                ).format(key=key, found=_json_type(value))
            )
        lists.append(value)
    return lists[0], lists[1]


# -- categories -------------------------------------------------------------


@dataclass
class _CategoryRecord:
    position: int
    slug: str
    name: str
    parent: str
    description: str


def _import_categories(
    records: list[Any], known: dict[str, int], report: ImportReport, actor: Actor
) -> set[str]:
    """Create the file's categories that the site lacks; return the slugs that failed.

    A category whose slug the site already has is used as it is (its name,
    parent and description in the file are not applied). New categories are
    created parents first, whatever their order in the file.
    """
    failed: set[str] = set()
    pending: list[_CategoryRecord] = []
    seen: dict[str, int] = {}
    for position, record in enumerate(records):
        errors = _Errors("categories", position, report)
        parsed = _read_category(record, errors)
        if parsed is None:
            failed.add(_intended_slug(record))
            continue
        if parsed.slug in seen:
            errors.add(
                "slug",
                translate("trùng với categories[{position}]; bỏ qua").format(
                    position=seen[parsed.slug]
                ),
            )
            continue
        seen[parsed.slug] = position
        if parsed.slug in known:
            report.categories_existing += 1
        else:
            pending.append(parsed)

    # Parents first: keep creating whatever has its parent in place.
    while ready := [c for c in pending if not c.parent or c.parent in known]:
        for category in ready:
            pending.remove(category)
            if not _create_category(category, known, report, actor):
                failed.add(category.slug)

    # What is left waits for a parent that never came.
    waiting = {c.slug: c for c in pending}
    for category in pending:
        errors = _Errors("categories", category.position, report)
        if category.parent in waiting and _parents_loop(category, waiting):
            errors.add(
                "parent", translate("chuỗi chuyên mục cha quay vòng về chính chuyên mục này")
            )
        elif category.parent in waiting or category.parent in failed:
            errors.add(
                "parent",
                translate("không nhập được chuyên mục cha {slug}").format(
                    slug=repr(category.parent)
                ),
            )
        else:
            errors.add(
                "parent",
                translate(
                    "không có chuyên mục {slug}: không có trên site và không có trong tệp này"
                ).format(slug=repr(category.parent)),
            )
        failed.add(category.slug)
    return failed


def _intended_slug(record: Any) -> str:
    """The slug a rejected category record meant to have (to explain its articles' errors)."""
    if not isinstance(record, dict):
        return ""
    slug, name = record.get("slug"), record.get("name")
    if isinstance(slug, str):
        return slug.strip()
    return slugify(name) if isinstance(name, str) else ""


def _parents_loop(category: _CategoryRecord, waiting: dict[str, _CategoryRecord]) -> bool:
    """Whether following parents from ``category`` comes back to it."""
    visited: set[str] = set()
    current = waiting.get(category.parent)
    while current is not None and current.slug not in visited:
        if current.slug == category.slug:
            return True
        visited.add(current.slug)
        current = waiting.get(current.parent)
    return False


def _read_category(record: Any, errors: _Errors) -> _CategoryRecord | None:
    if not isinstance(record, dict):
        errors.add(
            "record",
            translate("phải là một đối tượng, không phải {found}").format(found=_json_type(record)),
        )
        return None
    for key in sorted(set(record) - CATEGORY_KEYS):
        errors.add(
            key,
            translate("trường không xác định (các trường được dùng: {allowed})").format(
                allowed=", ".join(sorted(CATEGORY_KEYS))
            ),
        )
    name = _text(record, "name", errors, required=True)
    slug = _slug(record, "slug", errors, fallback=name)
    if name and not slug and "slug" not in errors.fields:
        errors.add("slug", translate("không tạo được slug từ tên; hãy ghi slug cho chuyên mục"))
    parent = _text(record, "parent", errors)
    if parent and parent == slug:
        errors.add("parent", translate("một chuyên mục không thể là cha của chính nó"))
    description = _text(record, "description", errors)
    if errors:
        return None
    return _CategoryRecord(errors.position, slug, name, parent, description)


def _create_category(
    category: _CategoryRecord, known: dict[str, int], report: ImportReport, actor: Actor
) -> bool:
    """Create one category in its own unit of work (or the caller's); False if it failed."""
    try:
        with unit_of_work(actor):
            row = _add_category(category, known)
    except SQLAlchemyError as exc:
        if current_unit() is not None:  # the caller's unit is all or nothing
            raise
        _Errors("categories", category.position, report).add(
            "record",
            translate("không lưu được ({error})").format(error=type(exc).__name__),
        )
        return False
    known[category.slug] = row.id
    report.categories_created += 1
    return True


def _add_category(category: _CategoryRecord, known: dict[str, int]) -> Category:
    parent_id = known.get(category.parent) if category.parent else None
    last = db.session.scalar(
        select(func.max(Category.position)).where(
            Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
        )
    )
    row = Category(
        slug=category.slug,
        name=category.name,
        parent_id=parent_id,
        description=category.description,
        position=(last or 0) + 1,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "category.create",
        subject_type="category",
        subject_id=row.id,
        summary=f"Nhập chuyên mục “{row.name}”",
        after={
            "name": row.name,
            "slug": row.slug,
            "parent": category.parent or None,
            "description": row.description,
        },
    )
    content_changed(category_event("created", row.id))
    return row


# -- articles ---------------------------------------------------------------


@dataclass
class _ArticleRecord:
    position: int
    external_id: str
    values: dict[str, Any]
    # False when the record has no published_at: the rules in the docs apply.
    has_time: bool


def _import_articles(
    records: Iterable[Any],
    known: dict[str, int],
    failed_categories: set[str],
    report: ImportReport,
    actor: Actor,
) -> None:
    """Check and save the article records, a chunk of :data:`CHUNK` at a time.

    ``records`` may be a stream (a file read as it goes): only one chunk of
    records is held at a time, and none of its articles is kept afterwards.
    """
    tz = ZoneInfo(current_app.config.get("PORTAL_TIMEZONE") or "Asia/Ho_Chi_Minh")
    good: list[_ArticleRecord] = []
    seen: dict[str, int] = {}
    for position, record in enumerate(records):
        errors = _Errors("articles", position, report)
        parsed = _read_article(record, errors, known, failed_categories, tz, seen)
        if parsed is not None:
            good.append(parsed)
        if len(good) >= CHUNK:
            _save_chunk(good, report, actor)
            good = []
    _save_chunk(good, report, actor)


def _read_article(
    record: Any,
    errors: _Errors,
    known: dict[str, int],
    failed_categories: set[str],
    tz: ZoneInfo,
    seen: dict[str, int],
) -> _ArticleRecord | None:
    if not isinstance(record, dict):
        errors.add(
            "record",
            translate("phải là một đối tượng, không phải {found}").format(found=_json_type(record)),
        )
        return None
    external_id = _external_id(record, errors)
    if external_id is not None:
        if external_id in seen:
            errors.add(
                "external_id",
                translate(
                    "trùng với articles[{position}]; chỉ bản ghi đầu tiên có mã này được nhập"
                ).format(position=seen[external_id]),
            )
            return None
        seen[external_id] = errors.position
    for key in sorted(set(record) - ARTICLE_KEYS):
        errors.add(key, translate("trường không xác định (xem các trường ở docs/import-format.md)"))

    title = _text(record, "title", errors, required=True)
    values: dict[str, Any] = {
        "title": title,
        "slug": _slug(record, "slug", errors, fallback=title) or "bai-viet",
        "lead": _text(record, "lead", errors, multiline=True),
        "body_html": sanitize_html(_text(record, "body_html", errors, multiline=True)),
        "image": _image(record, errors),
        "image_caption": _text(record, "image_caption", errors, multiline=True),
        "image_alt": _text(record, "image_alt", errors),
        "author": _text(record, "author", errors),
        "source": _text(record, "source", errors),
        "category_id": _category(record, errors, known, failed_categories),
        "status": _status(record, errors),
    }
    if values["image"] and not values["image_alt"] and "image_alt" not in errors.fields:
        errors.add("image_alt", translate("bắt buộc khi có ảnh (hãy mô tả bức ảnh)"))
    published_at = _published_at(record, errors, tz)
    if errors or external_id is None:
        return None
    has_time = published_at is not None
    if has_time or values["status"] not in DATED_STATUSES:
        values["published_at"] = published_at
    return _ArticleRecord(errors.position, external_id, values, has_time)


def _link_library_images(records: list[_ArticleRecord]) -> None:
    """An ``image`` that is an image of the media library links the article to it.

    As if it had been chosen in the editor: the article then shows the
    library's resized copies. Any other image (a URL, another media path)
    links to nothing.
    """
    paths = {r.values["image"] for r in records if r.values["image"]}
    paths = {path for path in paths if not urlsplit(path).scheme}
    library: dict[str, int] = {}
    ordered = sorted(paths)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        query = select(MediaImage.stored_name, MediaImage.id).where(
            MediaImage.stored_name.in_(chunk)
        )
        library.update(dict(db.session.execute(query).all()))
    for record in records:
        record.values["image_id"] = library.get(record.values["image"])


def _articles_by_external_id(external_ids: list[str]) -> dict[str, Article]:
    found: dict[str, Article] = {}
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = external_ids[start : start + LOOKUP_CHUNK]
        for article in db.session.scalars(select(Article).where(Article.external_id.in_(chunk))):
            found[article.external_id] = article
    return found


def _save_chunk(records: list[_ArticleRecord], report: ImportReport, actor: Actor) -> None:
    """Save a chunk of checked records in one unit of work (or the caller's); report what happened.

    New articles are written together (:func:`portal.content.articles.import_new_articles`),
    changed ones one by one (:func:`portal.content.articles.import_article`);
    each with its revision, audit entry and events. When the database
    refuses the chunk, its records are saved again one at a time, so that
    only the record at fault is skipped.
    """
    if not records:
        return
    _link_library_images(records)
    existing = _articles_by_external_id([r.external_id for r in records])
    new: list[tuple[str, dict[str, Any]]] = []
    changed: list[tuple[_ArticleRecord, Article, dict[str, Any]]] = []
    for record in records:
        article = existing.get(record.external_id)
        values = _values_for(record, article)
        if article is not None and not article_rules.import_differences(article, values):
            report.unchanged += 1  # nothing to write
        elif article is None:
            new.append((record.external_id, values))
        else:
            changed.append((record, article, values))
    if not new and not changed:
        return
    try:
        with unit_of_work(actor):
            created = article_rules.import_new_articles(new)
            outcomes = [
                article_rules.import_article(article, values, external_id=record.external_id)
                for record, article, values in changed
            ]
    except SQLAlchemyError:
        if current_unit() is not None:  # the caller's unit is all or nothing
            raise
        pending = {external_id for external_id, _values in new}
        pending.update(record.external_id for record, _article, _values in changed)
        for record in records:
            if record.external_id in pending:
                _save_article(record, report, actor)
        return
    report.created += len(created)
    report.updated += sum(1 for outcome in outcomes if outcome is not None)
    report.unchanged += sum(1 for outcome in outcomes if outcome is None)


def _values_for(record: _ArticleRecord, article: Article | None) -> dict[str, Any]:
    """The record's values, with the publication time the docs give a record without one."""
    values = dict(record.values)
    if not record.has_time and values["status"] in DATED_STATUSES:
        values["published_at"] = (article.published_at if article is not None else None) or utcnow()
    return values


def _save_article(record: _ArticleRecord, report: ImportReport, actor: Actor) -> None:
    """Create or update one article in its own unit of work; report what happened.

    The way a chunk the database refused is saved again: one record at a time.
    """
    article = _articles_by_external_id([record.external_id]).get(record.external_id)
    values = _values_for(record, article)
    if article is not None and not article_rules.import_differences(article, values):
        report.unchanged += 1
        return
    try:
        with unit_of_work(actor):
            outcome = article_rules.import_article(article, values, external_id=record.external_id)
    except SQLAlchemyError as exc:
        _Errors("articles", record.position, report).add(
            "record",
            translate("không lưu được ({error})").format(error=type(exc).__name__),
        )
        return
    if outcome is None:
        report.unchanged += 1
        return
    _article, what = outcome
    if what == "created":
        report.created += 1
    else:
        report.updated += 1


# -- field readers ----------------------------------------------------------


class _Errors:
    """Collects the errors of one record into the report."""

    def __init__(self, section: str, position: int, report: ImportReport) -> None:
        self.section = section
        self.position = position
        self.report = report
        self.fields: set[str] = set()

    def add(self, field_name: str, message: str) -> None:
        self.fields.add(field_name)
        self.report.errors.append(RecordError(self.section, self.position, field_name, message))

    def __bool__(self) -> bool:
        return bool(self.fields)


def _json_type(value: Any) -> str:
    """What kind of JSON value ``value`` is, as the messages name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return translate("một giá trị số")
    if isinstance(value, str):
        return translate("một chuỗi ký tự")
    if isinstance(value, list):
        return translate("một danh sách")
    if isinstance(value, dict):
        return translate("một đối tượng")
    return type(value).__name__


def _text(
    record: dict[str, Any],
    name: str,
    errors: _Errors,
    *,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """A text field, stripped; "" when absent or null. Errors are recorded, "" returned."""
    value = record.get(name)
    if value is None:
        if required:
            errors.add(name, translate("bắt buộc phải có"))
        return ""
    if not isinstance(value, str):
        errors.add(
            name,
            translate("phải là chuỗi ký tự, không phải {found}").format(found=_json_type(value)),
        )
        return ""
    value = value.strip()
    if required and not value:
        errors.add(name, translate("không được để trống"))
        return ""
    if not multiline and _CONTROL_CHARS.search(value):
        errors.add(
            name,
            translate("phải nằm trên một dòng (không có dấu xuống dòng hay ký tự điều khiển)"),
        )
        return ""
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        errors.add(
            name,
            translate("quá dài: {length} ký tự, tối đa {limit} ký tự").format(
                length=len(value), limit=limit
            ),
        )
        return ""
    return value


def _external_id(record: dict[str, Any], errors: _Errors) -> str | None:
    value = record.get("external_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is not None and not isinstance(value, str):
        errors.add(
            "external_id",
            translate("phải là chuỗi ký tự hoặc số nguyên, không phải {found}").format(
                found=_json_type(value)
            ),
        )
        return None
    text = _text({"external_id": value}, "external_id", errors, required=True)
    return text or None


def _slug(record: dict[str, Any], name: str, errors: _Errors, *, fallback: str) -> str:
    """A given slug must already be clean; without one it is made from ``fallback``."""
    given = _text(record, name, errors)
    if name in errors.fields:
        return ""
    if not given:
        return slugify(fallback)
    problem = slug_problem(given)
    if problem is not None:
        errors.add(name, problem)
        return ""
    return given


def slug_problem(given: str) -> str | None:
    """Why ``given`` is not a slug (with the slug it probably meant), or None."""
    if is_clean_slug(given):
        return None
    clean = slugify(given) if isinstance(given, str) else ""
    if clean:
        return translate(
            "{slug} không phải slug hợp lệ (chỉ gồm a-z, 0-9 và dấu gạch ngang); "
            "có phải ý bạn là {suggestion}?"
        ).format(slug=repr(given), suggestion=repr(clean))
    return translate("{slug} không phải slug hợp lệ (chỉ gồm a-z, 0-9 và dấu gạch ngang)").format(
        slug=repr(given)
    )


def _image(record: dict[str, Any], errors: _Errors) -> str:
    value = _text(record, "image", errors)
    if not value:
        return ""
    problem = image_problem(value)
    if problem is not None:
        errors.add("image", problem)
        return ""
    return value


def image_problem(value: str) -> str | None:
    """Why an article's ``image`` cannot be used, or None: an http(s) URL or a media path.

    The rule for every way an article arrives from elsewhere (this importer,
    site archives); the editor only ever sets library images.
    """
    parts = urlsplit(value)
    if parts.scheme:
        if parts.scheme.lower() in {"http", "https"} and parts.netloc:
            return None
        return translate("phải là địa chỉ http(s) hoặc đường dẫn nằm trong thư mục media")
    segments = value.split("/")
    if value.startswith("/") or "\\" in value or any(s in {"", ".", ".."} for s in segments):
        return translate(
            "đường dẫn ảnh phải tính từ thư mục media, như demo/1.jpg "
            "(không bắt đầu bằng /, không có phần . hay ..)"
        )
    return None


def _category(
    record: dict[str, Any], errors: _Errors, known: dict[str, int], failed: set[str]
) -> int | None:
    slug = _text(record, "category", errors)
    if not slug:
        return None
    if slug in known:
        return known[slug]
    if slug in failed:
        errors.add(
            "category",
            translate("không nhập được chuyên mục {slug} (bản ghi của nó có lỗi)").format(
                slug=repr(slug)
            ),
        )
    else:
        errors.add(
            "category",
            translate(
                "không có chuyên mục {slug}: không có trên site và không có trong "
                "các chuyên mục của tệp này"
            ).format(slug=repr(slug)),
        )
    return None


def _status(record: dict[str, Any], errors: _Errors) -> str:
    value = _text(record, "status", errors)
    if "status" in errors.fields:
        return DEFAULT_STATUS
    if not value:
        return DEFAULT_STATUS
    if value not in ARTICLE_STATUSES:
        errors.add(
            "status",
            translate("{value} không thuộc các giá trị {allowed}").format(
                value=repr(value), allowed=", ".join(ARTICLE_STATUSES)
            ),
        )
        return DEFAULT_STATUS
    return value


def _published_at(record: dict[str, Any], errors: _Errors, tz: ZoneInfo) -> datetime | None:
    """ISO 8601 date and time; without an offset it is read in the site's time zone."""
    value = record.get("published_at")
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(
            "published_at",
            translate(
                "phải là ngày giờ ISO 8601 dạng chuỗi ký tự (ví dụ 2023-11-29T08:30:00+07:00)"
            ),
        )
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        errors.add(
            "published_at",
            translate(
                "{value} không phải ngày giờ ISO 8601 (ví dụ 2023-11-29T08:30:00+07:00)"
            ).format(value=repr(value)),
        )
        return None
