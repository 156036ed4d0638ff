"""Bulk import of documents from CSV, Excel (XLSX) or JSON: all rows, or none.

Every row is read and checked first (known type, issuer and field; number
format; real dates in dd/mm/yyyy or ISO; dates in order; number not already
used by the issuer that year, in the database or earlier in the file). The
report says, per row, "ok" or what is wrong. Only when no row is wrong are
the documents written, in one unit of work; otherwise nothing is. The format
is described in docs/documents-import.md (sample: examples/documents-import.csv).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from portal import Actor, db, fold, unit_of_work

from .models import STATUS_LABELS, Document
from .validation import DocumentValues, check_values, normalize_number, parse_date
from .vocabularies import VOCABULARIES
from .workflow import DocumentError, can, publish, save_document

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

#: Column → the names a header may have (compared without accents, case or spaces).
COLUMNS = {
    "type": ("loai", "loai van ban", "type"),
    "number": ("so hieu", "so ky hieu", "so", "number"),
    "issuer": ("co quan", "co quan ban hanh", "issuer"),
    "signer": ("nguoi ky", "signer"),
    "field": ("linh vuc", "field"),
    "issued_on": ("ngay ban hanh", "issued on", "issued_on"),
    "effective_on": ("ngay hieu luc", "ngay co hieu luc", "effective on", "effective_on"),
    "expires_on": ("ngay het hieu luc", "expires on", "expires_on"),
    "status": ("tinh trang", "tinh trang hieu luc", "hieu luc", "status"),
    "summary": ("trich yeu", "summary"),
}
REQUIRED = ("type", "number", "issuer", "issued_on", "summary")
LABELS = {
    "type": "Loại",
    "number": "Số hiệu",
    "issuer": "Cơ quan ban hành",
    "signer": "Người ký",
    "field": "Lĩnh vực",
    "issued_on": "Ngày ban hành",
    "effective_on": "Ngày hiệu lực",
    "expires_on": "Ngày hết hiệu lực",
    "status": "Tình trạng",
    "summary": "Trích yếu",
}
FIELD_TO_COLUMN = {
    "type_id": "type",
    "issuer_id": "issuer",
    "field_id": "field",
    "number": "number",
    "signer": "signer",
    "issued_on": "issued_on",
    "effective_on": "effective_on",
    "expires_on": "expires_on",
    "status": "status",
    "summary": "summary",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, no header ...)."""


@dataclass
class RowResult:
    """One row of the file: its line (as the editor's program numbers it) and what is wrong."""

    line: int
    label: str
    errors: list[str] = field(default_factory=list)
    values: DocumentValues | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    file_name: str
    rows: list[RowResult]
    written: int = 0
    dry_run: bool = False

    @property
    def bad_rows(self) -> list[RowResult]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.bad_rows

    def summary(self) -> str:
        if not self.rows:
            return f"Tệp {self.file_name} không có dòng văn bản nào."
        if self.bad_rows:
            return (
                f"Tệp {self.file_name}: {len(self.bad_rows)}/{len(self.rows)} dòng có lỗi; "
                "chưa nhập văn bản nào. Hãy sửa các dòng báo lỗi rồi nhập lại cả tệp."
            )
        if self.dry_run:
            return (
                f"Tệp {self.file_name}: {len(self.rows)} dòng đều hợp lệ (chỉ kiểm tra, chưa ghi)."
            )
        return f"Đã nhập {self.written} văn bản từ tệp {self.file_name}."


# -- reading the file ------------------------------------------------------------------------------


def _header_key(text: Any) -> str:
    return " ".join(fold(str(text or "")).replace("_", " ").split())


def _columns_of(header: list[Any]) -> dict[int, str]:
    """Position in the row → column name; unknown headers are an error (a typo loses data)."""
    names = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
    found: dict[int, str] = {}
    unknown = []
    for position, text in enumerate(header):
        key = _header_key(text)
        if not key:
            continue
        if key in names:
            found[position] = names[key]
        else:
            unknown.append(str(text))
    if unknown:
        raise ImportFileError(
            "Tiêu đề cột không nhận ra: " + ", ".join(f"“{t}”" for t in unknown)
            + ". Các cột dùng được: " + ", ".join(LABELS.values()) + "."
        )  # fmt: skip
    missing = [LABELS[c] for c in REQUIRED if c not in found.values()]
    if missing:
        raise ImportFileError("Tệp thiếu cột: " + ", ".join(missing) + ".")
    return found


def _rows_from_table(table: list[list[Any]], first_line: int = 1) -> list[tuple[int, dict]]:
    lines = [(first_line + i, row) for i, row in enumerate(table)]
    lines = [(n, row) for n, row in lines if any(str(c or "").strip() for c in row)]
    if not lines:
        raise ImportFileError("Tệp trống: không có dòng tiêu đề.")
    header_line, header = lines[0]
    columns = _columns_of(header)
    return [
        (n, {columns[i]: value for i, value in enumerate(row) if i in columns})
        for n, row in lines[1:]
    ]


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "Tệp CSV phải mã hóa UTF-8 (trong Excel: Lưu thành → CSV UTF-8)."
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return _rows_from_table(list(csv.reader(io.StringIO(text), delimiter=delimiter)))


def read_xlsx(data: bytes) -> list[tuple[int, dict]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"Không đọc được tệp Excel (.xlsx): {exc}") from None
    try:
        sheet = book.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 50)]
    finally:
        book.close()
    return _rows_from_table(table)


