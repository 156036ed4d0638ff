"""Export the whole site to one .zip file, and import such a file (docs/export-format.md).

``flask --app wsgi portal export FILE.zip`` writes every content table
(categories, tags, media images, articles with their tags, attachments,
revisions and workflow notes, pages with their placements, drafts and
revisions) as ``content.json`` and the files they need under ``files/``.
``portal import-site FILE.zip`` reproduces the site in an empty database:
rows keep their ids, so every address (``/bai-viet/42-...``) stays the same.

What is *not* exported belongs to one installation: accounts (no password
hash ever leaves the site), failed sign-ins and the audit log. References to
accounts are exported as the person's name and e-mail and linked again, on
import, to the account with the same e-mail if the site has one (else left
empty; the names stored beside them, such as a revision's author, remain).

Both directions are safe to re-run: the export file is written under a
temporary name and moved into place at the end; the import checks the whole
file before it writes anything, writes the database in one transaction, and
with ``--merge`` keeps whatever the site already has, so importing the same
file again adds nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app
from sqlalchemy import Date, DateTime, Table, func, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from portal.cache import cache_for
from portal.content import audit
from portal.content import exchange_archive as archive_checks
from portal.content.attachments import is_stored_name as is_attachment_name
from portal.content.events import article_event, category_event, page_event
from portal.content.exchange_archive import (
    CONTENT_FILE,
    FILES_PREFIX,
    FORMAT_NAME,
    FORMAT_VERSION,
    ArchiveLimits,
    MemberReader,
)
from portal.content.exchange_checks import (
    FileOwner,
    RowChecker,
    check_file_names,
    check_row_shape,
    check_settings,
    check_table_name,
    checked_file,
    malformed_table,
)
from portal.content.media import is_stored_name as is_media_name
from portal.content.stored_files import remove_unless_committed
from portal.content.unit_of_work import Actor, UnitOfWork, unit_of_work
from portal.extensions import db
from portal.i18n import translate, translate_count
from portal.models import Article, User, utcnow
from portal.owner_only import FILE_MODE, make_folder
from portal.plugins import plugins_of
from portal.search.indexing import index_with_change
from portal.search.providers import article_document
from portal.storage import AREAS, Storage, StorageError, clean_name, storage_for
from portal.untrusted import JsonObjectStream, UntrustedInputError

#: Why a built-in plugin's table is left out of the site archive.
PLUGIN_DATA = "a plugin's own data: not carried by the site archive yet (docs/export-format.md)"
#: Tables that describe one installation rather than the site's content.
EXCLUDED_TABLES = {
    "users": "accounts stay with their installation (no password hash is ever exported)",
    "login_attempts": "failed sign-ins protect one installation",
    "user_sessions": "signed-in browsers belong to one installation (and their users)",
    "saved_filters": "the admin lists' filters people saved belong to their accounts here",
    "account_tokens": "password-reset and invitation links belong to one installation",
    "user_totp": "authenticator-app secrets stay with their accounts (never exported)",
    "recovery_codes": "recovery codes stay with their accounts (never exported)",
    "autosaves": "what an editor typed and did not save belongs to their account here",
    "outbox_events": "content events were delivered (or are due) on this installation",
    "audit_log": "who changed what on this installation",
    "notifications": "people's inboxes belong to their accounts on this installation",
    "notification_preferences": "people's e-mail choices belong to their accounts",
    "exchange_jobs": "the exports and imports run on this installation, with their reports",
    "plugin_states": "which plugins are switched on depends on what this installation has",
    "plugin_setting_values": "plugins' settings belong to this installation (and may be secrets)",
    "search_documents": "the search index is built from the content on each installation",
    "statistics_visitors": "today's visitors as salted hashes, for this installation's counts",
    # The built-in plugins' own tables. The site archive does not carry plugins' data
    # (nor their files) yet: each plugin keeps its own, see docs/export-format.md.
    "documents_types": PLUGIN_DATA,
    "documents_issuers": PLUGIN_DATA,
    "documents_fields": PLUGIN_DATA,
    "documents_items": PLUGIN_DATA,
    "documents_files": PLUGIN_DATA,
    "documents_relations": PLUGIN_DATA,
    "documents_revisions": PLUGIN_DATA,
    "questions_fields": PLUGIN_DATA,
    "questions_items": PLUGIN_DATA,
    "menus_menus": PLUGIN_DATA,
    "menus_items": PLUGIN_DATA,
    "menus_versions": PLUGIN_DATA,
    "site_profile_profile": PLUGIN_DATA,
    "site_profile_units": PLUGIN_DATA,
    "site_profile_leaders": PLUGIN_DATA,
    "site_profile_links": PLUGIN_DATA,
    "statistics_days": PLUGIN_DATA,
    "sitemaps_summaries": "worked out from the articles on each installation (their events)",
}
#: File kinds in the archive: the storage areas (portal.storage), by the setting naming them.
FILE_AREAS = AREAS
#: Already-compressed files are stored in the archive as they are.
STORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".zip", ".docx", ".xlsx", ".pptx",
                   ".odt", ".ods", ".odp")  # fmt: skip
INSERT_CHUNK = 500
#: Rows fetched from the database at a time while exporting.
ROWS_PER_FETCH = 500
COPY_BUFFER = 1024 * 1024

Progress = Callable[[int], None]


def _no_progress(_steps: int) -> None:
    return None


class ExchangeError(Exception):
    """The export or import cannot be done; nothing was changed."""


# ---------------------------------------------------------------------------
# Which tables, in which order, and how rows are recognised on another site
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """How one table takes part in export and import.

    ``identity`` names the columns that recognise "the same row" on another
    site (for ``--merge``); ``owner`` is the column pointing at the row this
    one belongs to (a placement belongs to its page): when the owner is
    already on the site, its rows are left as the site has them. ``history``
    tables are left out by ``--without-history``.
    """

    name: str
    identity: tuple[str, ...] = ()
    owner: str | None = None
    history: bool = False


TABLE_SPECS = {
    spec.name: spec
    for spec in (
        TableSpec("categories", identity=("slug",)),
        TableSpec("tags", identity=("slug",)),
        TableSpec("media_images", identity=("stored_name",)),
        # external_id when the article has one, else its slug and creation time.
        TableSpec("articles", identity=("external_id",)),
        TableSpec("article_tags", owner="article_id"),
        # The library images each body shows (migration 0012): goes with its article.
        TableSpec("article_image_uses", owner="article_id"),
        TableSpec("attachments", owner="article_id"),
        TableSpec("article_revisions", owner="article_id", history=True),
        TableSpec("article_notes", owner="article_id", history=True),
        # Reader statistics ("most read"): left out with the history.
        TableSpec("article_daily_views", owner="article_id", history=True),
        # path when the page has one, else its kind, category and language.
        TableSpec("pages", identity=("path",)),
        TableSpec("placements", owner="page_id"),
        TableSpec("page_drafts", owner="page_id"),
        TableSpec("page_revisions", owner="page_id", history=True),
        # Old addresses of the site (301/410), one row per old path.
        TableSpec("redirects", identity=("old_path",)),
    )
}


def spec_for(table: Table) -> TableSpec:
    return TABLE_SPECS.get(table.name, TableSpec(table.name))


def exported_tables(include_history: bool = True) -> list[Table]:
    """Every table of the site's content, parents before the tables that point at them.

    Tables added later (by a plugin, say) are included without being listed
    here; only :data:`EXCLUDED_TABLES` are left out.
    """
    return [
        table
        for table in db.metadata.sorted_tables
        if table.name not in EXCLUDED_TABLES and (include_history or not spec_for(table).history)
    ]


def _user_columns(table: Table) -> list[str]:
    return [
        column.name
        for column in table.columns
        if any(fk.column.table.name == "users" for fk in column.foreign_keys)
    ]


def _reference_columns(table: Table) -> dict[str, str]:
    """Column → the exported table it points at (users and self-references included)."""
    return {
        column.name: fk.column.table.name
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table.name != "users"
    }


def _has_own_id(table: Table) -> bool:
    """A single integer primary key called ``id`` that the database numbers."""
    keys = list(table.primary_key.columns)
    return len(keys) == 1 and keys[0].name == "id" and not keys[0].foreign_keys


# ---------------------------------------------------------------------------
# Values: database ↔ JSON
# ---------------------------------------------------------------------------


def _encode(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime | date):  # a day (article_daily_views.day): "2024-03-10"
        return value.isoformat()
    return value


def _decode(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime) or isinstance(
        getattr(column.type, "impl", None), DateTime
    ):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _encoded_rows(table: Table) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` as JSON values, streamed (a few hundred rows in memory at a time)."""
    order = list(table.primary_key.columns)
    query = select(table).order_by(*order).execution_options(yield_per=ROWS_PER_FETCH)
    for row in db.session.execute(query).mappings():
        yield {column.name: _encode(column, row[column.name]) for column in table.columns}


