"""Every row of a site archive held to the rules that people's own edits are held to.

A site archive (portal/exchange.py) is a file from elsewhere: whoever can
hand one to an admin, or change one on its way, must get nothing into the
site that an editor could not put there through the screens. So, before
anything is written, every row passes the checks of the screen or importer
that writes such rows here, using their own rules rather than copies:

* values fit their columns (type, null, length, 32-bit numbers, dates with
  their offset), so SQLite and PostgreSQL accept or refuse the same file;
* no two rows share an id or a unique value (slug, path, stored name), every
  reference points at a row of the file (or a person of its ``people``), and
  no tree (categories, pages) loops;
* HTML is exactly what :func:`portal.text.sanitize_html` keeps: a body that
  the editor would change on save (``<script>``, ``onerror=``,
  ``javascript:``) is refused, not quietly cleaned, since the file is then
  not what its maker meant; the same for article revision snapshots;
* slugs (:func:`portal.text.is_clean_slug`), statuses, page kinds and paths
  (:mod:`portal.content.page_paths`), layouts, and block settings through each
  block's settings form as the page editor saves them, in placements, page
  drafts and page revisions;
* stored file names are only those the portal generates
  (:data:`portal.content.media.STORED_NAME_RE`, :data:`portal.content.attachments.STORED_NAME_RE`)
  and an attachment's name is one :func:`portal.content.attachments.clean_file_name` keeps.

The first problem found is raised as one :class:`~portal.untrusted.UntrustedInputError`
line naming the table, the row and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from portal.content import redirects as redirect_rules
from portal.content.articles import NOTE_VERBS, SNAPSHOT_FIELDS
from portal.content.attachments import STORED_NAME_RE as ATTACHMENT_NAME_RE
from portal.content.attachments import clean_file_name, detect_kind, stored_kind
from portal.content.exchange_archive import CONTENT_FILE
from portal.content.importer import image_problem, slug_problem
from portal.content.media import (
    MAX_PIXELS,
    MIN_SIDE,
    STORED_FORMATS,
    STORED_NAME_RE,
    HiddenDataError,
    UploadError,
    reencode,
    variant_name,
)
from portal.content.page_paths import (
    CATEGORY_KINDS,
    PATH_KINDS,
    SINGLE_KINDS,
    is_reserved,
    is_well_formed,
)
from portal.content.seo import canonical_problem
from portal.extensions import db
from portal.models import ARTICLE_STATUSES, PAGE_KINDS, REDIRECT_STATUSES, Article
from portal.plugins import PluginSet
from portal.text import sanitize_html
from portal.untrusted import UntrustedInputError

#: Region names as layouts declare them (``main``, ``sidebar``).
REGION_RE = re.compile(r"[a-z][a-z0-9_]{0,99}")
#: Keys of placements inside page documents: ``p<id>`` (published) or ``n<hex>`` (new in a draft).
DOCUMENT_KEY_RE = re.compile(r"p[0-9]{1,10}|n[0-9a-f]{1,32}")
DOCUMENT_KEYS = {"layout", "blocked_regions", "placements"}
DOCUMENT_ITEM_KEYS = {"key", "id", "region", "position", "block_name", "settings", "hidden"}
WIDTH_RE = re.compile(r"[1-9][0-9]{0,4}")
SNAPSHOT_KEYS = {*SNAPSHOT_FIELDS, "published_at", "tags"}
SNAPSHOT_IDS = ("image_id", "category_id", "social_image_id")
INTEGER_BITS = {SmallInteger: 16, BigInteger: 64, Integer: 32}
EXCERPT = 60


@dataclass(frozen=True)
class FileOwner:
    """The row that names a file of the archive; ``width`` for an image's resized copy."""

    area: str
    table: str
    row: dict[str, Any]
    width: int | None = None


def check_tables(document: dict[str, Any], excluded: dict[str, str]) -> None:
    """Every table of the file is one this portal has and imports, with columns it knows.

    A table or column it does not know comes from a newer version or a plugin
    that is not installed here; ``excluded`` tables (accounts ...) never come in.
    """
    for name, data in document["tables"].items():
        check_table_name(name, excluded)
        if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
            raise malformed_table(name)
        for index, row in enumerate(data["rows"]):
            check_row_shape(name, index, row)