def read_json(data: bytes) -> list[tuple[int, dict]]:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"Tệp JSON không hợp lệ: {exc}") from None
    if isinstance(parsed, dict):
        parsed = parsed.get("documents", parsed.get("van_ban"))
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed):
        raise ImportFileError(
            'Tệp JSON phải là một danh sách văn bản: [{"loai": ..., "so_hieu": ...}, ...].'
        )
    keys = sorted({str(key) for item in parsed for key in item})
    columns = {keys[position]: column for position, column in _columns_of(keys).items()}
    return [
        (number, {columns[str(k)]: v for k, v in item.items() if str(k) in columns})
        for number, item in enumerate(parsed, start=1)
    ]


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def read_rows(data: bytes, file_name: str) -> list[tuple[int, dict]]:
    """(line, {column: raw value}) for each row of the file; ImportFileError if unreadable."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("Tệp quá lớn: tối đa 5 MB; hãy chia thành nhiều tệp.")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if data.startswith(b"PK\x03\x04"):
        extension = "xlsx"
    elif extension not in READERS:
        raise ImportFileError("Hãy chọn tệp .csv, .xlsx hoặc .json.")
    elif extension == "xlsx":
        raise ImportFileError("Tệp này không phải tệp Excel .xlsx thật (hãy lưu lại bằng Excel).")
    rows = READERS[extension](data)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"Tệp có {len(rows)} dòng; tối đa {MAX_ROWS} dòng mỗi lần nhập.")
    return rows


# -- checking rows -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


class _Row:
    """The messages of one row, and which fields already have one (no second message)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.failed: set[str] = set()

    def fail(self, key: str, message: str) -> None:
        self.errors.append(message)
        self.failed.add(key)


def _date_of(value: Any, key: str, label: str, row: _Row) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        row.fail(key, f"{label}: {exc}")
        return None


class _Lookup:
    """Vocabulary names (accents and case ignored) → ids, read once."""

    def __init__(self) -> None:
        self.ids = {
            key: {fold(e.name): e.id for e in db.session.scalars(sa.select(v.model))}
            for key, v in VOCABULARIES.items()
        }

    def find(self, key: str, value: Any, row: _Row) -> int | None:
        text = _text(value)
        vocabulary = VOCABULARIES[key]
        if not text:
            return None  # a required one is reported by check_values
        found = self.ids[key].get(fold(text))
        if found is None:
            row.fail(
                vocabulary.column,
                f"{vocabulary.singular} “{text}” không có trong danh mục "
                "(thêm ở Danh mục văn bản, hoặc sửa cho đúng tên)",
            )
        return found


STATUS_BY_TEXT = {
    **{fold(label): key for key, label in STATUS_LABELS.items()},
    **{key.replace("_", " "): key for key in STATUS_LABELS},
    **{key: key for key in STATUS_LABELS},
}


def _status_of(value: Any, row: _Row) -> str:
    text = _text(value)
    if not text:
        return "in_force"
    status = STATUS_BY_TEXT.get(fold(text))
    if status is None:
        row.fail(
            "status",
            f"tình trạng “{text}” không rõ (dùng: {', '.join(STATUS_LABELS.values())})",
        )
        return "in_force"
    return status


def check_rows(rows: list[tuple[int, dict]]) -> list[RowResult]:
    """Check each row as the form would, plus numbers repeated inside the file."""
    lookup = _Lookup()
    seen: dict[tuple, int] = {}
    results = []
    for line, raw in rows:
        row = _Row()
        values = DocumentValues(
            type_id=lookup.find("loai", raw.get("type"), row),
            number=normalize_number(_text(raw.get("number"))),
            issuer_id=lookup.find("co-quan", raw.get("issuer"), row),
            signer=_text(raw.get("signer")),
            field_id=lookup.find("linh-vuc", raw.get("field"), row),
            issued_on=_date_of(raw.get("issued_on"), "issued_on", "ngày ban hành", row),
            effective_on=_date_of(raw.get("effective_on"), "effective_on", "ngày hiệu lực", row),
            expires_on=_date_of(raw.get("expires_on"), "expires_on", "ngày hết hiệu lực", row),
            status=_status_of(raw.get("status"), row),
            summary=" ".join(str(raw.get("summary") or "").split()),
        )
        for key, message in check_values(values).items():
            if key not in row.failed:
                row.fail(key, message)
        if "number" not in row.failed and values.issuer_id and values.issued_on:
            key = (values.issuer_id, values.issued_on.year, values.number)
            if key in seen:
                row.fail("number", f"số hiệu {values.number} trùng với dòng {seen[key]} của tệp")
            else:
                seen[key] = line
        label = f"{_text(raw.get('type'))} {values.number}".strip() or "(không có số hiệu)"
        results.append(RowResult(line=line, label=label, errors=row.errors, values=values))
    return results


# -- importing -----------------------------------------------------------------------------------


def import_documents(
    data: bytes,
    file_name: str,
    user,
    *,
    dry_run: bool = False,
    publish_all: bool = False,
    ip: str = "",
) -> ImportReport:
    """Check every row; write them all (as drafts, or published) only if none is wrong.

    Raises :class:`ImportFileError` when the file itself cannot be read.
    """
    rows = check_rows(read_rows(data, file_name))
    report = ImportReport(file_name=file_name, rows=rows, dry_run=dry_run)
    if dry_run or not report.ok:
        return report
    actor = Actor(name=f"{Actor.of_user(user).name} — nhập từ tệp {file_name}",
                  user_id=user.id, ip=ip)  # fmt: skip
    current = rows[0]
    try:
        with unit_of_work(actor):
            for current in rows:
                document = save_document(None, current.values, user, actor=actor)
                if publish_all and can(user, "publish", document):
                    publish(document, user, ip=ip)
                report.written += 1
    except DocumentError as exc:  # e.g. the number was taken meanwhile: nothing stays written
        current.errors = list(getattr(exc, "errors", {}).values()) or [str(exc)]
        report.written = 0
    return report


def count_documents() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Document)) or 0