def _sha256(storage: Storage, name: str) -> str | None:
    """The SHA-256 of a stored file, or None when it is missing."""
    opened = storage.open(name)
    if opened is None:
        return None
    digest = hashlib.sha256()
    with opened.stream as handle:
        for chunk in iter(lambda: handle.read(COPY_BUFFER), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


@dataclass
class ExportReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{count} {name}" for name, count in self.rows.items() if count)
        return translate("đã xuất {rows}; {files} tệp ({bytes} byte)").format(
            rows=counts or translate("không có dòng nào"),
            files=self.files,
            bytes=f"{self.bytes:,}",
        )


@dataclass(frozen=True)
class _FileToExport:
    archive_path: str  # "media/uploads/ab/<token>.jpg"
    storage: Storage
    name: str  # "uploads/ab/<token>.jpg"


@contextmanager
def export_snapshot() -> Iterator[None]:
    """Every read of an export inside the block sees the database at one instant.

    Editors keep working while a site is exported. Read table by table, an
    export could hold the row of an image uploaded after its files were
    listed, without that image's file, or an article without the image it
    shows. On PostgreSQL the reads share one read-only REPEATABLE READ
    transaction: rows committed meanwhile are not seen, and the files of the
    rows seen were written before those rows were committed. (SQLite, for one
    machine, has no such transaction that would not stop editors' writes for
    the whole export; the files the export misses are listed as warnings there,
    and an import refuses an archive lacking files unless told otherwise.)
    """
    db.session.rollback()  # a transaction of its own, begun here
    if db.engine.dialect.name == "postgresql":
        db.session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    try:
        yield
    finally:
        db.session.rollback()


def plan_export(include_history: bool = True) -> tuple[int, list[_FileToExport], list[str]]:
    """What an export will write: the number of steps, the files, and warnings.

    The files exported are those rows name: each media image with its resized
    copies, each attachment. Only names the portal gives to the files it
    stores are exported, since an import refuses any other (see
    docs/export-format.md); anything else found in the media folder is
    reported, not exported.
    """
    warnings: list[str] = []
    files: list[_FileToExport] = []
    named: set[str] = set()
    for area, table_name, names_of in (
        ("media", "media_images", lambda row: [row.stored_name, *(row.variants or {}).values()]),
        ("attachments", "attachments", lambda row: [row.stored_name]),
    ):
        if table_name not in db.metadata.tables:
            continue
        table = db.metadata.tables[table_name]
        storage = storage_for(area)
        present = set(storage.names())  # one listing, not a question per file (S3)
        for row in db.session.execute(select(table).order_by(table.c.id)):
            for name in names_of(row):
                if f"{area}/{name}" in named:
                    continue
                if not (_generated_name(area, name) and clean_name(name)):
                    warnings.append(_strange_name(area).format(name=repr(name)))
                elif name in present:
                    files.append(_FileToExport(f"{area}/{name}", storage, name))
                    named.add(f"{area}/{name}")
                else:
                    warnings.append(_file_missing(area).format(name=name))
    for name in storage_for("media").names():
        relative = f"media/{name}"
        if relative not in named:
            warnings.append(
                translate("{path} không thuộc ảnh nào trong thư viện, không được xuất").format(
                    path=relative
                )
            )
    rows = sum(
        db.session.scalar(select(func.count()).select_from(table))
        for table in exported_tables(include_history)
    )
    return rows + len(files), files, warnings


def _strange_name(area: str) -> str:
    """The warning about a file whose name the portal does not give (``{name}`` left)."""
    if area == "media":
        return translate("tệp ảnh có tên mà cổng thông tin không đặt, không được xuất: {name}")
    return translate("tệp đính kèm có tên mà cổng thông tin không đặt, không được xuất: {name}")


def _file_missing(area: str) -> str:
    """The warning about a file a row names that is not stored (``{name}`` left)."""
    if area == "media":
        return translate("thiếu tệp ảnh, không được xuất: {name}")
    return translate("thiếu tệp đính kèm, không được xuất: {name}")


def _generated_name(area: str, name: str) -> bool:
    return is_media_name(name) if area == "media" else is_attachment_name(name)


def export_site(
    target: str | Path,
    *,
    include_history: bool = True,
    progress: Progress = _no_progress,
    plan: tuple[int, list[_FileToExport], list[str]] | None = None,
) -> ExportReport:
    """Write the site to ``target`` (a .zip); see docs/export-format.md.

    ``plan`` is what :func:`plan_export` returned (to size a progress bar
    first). The archive is built under a temporary name beside ``target`` and moved
    into place when complete, so an interrupted export never leaves a file
    that looks finished, and running it again simply replaces the file.
    """
    target = Path(target)
    if target.is_dir():
        raise ExchangeError(
            translate("{target} là một thư mục; hãy cho biết tên tệp .zip cần ghi").format(
                target=target
            )
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _steps, files, warnings = plan or plan_export(include_history)
    report = ExportReport(warnings=warnings)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            manifest = []
            for item in files:
                manifest.append(_add_file(archive, item))
                report.files += 1
                report.bytes += manifest[-1]["size"]
                progress(1)
            info = zipfile.ZipInfo(CONTENT_FILE, date_time=utcnow().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as sink:
                _write_document(sink, include_history, manifest, report, progress)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return report


class _TextSink:
    """UTF-8 text into a binary stream, a megabyte at a time."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= COPY_BUFFER:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.sink.write("".join(self.parts).encode("utf-8"))
            self.parts, self.size = [], 0


def _write_document(
    sink, include_history: bool, manifest: list[dict[str, Any]], report: ExportReport, progress
) -> None:
    """Write content.json into ``sink`` a row at a time: no table is ever held in memory.

    The rows are read from the database as they are written (``yield_per``: a
    server-side cursor on PostgreSQL), and ``people`` comes last, once the
    rows have said which accounts they point at.
    """
    out = _TextSink(sink)

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    head = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "site_name": current_app.config.get("PORTAL_SITE_NAME", ""),
        "schema_revision": _schema_revision(),
        "includes_history": include_history,
    }
    out.write("{\n")
    for key, value in head.items():
        out.write(f" {dumps(key)}: {dumps(value)},\n")
    out.write(' "tables": {')
    people: set[int] = set()
    for number, table in enumerate(exported_tables(include_history)):
        user_columns = _user_columns(table)
        columns = dumps([c.name for c in table.columns])
        out.write(
            f'{"," if number else ""}\n  {dumps(table.name)}: {{"columns": {columns}, "rows": ['
        )
        count = 0
        for row in _encoded_rows(table):
            out.write(f"{',' if count else ''}\n   {dumps(row)}")
            count += 1
            people.update(row[c] for c in user_columns if row[c] is not None)
            progress(1)
        out.write("\n  ]}")
        report.rows[table.name] = count
    out.write("\n },\n")
    out.write(f' "files": {dumps(manifest)},\n')
    out.write(f' "people": {dumps(_people(people))}\n}}\n')
    out.flush()


def _add_file(archive: zipfile.ZipFile, item: _FileToExport) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    compress = (
        zipfile.ZIP_STORED
        if PurePosixPath(item.name).suffix.lower() in STORED_SUFFIXES
        else zipfile.ZIP_DEFLATED
    )
    info = zipfile.ZipInfo(FILES_PREFIX + item.archive_path, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compress
    opened = item.storage.open(item.name)
    if opened is None:
        raise ExchangeError(
            translate("{path} đã biến mất trong lúc xuất site").format(path=item.archive_path)
        )
    with opened.stream as source, archive.open(info, "w", force_zip64=True) as sink:
        for chunk in iter(lambda: source.read(COPY_BUFFER), b""):
            digest.update(chunk)
            size += len(chunk)
            sink.write(chunk)
    return {"path": item.archive_path, "size": size, "sha256": digest.hexdigest()}


def _people(user_ids: set[int]) -> list[dict[str, Any]]:
    if not user_ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id))
    return [{"id": u.id, "name": u.name, "email": u.email} for u in users]


def _schema_revision() -> str | None:
    if "alembic_version" not in inspect(db.engine).get_table_names():
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


# ---------------------------------------------------------------------------
# Import: reading and checking the file
# ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    added: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    files_written: int = 0
    files_unchanged: int = 0
    files_kept: int = 0
    people_linked: int = 0
    people_missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What the import did, as ``portal import-site`` prints it."""
        added = ", ".join(f"{n} {name}" for name, n in self.added.items() if n)
        text_ = (
            translate("đã thêm {added}").format(added=added)
            if added
            else translate("không thêm gì")
        )
        kept = ", ".join(f"{n} {name}" for name, n in self.kept.items() if n)
        if kept:
            text_ += translate("; đã có trên site (giữ nguyên): {kept}").format(kept=kept)
        text_ += translate("; tệp: {written} đã ghi, {unchanged} đã có sẵn").format(
            written=self.files_written, unchanged=self.files_unchanged
        )
        if self.files_kept:
            text_ += translate(", {kept} giữ như site đang có").format(kept=self.files_kept)
        if self.people_linked or self.people_missing:
            text_ += translate(
                "; tác giả: {linked} gắn với tài khoản, {missing} không có tài khoản ở đây"
            ).format(linked=self.people_linked, missing=len(self.people_missing))
        return text_


@dataclass
class SiteArchive:
    """A checked export file, open for reading.

    ``document`` holds content.json without its rows: the head (format,
    version, ...), ``tables`` (name → ``{"count": rows}``, in the file's
    order), ``files`` and ``people``. The rows stay in the archive and are
    read again, a row at a time, by :meth:`rows`.
    """

    path: Path
    zip: zipfile.ZipFile
    document: dict[str, Any]
    #: Archive member name → its entry in the zip's directory (checked by check_members).
    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    #: Archive file path (``media/uploads/...``) → the row that names it.
    owners: dict[str, FileOwner] = field(default_factory=dict)
    limits: ArchiveLimits | None = None
    reader: MemberReader | None = None

    @property
    def files_missing(self) -> list[str]:
        """Files its rows name that the archive does not hold, each with its row
        (an export taken while the files were missing)."""
        present = {entry["path"] for entry in self.document["files"]}
        missing = []
        for path, owner in sorted(self.owners.items()):
            if path not in present:
                missing.append(_missing_file(path, owner))
        return missing

    @property
    def steps(self) -> int:
        rows = sum(t["count"] for t in self.document["tables"].values())
        return rows + len(self.document["files"])

    def rows(self, only: str | None = None) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """(table, index, row) of every row of content.json (or of table ``only``), in order.

        content.json was checked whole by :func:`open_archive`; it is read
        again here as a stream (its values are not checked a second time).
        """
        reader = MemberReader(self.zip, self.limits)  # (its bytes were counted once already)
        for kind, key, value in _content_stream(self.members, reader, self.limits, check=False):
            is_row = kind == "item" and isinstance(key, tuple) and len(key) == 3
            if is_row and key[2] == "rows" and (only is None or key[1] == only):
                yield key[1], value[0], value[1]


def _missing_file(path: str, owner: FileOwner) -> str:
    """A file missing from the archive, with the row that names it."""
    row_id = owner.row.get("id")
    if owner.area != "media":
        return translate("{path} (tệp đính kèm #{id})").format(path=path, id=row_id)
    if owner.width:
        return translate("{path} (ảnh #{id}, bản {width} px)").format(
            path=path, id=row_id, width=owner.width
        )
    return translate("{path} (ảnh #{id})").format(path=path, id=row_id)


def _content_stream(
    members: dict[str, zipfile.ZipInfo], reader: MemberReader, limits: ArchiveLimits, *, check: bool
) -> Iterator[tuple[str, Any, Any]]:
    """The events of content.json read as a stream (:class:`portal.untrusted.JsonObjectStream`):
    ``tables`` and each table are opened, each table's rows come one at a time."""
    info = members.get(CONTENT_FILE)
    if info is None:
        raise archive_checks.no_content_file()
    setting = "PORTAL_IMPORT_MAX_CONTENT_BYTES"
    stream = JsonObjectStream(
        lambda: reader.open(info, limits.content_bytes, setting=setting),
        what=CONTENT_FILE,
        limit=limits.content_bytes,
        setting=setting,
        check=check,
        descend=lambda path: path[0] == "tables" and len(path) <= 2,
    )
    return stream.events()


def _scan_content(
    members: dict[str, zipfile.ZipInfo], reader: MemberReader, limits: ArchiveLimits
) -> tuple[dict[str, Any], dict[str, FileOwner]]:
    """Read content.json once, a row at a time, checking all of it; its rowless document
    (see :class:`SiteArchive`) and the row owning each file.

    Each row is held to the rules (:class:`portal.content.exchange_checks.RowChecker`)
    as it is read, and let go: what checks between rows need is kept compactly.
    """
    checker = RowChecker(plugins_of(current_app))
    head: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    lists: dict[str, list[Any]] = {}
    current: str | None = None
    for kind, key, value in _content_stream(members, reader, limits, check=True):
        if kind == "top":  # not an object at all
            archive_checks.check_head({})
        if isinstance(key, str):  # a member of the top level
            if key == "tables" and kind == "end":
                continue
            if key == "tables":
                archive_checks.check_head(head)
                if kind != "object":
                    raise archive_checks.missing_member("tables")
                head["tables"] = tables
            elif kind == "value":
                head[key] = value
            elif kind == "list":
                lists[key] = head[key] = []
            elif kind == "item" and key in ("files", "people"):
                lists[key].append(value[1])
            continue
        if len(key) == 2:  # a table: ("tables", name)
            name = key[1]
            if kind == "object":
                check_table_name(name, EXCLUDED_TABLES)
                tables[name] = {"count": None}
                current = name
            elif kind == "end":
                if tables[name]["count"] is None:
                    raise malformed_table(name)
                checker.table_done(name)
                current = None
            else:
                check_table_name(name, EXCLUDED_TABLES)
                raise malformed_table(name)
        elif len(key) == 3 and key[2] == "rows" and key[1] == current:
            if kind == "list":
                tables[current]["count"] = 0
            elif kind == "item":
                index, row = value
                check_row_shape(current, index, row)
                checker.row(current, index, row)
                tables[current]["count"] += 1
            else:
                raise malformed_table(current)
    archive_checks.check_head(head)
    for key, kind_ in (("tables", dict), ("files", list), ("people", list)):
        if not isinstance(head.get(key), kind_):
            raise archive_checks.missing_member(key)
    archive_checks.check_manifest(head["files"], members, limits)
    owners = checker.finish(head["people"])
    check_file_names([entry["path"] for entry in head["files"]], owners)
    return head, owners


def open_archive(path: str | Path) -> SiteArchive:
    """Open and check an export file completely; raise :class:`ExchangeError` if it is unusable.

    Everything that can be checked without writing is checked here: the
    archive's size and members (:mod:`portal.content.exchange_archive`), content.json
    as untrusted JSON, the format, and every row (:mod:`portal.content.exchange_checks`),
    content.json read as a stream, a row at a time, so that memory does not grow with
    the site. The files' contents are checked by :func:`import_site` as it unpacks them.
    """
    path = Path(path)
    if not path.is_file():
        raise ExchangeError(
            translate("Không có tệp này: {path}. Không có gì được nhập.").format(path=path)
        )
    limits = ArchiveLimits.from_config(current_app.config)
    try:
        with path.open("rb") as handle:
            archive_checks.check_member_count(archive_checks.declared_member_count(handle), limits)
        archive = zipfile.ZipFile(path)
    except UntrustedInputError as exc:
        raise _refused(path, exc) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExchangeError(
            translate("{path} không phải tệp .zip ({detail}). Không có gì được nhập.").format(
                path=path, detail=exc
            )
        ) from exc
    try:
        members = archive_checks.check_members(archive, limits)
        reader = MemberReader(archive, limits)
        document, owners = _scan_content(members, reader, limits)
    except UntrustedInputError as exc:
        archive.close()
        raise _refused(path, exc) from None
    except Exception:
        archive.close()
        raise
    return SiteArchive(path, archive, document, members, owners, limits, reader)


def _refused(path: Path, problem: UntrustedInputError) -> ExchangeError:
    return ExchangeError(
        translate("{name}: {problem}. Không có gì được nhập.").format(
            name=path.name, problem=problem
        )
    )


# ---------------------------------------------------------------------------
# Import: writing
# ---------------------------------------------------------------------------


def content_counts() -> dict[str, int]:
    """Rows per content table on this site (the tables an import would fill)."""
    counts = {}
    for table in exported_tables():
        count = db.session.scalar(select(func.count()).select_from(table))
        if count:
            counts[table.name] = count
    return counts


def check_importable(*, merge: bool) -> None:
    """Refuse (ExchangeError) to import into a site with content, unless merging."""
    existing = content_counts()
    if existing and not merge:
        described = ", ".join(f"{n} {name}" for name, n in existing.items())
        raise ExchangeError(
            translate(
                "Site đã có nội dung ({described}). Hãy nhập vào một cơ sở dữ liệu trống, "
                "hoặc dùng --merge để chỉ thêm những gì site chưa có. Không có gì được nhập."
            ).format(described=described)
        )


def site_actor(path: str | Path) -> Actor:
    """Who the audit entry and the events of a site import name: the import and its file."""
    return Actor.system(f"Nhập toàn bộ site từ {Path(path).name}"[:300])


def import_site(
    archive: SiteArchive,
    *,
    merge: bool = False,
    allow_missing_files: bool = False,
    progress: Progress = _no_progress,
    dry_run: bool = False,
) -> ImportReport:
    """Reproduce the exported site here; see docs/export-format.md.

    With ``dry_run`` everything is done and checked as for real (files unpacked
    and checked, rows written, conflicts found), then rolled back: the report
    says what the import would do, and nothing is changed.

    Without ``merge`` the site must have no content (accounts may exist).
    Every file is first read from the archive, checked against its checksum
    and by its content (images re-encoded, documents recognised), and written
    to a staging folder in the instance folder; then every row is inserted
    in one unit of work (:mod:`portal.content.unit_of_work`), with an audit
    entry saying what was imported and the content events of what readers
    can now see; only when all of that worked are the files moved into place
    and the rows, the audit entry and the events committed together. If
    anything fails, nothing is changed (the staging folder goes, no event is
    written) and running the import again starts from the same point.
    """
    check_importable(merge=merge)
    report = ImportReport()
    missing = archive.files_missing
    if missing and not allow_missing_files:
        shown = "; ".join(missing[:5]) + (
            translate("; và {count} tệp khác").format(count=len(missing) - 5)
            if len(missing) > 5
            else ""
        )
        raise ExchangeError(
            translate_count(
                "{name}: {count} tệp mà các dòng của nó nêu tên không có trong bản lưu trữ "
                "({shown}); bản xuất được tạo khi các tệp đó đang thiếu. Hãy xuất lại site, "
                "hoặc vẫn nhập với --allow-missing-files (những ảnh và tệp đính kèm đó sẽ "
                "không có tệp). Không có gì được nhập.",
                len(missing),
            ).format(name=archive.path.name, count=len(missing), shown=shown)
        )
    report.warnings += [
        translate("{path}: không có trong bản lưu trữ, được nhập mà không có tệp").format(path=path)
        for path in missing
    ]
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=instance))
    try:
        with unit_of_work(site_actor(archive.path)) as unit:
            staged, image_sizes = _stage_files(
                archive, staging, report, merge=merge, progress=progress
            )
            people = _link_people(archive.document["people"], report)
            writer = _RowWriter(
                archive, people, merge=merge, report=report, image_sizes=image_sizes
            )
            writer.dry_run = dry_run
            writer.write_all(progress)
            if dry_run:
                raise _DryRun  # the unit of work rolls back: nothing was written
            _record_import(archive, report, merge=merge)
            _announce(unit, writer.added_ids)
            _place_files(archive, staged)
    except _DryRun:
        pass
    except UntrustedInputError as exc:
        raise _refused(archive.path, exc) from None
    except StorageError as exc:
        raise ExchangeError(
            translate("{name}: không lưu được một tệp ({detail}). Không có gì được nhập.").format(
                name=archive.path.name, detail=exc
            )
        ) from None
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ExchangeError(
            translate(
                "{name}: cơ sở dữ liệu từ chối một dòng ({detail}). Không có gì được nhập."
            ).format(name=archive.path.name, detail=detail)
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


class _DryRun(Exception):
    """Leaves the unit of work of a dry run, which rolls back what it wrote."""


def _place_files(archive: SiteArchive, staged: list[tuple[Path, str, str]]) -> None:
    """Put the staged files into their storage; new ones go again if the commit fails."""
    for temporary, area, name in staged:
        storage = storage_for(area)
        new = not storage.exists(name)
        with temporary.open("rb") as source:
            storage.put(name, source)
        if new:
            remove_unless_committed(db.session(), storage, [name])


def _record_import(archive: SiteArchive, report: ImportReport, *, merge: bool) -> None:
    """The audit entry of a site import: what it added and kept, by table, and its files."""
    added = {name: n for name, n in report.added.items() if n}
    kept = {name: n for name, n in report.kept.items() if n}
    described = ", ".join(f"{n} {name}" for name, n in added.items()) or "không thêm gì"
    audit.record(
        "site.import",
        subject_type="site",
        summary=f"Nhập toàn bộ site từ {archive.path.name}"
        + (" (gộp vào nội dung có sẵn)" if merge else "")
        + f": {described}",
        after={
            "file": archive.path.name,
            "merge": merge,
            "added": added,
            "kept": kept,
            "files_written": report.files_written,
            "files_unchanged": report.files_unchanged,
            "files_kept": report.files_kept,
        },
    )


def _stage_files(
    archive: SiteArchive, staging: Path, report: ImportReport, *, merge: bool, progress: Progress
) -> tuple[list[tuple[Path, Path]], dict[str, int]]:
    """Check every file; write those missing here (or, without merge, different) to ``staging``.

    Returns (staged file, target) pairs and the size of each image as it will
    be stored (re-encoding changes it); raises :class:`UntrustedInputError`
    for a damaged or refused file.
    """
    staged: list[tuple[Path, str, str]] = []
    image_sizes: dict[str, int] = {}
    for entry in archive.document["files"]:
        progress(1)
        area, relative = entry["path"].split("/", 1)
        owner = archive.owners[entry["path"]]
        info = archive.members[FILES_PREFIX + entry["path"]]
        setting = "PORTAL_MAX_IMAGE_BYTES" if area == "media" else "PORTAL_MAX_ATTACHMENT_BYTES"
        data = archive.reader.read(info, archive.limits.file_bytes[area], setting=setting)
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise UntrustedInputError(
                translate("{path} trong bản lưu trữ bị hỏng (mã kiểm tra không khớp)").format(
                    path=entry["path"]
                )
            )
        data = checked_file(entry["path"], data, owner)
        if area == "media" and owner.width is None:
            image_sizes[relative] = len(data)
        storage = storage_for(area)
        if clean_name(relative) is None or (
            storage.local_path(relative) is None and storage.kind == "local"
        ):  # the site's own folder links elsewhere
            raise UntrustedInputError(
                translate("files/{path} sẽ bị ghi ra ngoài thư mục của nó").format(
                    path=entry["path"]
                )
            )
        here = _sha256(storage, relative)
        if here is not None:
            if here == hashlib.sha256(data).hexdigest():
                report.files_unchanged += 1
                continue
            if merge:
                report.files_kept += 1
                report.warnings.append(
                    translate("{path}: giữ tệp site đang có").format(path=entry["path"])
                )
                continue
        temporary = staging / entry["path"]
        make_folder(temporary.parent)
        temporary.write_bytes(data)
        os.chmod(temporary, FILE_MODE)  # owner-only, like every file the portal writes
        staged.append((temporary, area, relative))
        report.files_written += 1
    return staged, image_sizes


def _link_people(people: list[dict[str, Any]], report: ImportReport) -> dict[int, int | None]:
    """Exported account id → the account here with the same e-mail (or None)."""
    accounts = {
        email.lower(): user_id for user_id, email in db.session.execute(select(User.id, User.email))
    }
    linked: dict[int, int | None] = {}
    for person in people:
        local = accounts.get(str(person.get("email", "")).lower())
        linked[person["id"]] = local
        if local is None:
            report.people_missing.append(f"{person.get('name', '')} <{person.get('email', '')}>")
        else:
            report.people_linked += 1
    return linked


class _RowWriter:
    """Inserts the exported rows table by table, translating the ids they point at.

    The rows are read from the archive as they are written (:meth:`SiteArchive.rows`),
    a batch at a time; only the ids rows of later tables may need are kept (and,
    without ``merge``, not even those: every row keeps its id).
    """

    #: Tables whose added ids are announced (:func:`_announce`).
    ANNOUNCED = ("categories", "pages", "articles")
    #: A dry run (``import_site(dry_run=True)``): everything is rolled back afterwards.
    dry_run = False

    def __init__(
        self, archive, people, *, merge: bool, report: ImportReport, image_sizes: dict[str, int]
    ) -> None:
        self.archive = archive
        self.people = people
        self.merge = merge
        self.report = report
        #: stored name → size of the image as stored here (re-encoded on import)
        self.image_sizes = image_sizes
        self.registry = plugins_of(current_app)
        #: table → exported id → id on this site (with ``merge`` only: else ids are kept)
        self.ids: dict[str, dict[Any, Any]] = {}
        #: table → exported ids of rows that were already on the site (kept, not imported)
        self.kept: dict[str, set[Any]] = {}
        #: table → ids (here) of the rows added, for the tables whose additions are announced
        self.added_ids: dict[str, list[Any]] = {}

    def write_all(self, progress: Progress) -> None:
        names = list(self.archive.document["tables"])
        ordered = [table for table in db.metadata.sorted_tables if table.name in names]
        if [table.name for table in ordered] == names:  # as exported: one pass over the file
            rows = _Lookahead(self.archive.rows())
            for table in ordered:
                self._write_table(table, rows.take(table.name), progress)
        else:  # tables in another order: one pass over the file per table, parents first
            for table in ordered:
                rows = ((i, row) for _name, i, row in self.archive.rows(only=table.name))
                self._write_table(table, rows, progress)
        if db.engine.dialect.name == "postgresql" and not self.dry_run:
            self._advance_sequences()  # (not transactional: a dry run leaves them be)

    def _write_table(
        self, table: Table, rows: Iterator[tuple[int, dict[str, Any]]], progress: Progress
    ) -> None:
        spec = spec_for(table)
        own_id = _has_own_id(table)
        references = _reference_columns(table)
        user_columns = _user_columns(table)
        id_map = self.ids.setdefault(table.name, {})
        kept = self.kept.setdefault(table.name, set())
        existing_keys, taken_ids = self._existing(table, spec) if self.merge else ({}, set())
        taken_values = self._unique_values(table) if self.merge else {}
        added: list[Any] | None = [] if table.name in self.ANNOUNCED else None
        added_count = 0
        kept_count = 0
        batch: list[dict[str, Any]] = []
        for position, exported in _parents_first(table, rows):
            progress(1)
            # Every row, also one the site already has: a refused archive is refused whole.
            check_settings(table.name, position, exported, self.registry)
            owner_table = references.get(spec.owner or "", "")
            if spec.owner and exported.get(spec.owner) in self.kept.get(owner_table, ()):
                kept_count += 1  # belongs to a row the site already had: the site's own stays
                continue
            row = self._translated(table, exported, references, user_columns)
            key = _identity(table.name, spec, row) if self.merge else None
            if key is not None and key in existing_keys:
                id_map[exported["id"]] = existing_keys[key]
                kept.add(exported["id"])
                kept_count += 1
                continue
            for column, values in taken_values.items():
                if row.get(column) is not None and row[column] in values:
                    raise UntrustedInputError(
                        translate(
                            "{table} {id}: {column} {value} đã được một dòng khác của site này dùng"
                        ).format(
                            table=table.name,
                            id=exported.get("id", ""),
                            column=column,
                            value=repr(row[column]),
                        )
                    )
                values.add(row.get(column))
            if table.name == "media_images" and row["stored_name"] in self.image_sizes:
                row["size"] = self.image_sizes[row["stored_name"]]
            if own_id:
                if row["id"] in taken_ids:  # the number is used here: take the next free one
                    row["id"] = max(taken_ids) + 1
                if self.merge:
                    taken_ids.add(row["id"])
                    id_map[exported["id"]] = row["id"]
                if added is not None:
                    added.append(row["id"])
                if key is not None:
                    existing_keys[key] = row["id"]
            added_count += 1
            batch.append({name: _decode(table.columns[name], value) for name, value in row.items()})
            if len(batch) >= INSERT_CHUNK:
                self._flush(table, batch)
        self._flush(table, batch)
        if added is not None:
            self.added_ids[table.name] = added
        self.report.added[table.name] = added_count
        self.report.kept[table.name] = kept_count

    def _translated(self, table, exported, references, user_columns) -> dict[str, Any]:
        """The row with the ids it points at translated to this site's."""
        row = dict(exported)
        for column in user_columns:
            if row.get(column) is not None:
                row[column] = self.people.get(row[column])
        if not self.merge:
            return row  # every row keeps its id: references stay as they are
        for column, target in references.items():
            if column in row and row[column] is not None and column not in user_columns:
                row[column] = self.ids.get(target, {}).get(row[column])
        self._fix_documents(table.name, row)
        return row

    @staticmethod
    def _flush(table: Table, batch: list[dict[str, Any]]) -> None:
        if batch:
            db.session.execute(insert(table), batch)
            batch.clear()

    def _existing(self, table: Table, spec: TableSpec) -> tuple[dict[tuple, Any], set[Any]]:
        """Identity key → id of the rows already on the site, and the ids taken."""
        keys: dict[tuple, Any] = {}
        taken: set[Any] = set()
        own_id = _has_own_id(table)
        for row in _encoded_rows(table):
            if own_id:
                taken.add(row["id"])
            key = _identity(table.name, spec, row)
            if key is not None and own_id:
                keys[key] = row["id"]
        return keys, taken

    @staticmethod
    def _unique_values(table: Table) -> dict[str, set[Any]]:
        """Values the site already has in the table's unique columns (other than its id)."""
        columns = [c for c in table.columns if c.unique and not c.primary_key]
        return {
            column.name: set(db.session.scalars(select(column).where(column.is_not(None))))
            for column in columns
        }

    def _fix_documents(self, table_name: str, row: dict[str, Any]) -> None:
        """Ids inside JSON documents (page drafts and revisions, article snapshots)."""
        if not self.merge:
            return  # ids are kept as they were: nothing to translate
        if table_name in {"page_drafts", "page_revisions"} and isinstance(
            row.get("document"), dict
        ):
            row["document"] = self._fix_page_document(row["document"])
        if table_name == "article_revisions" and isinstance(row.get("snapshot"), dict):
            snapshot = dict(row["snapshot"])
            for key, target in (
                ("category_id", "categories"),
                ("image_id", "media_images"),
                ("social_image_id", "media_images"),
            ):
                if isinstance(snapshot.get(key), int):
                    snapshot[key] = self.ids.get(target, {}).get(snapshot[key])
            row["snapshot"] = snapshot

    def _fix_page_document(self, document: dict[str, Any]) -> dict[str, Any]:
        document = copy.deepcopy(document)
        placements = self.ids.get("placements", {})
        for item in document.get("placements", []):
            old = item.get("id")
            if old is None:
                continue
            if old in placements:
                item["id"] = placements[old]
                item["key"] = f"p{placements[old]}"
            else:  # a placement that no longer exists: it would be added again on restore
                item["id"] = None
                item["key"] = "n" + secrets.token_hex(6)
        return document

    def _advance_sequences(self) -> None:
        """Rows inserted with their ids: move each id sequence past the highest one."""
        for name in self.archive.document["tables"]:
            table = db.metadata.tables[name]
            if not _has_own_id(table):
                continue
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {name}), 1), "
                    f"(SELECT MAX(id) FROM {name}) IS NOT NULL)"
                )
            )