def check_table_name(name: str, excluded: dict[str, str]) -> None:
    """A table of the file is one this portal has and imports (see :func:`check_tables`)."""
    if name in excluded:
        raise UntrustedInputError(
            f"{CONTENT_FILE} contains the table {name!r}, which is never imported"
        )
    if name not in db.metadata.tables:
        raise UntrustedInputError(
            f"{CONTENT_FILE} has a table this portal does not know: {name!r} (made by a "
            "newer version, or with a plugin that is not installed here)"
        )


def malformed_table(name: str) -> UntrustedInputError:
    return UntrustedInputError(f"{CONTENT_FILE}: table {name!r} is malformed")


def check_row_shape(name: str, index: int, row: Any) -> None:
    """A row is an object whose columns the table has (see :func:`check_tables`)."""
    if not isinstance(row, dict):
        raise UntrustedInputError(f"{CONTENT_FILE}, {name} row {index + 1}: not an object")
    unknown = sorted(set(row) - set(db.metadata.tables[name].columns.keys()))
    if unknown:
        raise UntrustedInputError(
            f"{CONTENT_FILE}, table {name!r} has columns this portal does not know: "
            f"{', '.join(unknown)} (upgrade this portal first)"
        )


def check_rows(document: dict[str, Any], registry: PluginSet) -> dict[str, FileOwner]:
    """Refuse the first row that breaks a rule; return the row owning each file path.

    ``document`` is a parsed content.json whose tables and columns are known
    (:func:`check_tables`); ``registry`` gives the block types and layouts
    installed here. File paths are as in the archive's ``files`` list
    (``media/uploads/ab/ab12...jpg``). The same checks as :class:`RowChecker`,
    which ``portal import-site`` uses a row at a time.
    """
    checker = RowChecker(registry)
    tables = document["tables"]
    for table in db.metadata.sorted_tables:
        if table.name in tables:
            for index, row in enumerate(tables[table.name]["rows"]):
                checker.row(table.name, index, row)
            checker.table_done(table.name)
    return checker.finish(document["people"])


class RowChecker:
    """The checks of :func:`check_rows`, fed a row at a time, keeping only what they need.

    Each row is checked as it comes (its values against their columns, the
    rules of its table); what needs other rows is kept compactly: the values
    of unique columns seen, the ids rows may point at, the references not
    yet checkable (to a table not read yet, to the file's people, which
    come last), the parents of tree tables, the rows naming files. Call
    :meth:`row` for each row, :meth:`table_done` after each table's last row,
    and :meth:`finish` with the file's people at the end.
    """

    def __init__(self, registry: PluginSet) -> None:
        self.registry = registry
        tables = db.metadata.tables
        #: (table, column) → values of that column seen: what references may point at.
        self.targets: dict[tuple[str, str], set[Any]] = {
            (fk.column.table.name, fk.column.name): set()
            for table in tables.values()
            for fk in table.foreign_keys
            if fk.column.table.name != "users"
        }
        #: (table, column, target, target column) → value → (index, where) of its first row,
        #: for references checked at the end.
        self.waiting: dict[tuple[str, str, str, str], dict[Any, tuple[int, str]]] = {}
        self.unique: dict[str, list[tuple[tuple[str, ...], dict[tuple, int]]]] = {}
        #: tree table → its rows' (index, where, id, parent), in order
        self.trees: dict[str, list[tuple[int, str, Any, Any]]] = {}
        self.done: set[str] = set()
        self.pages_seen: dict[tuple, int] = {}
        self.owners_rows: dict[str, list[dict[str, Any]]] = {"media_images": [], "attachments": []}

    def row(self, name: str, index: int, row: dict[str, Any]) -> None:
        table = db.metadata.tables[name]
        _check_values(table, index, row)
        uniques = self.unique.get(name)
        if uniques is None:
            uniques = self.unique[name] = [(cols, {}) for cols in _unique_columns(table)]
        for columns, seen in uniques:
            _check_unique_row(table, columns, seen, index, row)
        for (target, column), values in self.targets.items():
            if target == name:
                values.add(row.get(column))
        for fk in table.foreign_keys:
            column, target = fk.parent.name, fk.column.table.name
            value = row.get(column)
            if value is None:
                continue
            if target != "users" and target in self.done:
                if value not in self.targets[(target, fk.column.name)]:
                    raise _refusal(
                        name, index, row, f"{column} {value} is not a row of {target} in the file"
                    )
                continue
            waiting = self.waiting.setdefault((name, column, target, fk.column.name), {})
            if value not in waiting:
                waiting[value] = (index, _where(name, index, row))
        for fk in table.foreign_keys:
            if fk.column.table is table:
                self.trees.setdefault(f"{name}.{fk.parent.name}", []).append(
                    (index, _where(name, index, row), row.get("id"), row.get(fk.parent.name))
                )
        rule = ROW_RULES.get(name)
        if rule is not None:
            problem = rule(row, self.registry)
            if problem is not None:
                raise _refusal(name, index, row, problem)
        if name == "pages":
            _check_category_page(self.pages_seen, index, row)
        if name in self.owners_rows:
            self.owners_rows[name].append(row)

    def table_done(self, name: str) -> None:
        """After the last row of ``name``: references to it can be checked at once from now on."""
        self.done.add(name)

    def finish(self, people: list[Any]) -> dict[str, FileOwner]:
        """The checks that needed every row; the row owning each file path."""
        people_ids = _people_ids(people)
        for (_name, column, target, target_column), values in self.waiting.items():
            known = people_ids if target == "users" else self.targets[(target, target_column)]
            missing = [item for value, item in values.items() if value not in known]
            if missing:
                index, where = min(missing)
                value = next(v for v, item in values.items() if item == (index, where))
                what = "one of the file's people" if target == "users" else f"a row of {target}"
                raise UntrustedInputError(
                    f"{CONTENT_FILE}, {where}: {column} {value} is not {what} in the file"
                )
        for key, rows in self.trees.items():
            name, column = key.split(".", 1)
            _check_tree_rows(name, column, rows)
        return _file_owners(self.owners_rows)


