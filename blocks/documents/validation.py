"""The rules a document's fields follow, shared by the admin form and the import.

Each check returns Vietnamese messages an editor can act on; nothing here
writes. Numbers are kept as typed but in capitals (``30-ct/tw`` is ``30-CT/TW``)
so that the same number cannot be entered twice in two spellings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from portal import db

from .models import STATUSES, Document, DocumentType, Field, Issuer

#: Số hiệu: the serial number, then one or more symbol parts after ``/`` or ``-``
#: (``30-CT/TW``, ``123/QĐ-UBND``, ``01/2024/NQ-HĐND``).
NUMBER_RE = re.compile(r"\d{1,6}(?:[/-][0-9A-ZĐ.&]+)+")
NUMBER_HINT = "ví dụ 30-CT/TW hoặc 123/QĐ-UBND"
MAX_SUMMARY = 2000
FIRST_YEAR = 1945


def normalize_number(text: str) -> str:
    """The number as stored: no spaces around its parts, in capitals (``đ`` → ``Đ``)."""
    return re.sub(r"\s*([/-])\s*", r"\1", (text or "").strip()).upper()


def parse_date(text: str) -> date:
    """A date typed as ``dd/mm/yyyy`` (also ``d/m/yyyy``, ``dd-mm-yyyy``) or ISO ``yyyy-mm-dd``.

    Raises ValueError with a message naming what was typed ("31/02/2024 không
    phải ngày có thật").
    """
    value = (text or "").strip()
    day_first = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+)?", value)
    if day_first:
        day, month, year = (int(part) for part in day_first.groups())
    elif iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        raise ValueError(f"“{value}” không phải ngày theo dạng ngày/tháng/năm (ví dụ 05/03/2024).")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"“{value}” không phải ngày có thật.") from None


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


@dataclass
class DocumentValues:
    """A document's fields, checked: what a save writes."""

    type_id: int | None = None
    number: str = ""
    issuer_id: int | None = None
    signer: str = ""
    field_id: int | None = None
    issued_on: date | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    status: str = "in_force"
    summary: str = ""
    related_ids: list[int] = field(default_factory=list)

    def as_columns(self) -> dict:
        """The values of the document's own columns (relations apart)."""
        return {
            "type_id": self.type_id,
            "number": self.number,
            "issuer_id": self.issuer_id,
            "signer": self.signer,
            "field_id": self.field_id,
            "issued_on": self.issued_on,
            "issued_year": self.issued_on.year if self.issued_on else None,
            "effective_on": self.effective_on,
            "expires_on": self.expires_on,
            "status": self.status,
            "summary": self.summary,
        }


def check_values(values: DocumentValues, *, document_id: int | None = None) -> dict[str, str]:
    """Field name → message for every rule ``values`` breaks (empty: all is well)."""
    errors: dict[str, str] = {}
    if values.type_id is None or db.session.get(DocumentType, values.type_id) is None:
        errors["type_id"] = "Hãy chọn loại văn bản."
    if not values.number:
        errors["number"] = "Hãy nhập số hiệu văn bản."
    elif len(values.number) > 100 or not NUMBER_RE.fullmatch(values.number):
        errors["number"] = (
            f"Số hiệu “{values.number}” không đúng dạng: số thứ tự rồi ký hiệu, {NUMBER_HINT}."
        )
    if values.issuer_id is None or db.session.get(Issuer, values.issuer_id) is None:
        errors["issuer_id"] = "Hãy chọn cơ quan ban hành."
    if values.field_id is not None and db.session.get(Field, values.field_id) is None:
        errors["field_id"] = "Lĩnh vực này không còn tồn tại; hãy chọn lại."
    if len(values.signer) > 200:
        errors["signer"] = "Người ký: tối đa 200 ký tự."
    if values.issued_on is None:
        errors.setdefault("issued_on", "Hãy nhập ngày ban hành (ngày/tháng/năm).")
    elif not FIRST_YEAR <= values.issued_on.year <= datetime.now().year + 1:
        errors["issued_on"] = f"Năm ban hành phải từ {FIRST_YEAR} đến nay."
    if values.effective_on and values.issued_on and values.effective_on < values.issued_on:
        errors["effective_on"] = (
            f"Ngày có hiệu lực ({format_date(values.effective_on)}) không thể trước ngày ban "
            f"hành ({format_date(values.issued_on)})."
        )
    start = values.effective_on or values.issued_on
    if values.expires_on and start and values.expires_on < start:
        errors["expires_on"] = (
            f"Ngày hết hiệu lực ({format_date(values.expires_on)}) không thể trước ngày "
            f"{'có hiệu lực' if values.effective_on else 'ban hành'} ({format_date(start)})."
        )
    if values.status not in STATUSES:
        errors["status"] = "Hãy chọn tình trạng hiệu lực."
    if not values.summary:
        errors["summary"] = "Hãy nhập trích yếu (nội dung tóm tắt) của văn bản."
    elif len(values.summary) > MAX_SUMMARY:
        errors["summary"] = f"Trích yếu: tối đa {MAX_SUMMARY} ký tự."
    if "number" not in errors and not {"issuer_id", "issued_on"} & errors.keys():
        existing = same_number(values, document_id=document_id)
        if existing is not None:
            errors["number"] = duplicate_message(existing)
    return errors


def same_number(values: DocumentValues, *, document_id: int | None = None) -> Document | None:
    """The other document with this number from this issuer in this year, if any."""
    query = sa.select(Document).where(
        Document.issuer_id == values.issuer_id,
        Document.issued_year == values.issued_on.year,
        Document.number == values.number,
    )
    if document_id is not None:
        query = query.where(Document.id != document_id)
    return db.session.scalar(query.limit(1))


def duplicate_message(existing: Document) -> str:
    summary = existing.summary if len(existing.summary) <= 80 else existing.summary[:79] + "…"
    return (
        f"Số hiệu {existing.number} của {existing.issuer.name} năm {existing.issued_year} "
        f"đã có: {existing.title} “{summary}” (mã {existing.id}, "
        f"{existing.state_label.lower()}). Hãy kiểm tra lại số hiệu hoặc sửa văn bản đã có."
    )