def _identity(table_name: str, spec: TableSpec, row: dict[str, Any]) -> tuple | None:
    """What recognises this row on another site, or None (then it is always added)."""
    if table_name == "articles":
        if row.get("external_id"):
            return ("external_id", row["external_id"])
        return ("slug+created_at", row.get("slug"), row.get("created_at"))
    if table_name == "pages":
        if row.get("path"):
            return ("path", row["path"])
        # The English site has its own default category page and article template.
        language = row.get("language") or "vi"
        return ("kind+category+language", row.get("kind"), row.get("category_id"), language)
    if not spec.identity:
        return None
    return tuple(row.get(column) for column in spec.identity)


def _parents_first(
    table: Table, rows: Iterator[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, row) pairs, those of a tree (categories, pages, translated articles) ordered
    so that a parent comes before its children.

    Streamed: a row whose parent is in the file but not written yet waits for it, and
    only such rows are held (exports list parents first, so usually none); what is kept
    of every row is its id. Rows whose parent never comes (the checks refuse such a
    file) follow at the end, parents first among themselves.
    """
    # Sorted: the foreign keys are a set (categories and pages have two such columns).
    self_columns = sorted(fk.parent.name for fk in table.foreign_keys if fk.column.table is table)
    if not self_columns or "id" not in table.c:
        yield from rows
        return
    written: set[Any] = set()
    waiting: dict[Any, list[tuple[int, dict[str, Any]]]] = {}  # parent id → its children

    def missing(row: dict[str, Any]) -> Any:
        """A parent of the row not written yet (None: every parent is)."""
        for column in self_columns:
            parent = row.get(column)
            if parent is not None and parent not in written and parent != row["id"]:
                return parent
        return None

    def released(pair: tuple[int, dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """The pair, then every waiting row it lets through (its children, theirs...)."""
        ready = [pair]
        while ready:
            pair = ready.pop()
            parent = missing(pair[1])
            if parent is not None:  # another of its parents is still to come
                waiting.setdefault(parent, []).append(pair)
                continue
            written.add(pair[1]["id"])
            yield pair
            ready.extend(reversed(waiting.pop(pair[1]["id"], [])))

    for pair in rows:
        yield from released(pair)
    left = sorted((pair for children in waiting.values() for pair in children), key=itemgetter(0))
    yield from _parents_first_held(self_columns[0], left)


def _parents_first_held(
    column: str, rows: list[tuple[int, dict[str, Any]]]
) -> list[tuple[int, dict[str, Any]]]:
    """The rows still waiting at the end, each after its parent when that is among them."""
    by_id = {row["id"]: (index, row) for index, row in rows}
    placed: set[Any] = set()
    ordered: list[tuple[int, dict[str, Any]]] = []

    def place(pair, trail=()):
        index, row = pair
        if row["id"] in placed:
            return
        parent = by_id.get(row.get(column))
        if parent is not None and parent[1]["id"] not in trail:
            place(parent, (*trail, row["id"]))
        placed.add(row["id"])
        ordered.append(pair)

    for pair in rows:
        place(pair)
    return ordered


class _Lookahead:
    """The rows of a stream of (table, index, row), taken a table at a time."""

    def __init__(self, rows: Iterator[tuple[str, int, dict[str, Any]]]) -> None:
        self.rows = rows
        self.next: tuple[str, int, dict[str, Any]] | None = next(rows, None)

    def take(self, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
        while self.next is not None and self.next[0] == name:
            _name, index, row = self.next
            self.next = next(self.rows, None)
            yield index, row


def _announce(unit: UnitOfWork, added_ids: dict[str, list[Any]]) -> None:
    """Announce what readers can now see; once committed, drop every cached block here too."""
    app = current_app._get_current_object()
    unit.on_commit(lambda: cache_for(app).clear())
    for category_id in added_ids.get("categories", []):
        unit.announce(category_event("created", category_id))
    for page_id in added_ids.get("pages", []):
        unit.announce(page_event("created", page_id))
    article_ids = added_ids.get("articles", [])
    for start in range(0, len(article_ids), INSERT_CHUNK):
        chunk = article_ids[start : start + INSERT_CHUNK]
        # Scheduled articles too: the search index keeps them until their time comes.
        public = select(Article).where(
            Article.id.in_(chunk), Article.status == "published", Article.published_at.is_not(None)
        )
        documents = []
        articles = list(db.session.scalars(public))
        for article in articles:
            event = article_event("published", article)
            unit.announce(event)
            documents.append((event, article_document(article)))
        # Indexed with the rows, in this transaction: their events owe the caches and plugins.
        unit.indexed.update(index_with_change(documents))
        for article in articles:  # not kept in the session: memory stays flat
            db.session.expunge(article)
        unit.write_events()  # into the outbox a chunk at a time, not all held to the end