def _refusal(table: str, index: int, row: dict[str, Any], problem: str) -> UntrustedInputError:
    return UntrustedInputError(f"{CONTENT_FILE}, {_where(table, index, row)}: {problem}")


def _where(table: str, index: int, row: dict[str, Any]) -> str:
    """How a row is named in a message: by its id when it has one, else by its place."""
    for key in ("id", "page_id"):
        if isinstance(row.get(key), int) and not isinstance(row.get(key), bool):
            return f"{table} {key} {row[key]}"
    return f"{table} row {index + 1}"


def _people_ids(people: list[Any]) -> set[int]:
    ids: set[int] = set()
    for index, person in enumerate(people):
        if not (
            isinstance(person, dict)
            and _is_int(person.get("id"))
            and isinstance(person.get("name", ""), str)
            and isinstance(person.get("email", ""), str)
        ):
            raise UntrustedInputError(
                f"{CONTENT_FILE}, people[{index}]: must be an object with a whole-number id, "
                "a name and an e-mail"
            )
        if person["id"] in ids:
            raise UntrustedInputError(
                f"{CONTENT_FILE}, people[{index}]: id {person['id']} appears twice"
            )
        ids.add(person["id"])
    return ids


# ---------------------------------------------------------------------------
# Values against their columns: the same answer on SQLite and PostgreSQL
# ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _column_type(column) -> Any:
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _check_values(table: Table, index: int, row: dict[str, Any]) -> None:
    for column in table.columns:
        if column.name not in row:
            if not column.nullable and column.default is None and column.server_default is None:
                raise _refusal(table.name, index, row, f"the column {column.name} is missing")
            continue
        problem = _value_problem(column, row[column.name])
        if problem is not None:
            raise _refusal(table.name, index, row, f"{column.name} {problem}")


def _value_problem(column, value: Any) -> str | None:
    """Why ``value`` cannot be stored in ``column`` on one of our databases, or None."""
    if value is None:
        return None if column.nullable else "must have a value (null is not allowed)"
    kind = _column_type(column)
    if isinstance(kind, Boolean):
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(kind, Integer):
        bits = next(b for cls, b in INTEGER_BITS.items() if isinstance(kind, cls))
        if not _is_int(value):
            return "must be a whole number"
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return f"is out of range ({value})"
        return None
    if isinstance(kind, Float | Numeric):
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if is_number else "must be a number"
    if isinstance(kind, DateTime):
        return _datetime_problem(value)
    if isinstance(kind, Date):
        return _date_problem(value)
    if isinstance(kind, String):
        if not isinstance(value, str):
            return "must be text"
        if kind.length is not None and len(value) > kind.length:
            return f"is too long: {len(value)} characters, at most {kind.length}"
        return None
    if isinstance(kind, JSON):
        return None
    if isinstance(value, dict | list):
        return "must be a single value, not a list or an object"
    return None


def _date_problem(value: Any) -> str | None:
    example = "e.g. 2023-11-29"
    if not isinstance(value, str):
        return f"must be a date as ISO 8601 text ({example})"
    try:
        date.fromisoformat(value)
    except ValueError:
        return f"is not an ISO 8601 date ({example})"
    return None


