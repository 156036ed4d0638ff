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
from portal.i18n import translate
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
            translate("{file} chứa bảng {name}, bảng này không bao giờ được nhập").format(
                file=CONTENT_FILE, name=repr(name)
            )
        )
    if name not in db.metadata.tables:
        raise UntrustedInputError(
            translate(
                "{file} có một bảng mà cổng thông tin này không biết: {name} (do một phiên bản "
                "mới hơn tạo ra, hoặc do một plugin chưa được cài ở đây)"
            ).format(file=CONTENT_FILE, name=repr(name))
        )


def malformed_table(name: str) -> UntrustedInputError:
    return UntrustedInputError(
        translate("{file}: bảng {name} không đúng cấu trúc").format(
            file=CONTENT_FILE, name=repr(name)
        )
    )


def check_row_shape(name: str, index: int, row: Any) -> None:
    """A row is an object whose columns the table has (see :func:`check_tables`)."""
    if not isinstance(row, dict):
        raise _refusal(name, index, {}, translate("không phải là một đối tượng"))
    unknown = sorted(set(row) - set(db.metadata.tables[name].columns.keys()))
    if unknown:
        raise UntrustedInputError(
            translate(
                "{file}, bảng {name} có những cột mà cổng thông tin này không biết: {columns} "
                "(hãy nâng cấp cổng thông tin này trước)"
            ).format(file=CONTENT_FILE, name=repr(name), columns=", ".join(unknown))
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
                    raise _refusal(name, index, row, _not_a_row(column, value, target))
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
                problem = (
                    translate(
                        "{column} {value} không phải một người trong danh sách people của tệp"
                    ).format(column=column, value=value)
                    if target == "users"
                    else _not_a_row(column, value, target)
                )
                raise UntrustedInputError(f"{CONTENT_FILE}, {where}: {problem}")
        for key, rows in self.trees.items():
            name, column = key.split(".", 1)
            _check_tree_rows(name, column, rows)
        return _file_owners(self.owners_rows)


def _refusal(table: str, index: int, row: dict[str, Any], problem: str) -> UntrustedInputError:
    return UntrustedInputError(f"{CONTENT_FILE}, {_where(table, index, row)}: {problem}")


def _not_a_row(column: str, value: Any, target: str) -> str:
    return translate("{column} {value} không phải một dòng của {target} trong tệp").format(
        column=column, value=value, target=target
    )


def _where(table: str, index: int, row: dict[str, Any]) -> str:
    """How a row is named in a message: by its id when it has one, else by its place."""
    for key in ("id", "page_id"):
        if isinstance(row.get(key), int) and not isinstance(row.get(key), bool):
            return f"{table} {key} {row[key]}"
    return translate("{table} dòng {number}").format(table=table, number=index + 1)


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
                translate(
                    "{file}, people[{index}]: phải là một đối tượng có id là số nguyên, "
                    "có tên và thư điện tử"
                ).format(file=CONTENT_FILE, index=index)
            )
        if person["id"] in ids:
            raise UntrustedInputError(
                translate("{file}, people[{index}]: id {id} xuất hiện hai lần").format(
                    file=CONTENT_FILE, index=index, id=person["id"]
                )
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
                problem = translate("thiếu cột {column}").format(column=column.name)
                raise _refusal(table.name, index, row, problem)
            continue
        problem = _value_problem(column, row[column.name])
        if problem is not None:
            raise _refusal(table.name, index, row, f"{column.name} {problem}")


def _value_problem(column, value: Any) -> str | None:
    """Why ``value`` cannot be stored in ``column`` on one of our databases, or None."""
    if value is None:
        return None if column.nullable else translate("phải có giá trị (không được để null)")
    kind = _column_type(column)
    if isinstance(kind, Boolean):
        return None if isinstance(value, bool) else translate("phải là true hoặc false")
    if isinstance(kind, Integer):
        bits = next(b for cls, b in INTEGER_BITS.items() if isinstance(kind, cls))
        if not _is_int(value):
            return translate("phải là số nguyên")
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return translate("nằm ngoài khoảng cho phép ({value})").format(value=value)
        return None
    if isinstance(kind, Float | Numeric):
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if is_number else translate("phải là một số")
    if isinstance(kind, DateTime):
        return _datetime_problem(value)
    if isinstance(kind, Date):
        return _date_problem(value)
    if isinstance(kind, String):
        if not isinstance(value, str):
            return translate("phải là văn bản")
        if kind.length is not None and len(value) > kind.length:
            return translate("quá dài: {length} ký tự, tối đa {maximum}").format(
                length=len(value), maximum=kind.length
            )
        return None
    if isinstance(kind, JSON):
        return None
    if isinstance(value, dict | list):
        return translate("phải là một giá trị đơn, không phải danh sách hay đối tượng")
    return None


def _date_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return translate("phải là ngày viết theo ISO 8601 (ví dụ 2023-11-29)")
    try:
        date.fromisoformat(value)
    except ValueError:
        return translate("không phải ngày theo ISO 8601 (ví dụ 2023-11-29)")
    return None


def _datetime_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return translate("phải là ngày giờ viết theo ISO 8601 (ví dụ 2023-11-29T01:30:00+00:00)")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return translate("không phải ngày giờ theo ISO 8601 (ví dụ 2023-11-29T01:30:00+00:00)")
    if parsed.tzinfo is None:
        return translate("không ghi độ lệch so với UTC (ví dụ 2023-11-29T01:30:00+00:00)")
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
            translate(
                "{file}, {table}: {shown} xuất hiện hai lần (dòng {first} và {second})"
            ).format(
                file=CONTENT_FILE,
                table=table.name,
                shown=shown,
                first=seen[key] + 1,
                second=index + 1,
            )
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
                raise UntrustedInputError(
                    translate(
                        "{file}, {where}: chuỗi {column} của dòng này tạo thành vòng lặp"
                    ).format(file=CONTENT_FILE, where=where, column=column)
                )
            path.append(current)
            on_path.add(current)
            current = parents.get(current)
        rooted.update(path)


# ---------------------------------------------------------------------------
# The rules of the screens and importers, table by table
# ---------------------------------------------------------------------------


def _not_empty(row: dict[str, Any], column: str) -> str | None:
    value = row.get(column)
    if (value or "").strip():
        return None
    return translate("{column} không được để trống").format(column=column)


def _slug(value: Any, column: str, *, optional: bool = False) -> str | None:
    if optional and value == "":
        return None
    problem = slug_problem(value)
    return f"{column}: {problem}" if problem is not None else None


def _one_of(value: Any, column: str, allowed: tuple[str, ...] | set[str]) -> str | None:
    if value in allowed:
        return None
    return translate("{column} {value} không phải một trong các giá trị {allowed}").format(
        column=column, value=repr(value), allowed=", ".join(sorted(allowed))
    )


def _at_least(value: Any, column: str, minimum: int) -> str | None:
    if value is None or value >= minimum:
        return None
    return translate("{column} phải từ {minimum} trở lên").format(column=column, minimum=minimum)


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
    return translate(
        "{column} chứa mã HTML mà trình soạn thảo bỏ đi khi lưu (tại {excerpt}); chỉ nhập được "
        "HTML mà portal.text.sanitize_html giữ nguyên"
    ).format(column=column, excerpt=repr(excerpt))


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
        problem = translate(
            "đường dẫn cũ phải được giữ ở dạng chuẩn hoá (không có / ở cuối, không có mã %)"
        )
    if problem is None:
        problem = _one_of(status, "status", REDIRECT_STATUSES)
    if problem is None and status == redirect_rules.MOVED:
        problem = redirect_rules.target_problem(target)
        if problem is None and target == old:
            problem = translate("một chuyển hướng không thể dẫn về chính địa chỉ của nó")
    elif problem is None and target:
        return translate("chuyển hướng 410 (nội dung đã gỡ bỏ) không có new_path")
    return f"old_path {old!r}: {problem}" if problem is not None else None


def _article_revision(row: dict[str, Any], registry: PluginSet) -> str | None:
    return _at_least(row["number"], "number", 1) or _snapshot(row["snapshot"])


def _snapshot(snapshot: Any) -> str | None:
    """A revision's copy of the editable fields, held to the article's own rules."""
    if not isinstance(snapshot, dict):
        return _must_be_object("snapshot")
    unknown = sorted(set(snapshot) - SNAPSHOT_KEYS)
    if unknown:
        return translate("snapshot có những trường mà bài viết không có: {fields}").format(
            fields=", ".join(unknown)
        )
    columns = Article.__table__.columns
    for name in SNAPSHOT_FIELDS:
        value = snapshot.get(name)
        if value is None:
            continue
        if name in SNAPSHOT_IDS:
            if not _is_int(value) or not 0 < value < 2**31:
                return translate("snapshot.{name} phải là id của một dòng hoặc null").format(
                    name=name
                )
            continue
        problem = _value_problem(columns[name], value)
        if problem is not None:
            return f"snapshot.{name} {problem}"
    published_at = snapshot.get("published_at")
    if published_at is not None and (problem := _datetime_problem(published_at)):
        return f"snapshot.published_at {problem}"
    tags = snapshot.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and len(t) <= 100 for t in tags):
        return translate("snapshot.tags phải là danh sách tên thẻ (văn bản, tối đa 100 ký tự)")
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
        return translate(
            "stored_name {name} không phải tên mà cổng thông tin đặt cho các ảnh nó lưu "
            "(uploads/<2 hex>/<24 hex>.jpg hoặc .png)"
        ).format(name=repr(name))
    expected = STORED_FORMATS[parts["extension"]][1]
    if row["mime_type"] != expected:
        return _mime_mismatch(row["mime_type"], name, expected)
    width, height = row["width"], row["height"]
    if width < MIN_SIDE or height < MIN_SIDE or width * height > MAX_PIXELS:
        return translate(
            "cổng thông tin không lưu ảnh có kích thước {width} × {height} điểm ảnh"
        ).format(width=width, height=height)
    variants = row.get("variants") or {}
    if not isinstance(variants, dict):
        return translate("variants phải là một đối tượng (chiều rộng → tên tệp đã lưu)")
    for key, value in variants.items():
        if not (WIDTH_RE.fullmatch(key) and int(key) < width) or value != variant_name(
            name, int(key)
        ):
            return translate(
                "variants: {key} → {value} không phải tên bản thu nhỏ mà cổng thông tin đặt"
            ).format(key=repr(key), value=repr(value))
    return _at_least(row["size"], "size", 0)