def _datetime_problem(value: Any) -> str | None:
    example = "e.g. 2023-11-29T01:30:00+00:00"
    if not isinstance(value, str):
        return f"must be a date and time as ISO 8601 text ({example})"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"is not an ISO 8601 date and time ({example})"
    if parsed.tzinfo is None:
        return f"has no UTC offset ({example})"
    return None


def _unique_columns(table: Table) -> list[tuple[str, ...]]:
    """The column sets the database keeps unique: primary key, unique columns and constraints."""
    sets = [tuple(column.name for column in table.primary_key.columns)]
    sets += [
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    sets += [(column.name,) for column in table.columns if column.unique]
    sets += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    return list(dict.fromkeys(s for s in sets if s))


def _check_unique_row(
    table: Table, columns: tuple[str, ...], seen: dict[tuple, int], index: int, row: dict
) -> None:
    key = tuple(row.get(column) for column in columns)
    if any(value is None for value in key):
        return
    if key in seen:
        shown = ", ".join(
            f"{c} {json.dumps(v, ensure_ascii=False)}" for c, v in zip(columns, key, strict=True)
        )
        raise UntrustedInputError(
            f"{CONTENT_FILE}, {table.name}: {shown} appears twice "
            f"(rows {seen[key] + 1} and {index + 1})"
        )
    seen[key] = index


def _check_tree_rows(name: str, column: str, rows: list[tuple[int, str, Any, Any]]) -> None:
    """The tree check over (index, where, id, parent) of each row, in order.

    Each row is walked up once at most (rows already known to reach a root
    stop the walk), so a long crafted chain costs linear time.
    """
    parents = {row_id: parent for _index, _where_, row_id, parent in rows}
    rooted: set[Any] = set()
    for _index, where, row_id, _parent in rows:
        path: list[Any] = []
        on_path: set[Any] = set()
        current = row_id
        while current is not None and current not in rooted:
            if current in on_path:
                raise UntrustedInputError(f"{CONTENT_FILE}, {where}: its chain of {column} loops")
            path.append(current)
            on_path.add(current)
            current = parents.get(current)
        rooted.update(path)


# ---------------------------------------------------------------------------
# The rules of the screens and importers, table by table
# ---------------------------------------------------------------------------


def _not_empty(row: dict[str, Any], column: str) -> str | None:
    value = row.get(column)
    return f"{column} must not be empty" if not (value or "").strip() else None


def _slug(value: Any, column: str, *, optional: bool = False) -> str | None:
    if optional and value == "":
        return None
    problem = slug_problem(value)
    return f"{column}: {problem}" if problem is not None else None


def _one_of(value: Any, column: str, allowed: tuple[str, ...] | set[str]) -> str | None:
    if value in allowed:
        return None
    return f"{column} {value!r} is not one of {', '.join(sorted(allowed))}"


def _at_least(value: Any, column: str, minimum: int) -> str | None:
    return None if value is None or value >= minimum else f"{column} must be at least {minimum}"


def _html(value: str, column: str) -> str | None:
    """Refuse HTML the editor would change on save, showing where it starts to differ."""
    clean = sanitize_html(value)
    if clean == value:
        return None
    at = next((i for i, (a, b) in enumerate(zip(value, clean, strict=False)) if a != b), None)
    at = min(len(value), len(clean)) if at is None else at
    start = value.rfind("<", 0, at + 1)
    if start == -1 or at - start > EXCERPT:
        start = at
    excerpt = value[start : start + EXCERPT] + ("…" if len(value) > start + EXCERPT else "")
    return (
        f"{column} holds markup the editor removes on save (at {excerpt!r}); "
        "only HTML that portal.text.sanitize_html keeps as it is can be imported"
    )


def _article_image(value: str, column: str = "image") -> str | None:
    problem = image_problem(value) if value else None
    return f"{column}: {problem}" if problem is not None else None


def _category(row: dict[str, Any], registry: PluginSet) -> str | None:
    return _not_empty(row, "name") or _slug(row["slug"], "slug")


def _tag(row: dict[str, Any], registry: PluginSet) -> str | None:
    return _not_empty(row, "name") or _slug(row["slug"], "slug")


def _article(row: dict[str, Any], registry: PluginSet) -> str | None:
    return (
        _not_empty(row, "title")
        or _slug(row["slug"], "slug", optional=True)
        or _one_of(row.get("status", "draft"), "status", ARTICLE_STATUSES)
        or _html(row.get("body_html") or "", "body_html")
        or _article_image(row.get("image") or "")
        or _at_least(row.get("version"), "version", 1)
        or _at_least(row.get("view_count"), "view_count", 0)
        or _seo(row)
    )


def _seo(row: dict[str, Any]) -> str | None:
    """The SEO fields of an article or page (portal.content.seo), when the file has them."""
    problem = canonical_problem(row.get("canonical_url") or "")
    return f"canonical_url: {problem}" if problem is not None else None


def _redirect(row: dict[str, Any], registry: PluginSet) -> str | None:
    """An old address as the redirects screen accepts it (portal.content.redirects)."""
    old, status, target = row["old_path"], row.get("status", 301), row.get("new_path") or ""
    problem = redirect_rules.path_problem(old)
    if problem is None and old != redirect_rules.normalize_path(old):
        problem = "the old path must be kept normalized (no trailing /, no %-escapes)"
    if problem is None:
        problem = _one_of(status, "status", REDIRECT_STATUSES)
    if problem is None and status == redirect_rules.MOVED:
        problem = redirect_rules.target_problem(target)
        if problem is None and target == old:
            problem = "a redirect cannot lead to its own address"
    elif problem is None and target:
        return "a 410 (gone) redirect has no new_path"
    return f"old_path {old!r}: {problem}" if problem is not None else None


def _article_revision(row: dict[str, Any], registry: PluginSet) -> str | None:
    return _at_least(row["number"], "number", 1) or _snapshot(row["snapshot"])


def _snapshot(snapshot: Any) -> str | None:
    """A revision's copy of the editable fields, held to the article's own rules."""
    if not isinstance(snapshot, dict):
        return "snapshot must be an object"
    unknown = sorted(set(snapshot) - SNAPSHOT_KEYS)
    if unknown:
        return f"snapshot has fields an article does not have: {', '.join(unknown)}"
    columns = Article.__table__.columns
    for name in SNAPSHOT_FIELDS:
        value = snapshot.get(name)
        if value is None:
            continue
        if name in SNAPSHOT_IDS:
            if not _is_int(value) or not 0 < value < 2**31:
                return f"snapshot.{name} must be a row id or null"
            continue
        problem = _value_problem(columns[name], value)
        if problem is not None:
            return f"snapshot.{name} {problem}"
    published_at = snapshot.get("published_at")
    if published_at is not None and (problem := _datetime_problem(published_at)):
        return f"snapshot.published_at {problem}"
    tags = snapshot.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and len(t) <= 100 for t in tags):
        return "snapshot.tags must be a list of tag names (text, at most 100 characters)"
    slug = snapshot.get("slug")
    return (
        (_slug(slug, "snapshot.slug", optional=True) if slug is not None else None)
        or _html(snapshot.get("body_html") or "", "snapshot.body_html")
        or _article_image(snapshot.get("image") or "", "snapshot.image")
    )


def _article_note(row: dict[str, Any], registry: PluginSet) -> str | None:
    return _one_of(row["action"], "action", set(NOTE_VERBS))


def _media_image(row: dict[str, Any], registry: PluginSet) -> str | None:
    name = row["stored_name"]
    parts = STORED_NAME_RE.fullmatch(name)
    if parts is None or parts["width"] or parts["folder"] != parts["token"][:2]:
        return (
            f"stored_name {name!r} is not a name the portal gives to the images it stores "
            "(uploads/<2 hex>/<24 hex>.jpg or .png)"
        )
    expected = STORED_FORMATS[parts["extension"]][1]
    if row["mime_type"] != expected:
        return f"mime_type {row['mime_type']!r} does not match {name} (expected {expected})"
    width, height = row["width"], row["height"]
    if width < MIN_SIDE or height < MIN_SIDE or width * height > MAX_PIXELS:
        return f"an image of {width} × {height} pixels is not one the portal stores"
    variants = row.get("variants") or {}
    if not isinstance(variants, dict):
        return "variants must be an object (width → stored name)"
    for key, value in variants.items():
        if not (WIDTH_RE.fullmatch(key) and int(key) < width) or value != variant_name(
            name, int(key)
        ):
            return f"variants: {key!r} → {value!r} is not a resized copy the portal names"
    return _at_least(row["size"], "size", 0)