def _mime_mismatch(mime_type: Any, name: str, expected: str) -> str:
    return translate("mime_type {mime_type} không khớp với {name} (phải là {expected})").format(
        mime_type=repr(mime_type), name=name, expected=expected
    )


def _attachment(row: dict[str, Any], registry: PluginSet) -> str | None:
    name = row["stored_name"]
    parts = ATTACHMENT_NAME_RE.fullmatch(name)
    kind = stored_kind(name)
    if parts is None or kind is None or parts["folder"] != parts["token"][:2]:
        return translate(
            "stored_name {name} không phải tên mà cổng thông tin đặt cho các tệp đính kèm nó lưu "
            "(<2 hex>/<32 hex>.pdf, .docx ...)"
        ).format(name=repr(name))
    if row["mime_type"] != kind.mime_type:
        return _mime_mismatch(row["mime_type"], name, kind.mime_type)
    kept = clean_file_name(row["original_name"], kind)
    if kept != row["original_name"]:
        return translate(
            "original_name {name} không phải tên tệp mà cổng thông tin giữ nguyên "
            "(tệp tải lên sẽ có tên {kept})"
        ).format(name=repr(row["original_name"]), kept=repr(kept))
    return _at_least(row["size"], "size", 0) or _at_least(row.get("position"), "position", 0)