def _attachment(row: dict[str, Any], registry: PluginSet) -> str | None:
    name = row["stored_name"]
    parts = ATTACHMENT_NAME_RE.fullmatch(name)
    kind = stored_kind(name)
    if parts is None or kind is None or parts["folder"] != parts["token"][:2]:
        return (
            f"stored_name {name!r} is not a name the portal gives to the attachments it stores "
            "(<2 hex>/<32 hex>.pdf, .docx ...)"
        )
    if row["mime_type"] != kind.mime_type:
        return f"mime_type {row['mime_type']!r} does not match {name} (expected {kind.mime_type})"
    kept = clean_file_name(row["original_name"], kind)
    if kept != row["original_name"]:
        return (
            f"original_name {row['original_name']!r} is not a file name the portal keeps "
            f"(an upload would be named {kept!r})"
        )
    return _at_least(row["size"], "size", 0) or _at_least(row.get("position"), "position", 0)


def _page(row: dict[str, Any], registry: PluginSet) -> str | None:
    kind, path = row["kind"], row.get("path")
    problem = _one_of(kind, "kind", PAGE_KINDS) or _not_empty(row, "title") or _seo(row)
    if problem:
        return problem
    if kind in PATH_KINDS:
        if not path:
            return f"a {kind} page needs a path, like /gioi-thieu"
        if not is_well_formed(path):
            return (
                f"path {path!r} is not a page path (/ then lower-case words joined by hyphens, "
                "like /gioi-thieu)"
            )
        if is_reserved(path):
            return f"path {path!r} is one the portal serves itself"
    elif path is not None:
        return f"a {kind} page has no path (it is chosen by category); this one has {path!r}"
    if kind not in CATEGORY_KINDS and row.get("category_id") is not None:
        return f"a {kind} page has no category"
    return _layout(row.get("layout", "one_column"), "layout", registry) or _regions(
        row.get("blocked_regions") or [], "blocked_regions"
    )


def _check_category_pages(pages: list[dict[str, Any]]) -> None:
    """One category page and one article template per category (and one default of each per
    language: the English site has its own), one tag page."""
    seen: dict[tuple, int] = {}
    for index, row in enumerate(pages):
        _check_category_page(seen, index, row)


def _check_category_page(seen: dict[tuple, int], index: int, row: dict[str, Any]) -> None:
    if row["kind"] not in CATEGORY_KINDS + SINGLE_KINDS:
        return
    key = (row["kind"], row.get("category_id"), row.get("language") or "vi")
    if key in seen:
        raise _refusal(
            "pages",
            index,
            row,
            f"another {row['kind']} page (row {seen[key] + 1}) has the same category"
            if row["kind"] in CATEGORY_KINDS
            else f"another {row['kind']} page (row {seen[key] + 1}): a site has one",
        )
    seen[key] = index


def _layout(name: Any, column: str, registry: PluginSet) -> str | None:
    if name in registry.registered_layouts:
        return None
    return f"{column} {name!r} is not a layout installed here"


def _regions(value: Any, column: str) -> str | None:
    if (
        isinstance(value, list)
        and all(isinstance(r, str) and REGION_RE.fullmatch(r) for r in value)
        and len(set(value)) == len(value)
    ):
        return None
    return f"{column} must be a list of distinct region names"


def _placement(row: dict[str, Any], registry: PluginSet) -> str | None:
    return (
        _region(row["region"], "region")
        or _at_least(row.get("position"), "position", 0)
        or _settings(row["block_name"], row.get("settings") or {}, registry, "settings")
    )


def _region(value: Any, column: str) -> str | None:
    if isinstance(value, str) and REGION_RE.fullmatch(value):
        return None
    return f"{column} {value!r} is not a region name"


def _settings(block_name: Any, settings: Any, registry: PluginSet, where: str) -> str | None:
    """The block is installed here and the settings name only fields of its settings form."""
    block = registry.registered_blocks.get(block_name) if isinstance(block_name, str) else None
    if block is None:
        return (
            f"block {block_name!r} is not installed here, so its settings cannot be checked "
            "(install its plugin first)"
        )
    if not isinstance(settings, dict):
        return f"{where} must be an object"
    unknown = sorted(set(settings) - set(block.default_settings()))
    if unknown:
        return (
            f"{where} of block {block_name!r} have fields its form does not know: "
            f"{', '.join(unknown)}"
        )
    return None


def _settings_form_problem(
    block_name: str, settings: dict[str, Any], registry: PluginSet, where: str
) -> str | None:
    """Settings as the page editor saves them: through the block's own settings form.

    Invalid settings are refused, and so are settings the form would change
    on save (rich text it would clean, a value it would normalise).
    """
    block = registry.registered_blocks[block_name]
    clean, errors = block.validate_settings(settings)
    if errors:
        fields = ", ".join(f"{name} {_short(settings.get(name))}" for name in sorted(errors))
        return f"{where} of block {block_name!r} do not pass its settings form (field {fields})"
    changed = sorted(name for name in settings if clean.get(name) != settings[name])
    if changed:
        return (
            f"{where} of block {block_name!r} are not as its settings form saves them "
            f"(field {', '.join(changed)}: the page editor would change the value)"
        )
    return None


#: Tables whose rows hold block settings, and how to find them in a row.
SETTINGS_TABLES = {"placements", "page_drafts", "page_revisions"}


def check_settings(table: str, index: int, row: dict[str, Any], registry: PluginSet) -> None:
    """Refuse block settings that the blocks' settings forms refuse or would change.

    Called by the import just before the row is inserted, because a form may
    check a setting against the site's rows (an article list's category by
    its slug): the rows of the archive written before it are then visible.
    The shape of the settings was checked by :func:`check_rows` already.
    """
    if table == "placements":
        items = [("settings", row)]
    elif table in SETTINGS_TABLES:
        items = [
            (f"document.placements[{number}].settings", item)
            for number, item in enumerate(row["document"]["placements"])
        ]
    else:
        return
    for where, item in items:
        problem = _settings_form_problem(
            item["block_name"], item.get("settings") or {}, registry, where
        )
        if problem is not None:
            if table == "page_revisions":
                problem += (
                    " — an earlier published state of the page; export with --without-history "
                    "to leave the history out"
                )
            raise _refusal(table, index, row, problem)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _page_draft(row: dict[str, Any], registry: PluginSet) -> str | None:
    return _at_least(row.get("version"), "version", 1) or _document(row["document"], registry)


def _page_revision(row: dict[str, Any], registry: PluginSet) -> str | None:
    return _at_least(row["number"], "number", 1) or _document(row["document"], registry)


def _document(document: Any, registry: PluginSet) -> str | None:
    """A page draft's or revision's arrangement (portal.page_drafts), placement by placement."""
    if not isinstance(document, dict) or set(document) != DOCUMENT_KEYS:
        return f"document must be an object with {', '.join(sorted(DOCUMENT_KEYS))}"
    problem = _layout(document["layout"], "document.layout", registry) or _regions(
        document["blocked_regions"], "document.blocked_regions"
    )
    if problem:
        return problem
    if not isinstance(document["placements"], list):
        return "document.placements must be a list"
    for index, item in enumerate(document["placements"]):
        where = f"document.placements[{index}]"
        if not isinstance(item, dict) or not {"key", "region", "position", "block_name"} <= set(
            item
        ):
            return f"{where} must be an object with key, region, position and block_name"
        if set(item) - DOCUMENT_ITEM_KEYS:
            return (
                f"{where} has unknown fields: {', '.join(sorted(set(item) - DOCUMENT_ITEM_KEYS))}"
            )
        if not (isinstance(item["key"], str) and DOCUMENT_KEY_RE.fullmatch(item["key"])):
            return f"{where}.key {item['key']!r} is not a placement key (p<id> or n<hex>)"
        if item.get("id") is not None and not (_is_int(item["id"]) and 0 < item["id"] < 2**31):
            return f"{where}.id must be a placement id or null"
        if not (_is_int(item["position"]) and 0 <= item["position"] < 2**31):
            return f"{where}.position must be a whole number, 0 or more"
        if not isinstance(item.get("hidden", False), bool):
            return f"{where}.hidden must be true or false"
        problem = _region(item["region"], f"{where}.region") or _settings(
            item["block_name"], item.get("settings") or {}, registry, f"{where}.settings"
        )
        if problem:
            return problem
    return None


Rule = Callable[[dict[str, Any], PluginSet], "str | None"]
#: The rules per table, beyond the column checks every table gets.
ROW_RULES: dict[str, Rule] = {
    "categories": _category,
    "tags": _tag,
    "media_images": _media_image,
    "articles": _article,
    "attachments": _attachment,
    "article_revisions": _article_revision,
    "article_notes": _article_note,
    "pages": _page,
    "placements": _placement,
    "page_drafts": _page_draft,
    "page_revisions": _page_revision,
    "redirects": _redirect,
}


# ---------------------------------------------------------------------------
# Files: each belongs to a row, under a name the portal generates
# ---------------------------------------------------------------------------