def _page(row: dict[str, Any], registry: PluginSet) -> str | None:
    kind, path = row["kind"], row.get("path")
    problem = _one_of(kind, "kind", PAGE_KINDS) or _not_empty(row, "title") or _seo(row)
    if problem:
        return problem
    if kind in PATH_KINDS:
        if not path:
            return translate("trang {kind} cần có đường dẫn, ví dụ /gioi-thieu").format(kind=kind)
        if not is_well_formed(path):
            return translate(
                "path {path} không phải đường dẫn trang (dấu / rồi các từ viết thường nối bằng "
                "dấu gạch ngang, ví dụ /gioi-thieu)"
            ).format(path=repr(path))
        if is_reserved(path):
            return translate("path {path} là đường dẫn mà chính cổng thông tin dùng").format(
                path=repr(path)
            )
    elif path is not None:
        return translate(
            "trang {kind} không có đường dẫn (trang được chọn theo chuyên mục); trang này lại "
            "có {path}"
        ).format(kind=kind, path=repr(path))
    if kind not in CATEGORY_KINDS and row.get("category_id") is not None:
        return translate("trang {kind} không gắn với chuyên mục").format(kind=kind)
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
            (
                translate("một trang {kind} khác (dòng {number}) có cùng chuyên mục")
                if row["kind"] in CATEGORY_KINDS
                else translate("một trang {kind} khác (dòng {number}): mỗi site chỉ có một")
            ).format(kind=row["kind"], number=seen[key] + 1),
        )
    seen[key] = index