def _file_owners(tables: dict[str, list[dict[str, Any]]]) -> dict[str, FileOwner]:
    """Archive path → the row naming it (its names were checked by the rules above)."""
    owners: dict[str, FileOwner] = {}
    for row in tables.get("media_images", []):
        owners[f"media/{row['stored_name']}"] = FileOwner("media", "media_images", row)
        for width, name in (row.get("variants") or {}).items():
            owners[f"media/{name}"] = FileOwner("media", "media_images", row, int(width))
    for row in tables.get("attachments", []):
        owners[f"attachments/{row['stored_name']}"] = FileOwner("attachments", "attachments", row)
    return owners


def check_file_names(paths: list[str], owners: dict[str, FileOwner]) -> None:
    """Refuse a file whose name the portal would not give, or that no row names."""
    for path in paths:
        area, name = path.split("/", 1)
        generated = (
            STORED_NAME_RE.fullmatch(name)
            if area == "media"
            else ATTACHMENT_NAME_RE.fullmatch(name)
        )
        if generated is None:
            shape = (
                "uploads/<2 hex>/<24 hex>.jpg or .png"
                if area == "media"
                else "<2 hex>/<32 hex>.pdf ..."
            )
            raise UntrustedInputError(
                f"files/{path}: not a name the portal gives to the files it stores ({shape}); "
                f"only files the portal stored itself are imported"
            )
        if path not in owners:
            table = "media image" if area == "media" else "attachment"
            raise UntrustedInputError(f"files/{path}: no {table} row of the file names it")


#: How a file of each stored format ends: anything after it was added to the image
#: (a polyglot: an image that is also an HTML page or a script).
IMAGE_ENDINGS = {"JPEG": b"\xff\xd9", "PNG": b"IEND\xaeB`\x82"}


def checked_file(path: str, data: bytes, owner: FileOwner) -> bytes:
    """The bytes to store for the archive's file ``path``, checked by content as uploads are.

    Images go through the upload pipeline and are stored re-encoded (their
    bytes change; the pixels do not); they must decode as the format their
    name says, with the size their row says, and end where the image ends.
    Attachments must be the kind of document their name and row say.
    """
    name = path.split("/", 1)[1]
    if owner.area == "attachments":
        _check_attachment_file(path, data, owner)
        return data
    extension = name.rsplit(".", 1)[1]
    pillow_format = STORED_FORMATS[extension][0]
    try:
        encoded, produced, width, height = reencode(
            data, formats=(pillow_format,), progressive=owner.width is None
        )
    except UploadError as exc:
        raise UntrustedInputError(f"files/{path}: {_image_problem(exc, pillow_format)}") from None
    if not data.endswith(IMAGE_ENDINGS[pillow_format]):
        raise UntrustedInputError(
            f"files/{path}: there are bytes after the end of the {pillow_format} image "
            "(a file made to be read as something else too); the portal never stores such files"
        )
    if produced != extension:
        raise UntrustedInputError(
            f"files/{path}: would be stored as {produced.upper()} once re-encoded, "
            f"not as the {pillow_format} its name says"
        )
    expected = owner.width or owner.row["width"]
    if width != expected or (owner.width is None and height != owner.row["height"]):
        raise UntrustedInputError(
            f"files/{path}: is {width} × {height} pixels, not what media_images id "
            f"{owner.row['id']} says"
        )
    return encoded


def _image_problem(error: UploadError, pillow_format: str) -> str:
    """Why Pillow refused the bytes, in the command line's words."""
    cause = error.__cause__
    if isinstance(error, HiddenDataError):
        return (
            f"holds more than a {pillow_format} image (another format inside, or bytes after "
            "its end: a file made to be read as something else too); the portal never stores such files"
        )
    if isinstance(cause, UnidentifiedImageError):
        return f"is not a {pillow_format} image"
    if isinstance(cause, Image.DecompressionBombError) or cause is None:
        return f"has more or fewer pixels than an image may have ({MIN_SIDE} to {MAX_PIXELS:,})"
    return f"is a damaged {pillow_format} image (it cannot be decoded completely)"


def _check_attachment_file(path: str, data: bytes, owner: FileOwner) -> None:
    if len(data) != owner.row["size"]:
        raise UntrustedInputError(
            f"files/{path}: is {len(data):,} bytes, not the {owner.row['size']:,} its "
            f"attachment row says"
        )
    try:
        kind = detect_kind(data)
    except UploadError:
        raise UntrustedInputError(
            f"files/{path}: not a document the portal accepts (PDF, Word, Excel, PowerPoint or "
            "OpenDocument, without macros)"
        ) from None
    if kind.mime_type != owner.row["mime_type"]:
        raise UntrustedInputError(
            f"files/{path}: is a {kind.extension} document, not what its name says"
        )