def _layout(name: Any, column: str, registry: PluginSet) -> str | None:
    if name in registry.registered_layouts:
        return None
    return translate("{column} {name} không phải bố cục được cài ở đây").format(
        column=column, name=repr(name)
    )


def _regions(value: Any, column: str) -> str | None:
    if (
        isinstance(value, list)
        and all(isinstance(r, str) and REGION_RE.fullmatch(r) for r in value)
        and len(set(value)) == len(value)
    ):
        return None
    return translate("{column} phải là danh sách các tên vùng không trùng nhau").format(
        column=column
    )


def _placement(row: dict[str, Any], registry: PluginSet) -> str | None:
    return (
        _region(row["region"], "region")
        or _at_least(row.get("position"), "position", 0)
        or _settings(row["block_name"], row.get("settings") or {}, registry, "settings")
    )


def _region(value: Any, column: str) -> str | None:
    if isinstance(value, str) and REGION_RE.fullmatch(value):
        return None
    return translate("{column} {value} không phải tên vùng").format(
        column=column, value=repr(value)
    )


def _settings(block_name: Any, settings: Any, registry: PluginSet, where: str) -> str | None:
    """The block is installed here and the settings name only fields of its settings form."""
    block = registry.registered_blocks.get(block_name) if isinstance(block_name, str) else None
    if block is None:
        return translate(
            "khối {name} chưa được cài ở đây nên không kiểm tra được thiết lập của nó "
            "(hãy cài plugin của nó trước)"
        ).format(name=repr(block_name))
    if not isinstance(settings, dict):
        return _must_be_object(where)
    unknown = sorted(set(settings) - set(block.default_settings()))
    if unknown:
        return translate(
            "{where} của khối {name} có những trường mà biểu mẫu của khối không biết: {fields}"
        ).format(where=where, name=repr(block_name), fields=", ".join(unknown))
    return None


def _must_be_object(where: str) -> str:
    return translate("{where} phải là một đối tượng").format(where=where)


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
        return translate(
            "{where} của khối {name} không hợp lệ theo biểu mẫu thiết lập của khối "
            "(trường {fields})"
        ).format(where=where, name=repr(block_name), fields=fields)
    changed = sorted(name for name in settings if clean.get(name) != settings[name])
    if changed:
        return translate(
            "{where} của khối {name} khác với cách biểu mẫu thiết lập của khối lưu "
            "(trường {fields}: màn hình sửa trang sẽ đổi giá trị này)"
        ).format(where=where, name=repr(block_name), fields=", ".join(changed))
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
                problem = translate(
                    "{problem} — một trạng thái đã xuất bản trước đây của trang; hãy xuất với "
                    "--without-history để bỏ phần lịch sử ra ngoài"
                ).format(problem=problem)
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
        return translate("document phải là một đối tượng có {keys}").format(
            keys=", ".join(sorted(DOCUMENT_KEYS))
        )
    problem = _layout(document["layout"], "document.layout", registry) or _regions(
        document["blocked_regions"], "document.blocked_regions"
    )
    if problem:
        return problem
    if not isinstance(document["placements"], list):
        return translate("{where} phải là một danh sách").format(where="document.placements")
    for index, item in enumerate(document["placements"]):
        where = f"document.placements[{index}]"
        if not isinstance(item, dict) or not {"key", "region", "position", "block_name"} <= set(
            item
        ):
            return translate(
                "{where} phải là một đối tượng có key, region, position và block_name"
            ).format(where=where)
        if set(item) - DOCUMENT_ITEM_KEYS:
            return translate("{where} có những trường lạ: {fields}").format(
                where=where, fields=", ".join(sorted(set(item) - DOCUMENT_ITEM_KEYS))
            )
        if not (isinstance(item["key"], str) and DOCUMENT_KEY_RE.fullmatch(item["key"])):
            return translate(
                "{where}.key {key} không phải khoá của vị trí đặt khối (p<id> hoặc n<hex>)"
            ).format(where=where, key=repr(item["key"]))
        if item.get("id") is not None and not (_is_int(item["id"]) and 0 < item["id"] < 2**31):
            return translate("{where}.id phải là id của một vị trí đặt khối hoặc null").format(
                where=where
            )
        if not (_is_int(item["position"]) and 0 <= item["position"] < 2**31):
            return translate("{where}.position phải là số nguyên từ 0 trở lên").format(where=where)
        if not isinstance(item.get("hidden", False), bool):
            return f"{where}.hidden " + translate("phải là true hoặc false")
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
                translate("uploads/<2 hex>/<24 hex>.jpg hoặc .png")
                if area == "media"
                else "<2 hex>/<32 hex>.pdf ..."
            )
            raise UntrustedInputError(
                translate(
                    "files/{path}: không phải tên mà cổng thông tin đặt cho các tệp nó lưu "
                    "({shape}); chỉ nhập những tệp do chính cổng thông tin đã lưu"
                ).format(path=path, shape=shape)
            )
        if path not in owners:
            unnamed = (
                translate("files/{path}: không có dòng ảnh (media image) nào của tệp mang tên này")
                if area == "media"
                else translate(
                    "files/{path}: không có dòng tệp đính kèm (attachment) nào của tệp mang tên này"
                )
            )
            raise UntrustedInputError(unnamed.format(path=path))


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
            translate(
                "files/{path}: có dữ liệu nằm sau phần kết thúc của ảnh {format} (tệp được tạo để "
                "còn được đọc như một thứ khác); cổng thông tin không bao giờ lưu những tệp như vậy"
            ).format(path=path, format=pillow_format)
        )
    if produced != extension:
        raise UntrustedInputError(
            translate(
                "files/{path}: khi mã hoá lại sẽ được lưu thành {produced}, không phải {format} "
                "như tên tệp cho biết"
            ).format(path=path, produced=produced.upper(), format=pillow_format)
        )
    expected = owner.width or owner.row["width"]
    if width != expected or (owner.width is None and height != owner.row["height"]):
        raise UntrustedInputError(
            translate(
                "files/{path}: có kích thước {width} × {height} điểm ảnh, không như "
                "media_images id {id} ghi"
            ).format(path=path, width=width, height=height, id=owner.row["id"])
        )
    return encoded


def _image_problem(error: UploadError, pillow_format: str) -> str:
    """Why Pillow refused the bytes, in the command line's words."""
    cause = error.__cause__
    if isinstance(error, HiddenDataError):
        return translate(
            "chứa nhiều thứ hơn một ảnh {format} (một định dạng khác nằm bên trong, hoặc dữ liệu "
            "sau phần kết thúc: tệp được tạo để còn được đọc như một thứ khác); cổng thông tin "
            "không bao giờ lưu những tệp như vậy"
        ).format(format=pillow_format)
    if isinstance(cause, UnidentifiedImageError):
        return translate("không phải ảnh {format}").format(format=pillow_format)
    if isinstance(cause, Image.DecompressionBombError) or cause is None:
        return translate(
            "có số điểm ảnh nằm ngoài mức một ảnh được phép có (từ {minimum} đến {maximum})"
        ).format(minimum=MIN_SIDE, maximum=f"{MAX_PIXELS:,}")
    return translate("là ảnh {format} bị hỏng (không giải mã trọn vẹn được)").format(
        format=pillow_format
    )


def _check_attachment_file(path: str, data: bytes, owner: FileOwner) -> None:
    if len(data) != owner.row["size"]:
        raise UntrustedInputError(
            translate(
                "files/{path}: có {size} byte, không phải {expected} byte như dòng tệp đính kèm "
                "của nó ghi"
            ).format(path=path, size=f"{len(data):,}", expected=f"{owner.row['size']:,}")
        )
    try:
        kind = detect_kind(data)
    except UploadError:
        raise UntrustedInputError(
            translate(
                "files/{path}: không phải tài liệu mà cổng thông tin chấp nhận (PDF, Word, Excel, "
                "PowerPoint hoặc OpenDocument, không có macro)"
            ).format(path=path)
        ) from None
    if kind.mime_type != owner.row["mime_type"]:
        raise UntrustedInputError(
            translate("files/{path}: là tài liệu {kind}, không đúng như tên tệp cho biết").format(
                path=path, kind=kind.extension
            )
        )
