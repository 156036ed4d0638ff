"""Attachments: PDF and Office documents under an article, checked by content.

What a file is comes from its bytes, never from its name or the browser's
content type: a PDF starts with ``%PDF-`` and ends with ``%%EOF``; an old
Office file is an OLE2 compound file holding a Word, Excel or PowerPoint
stream; a new Office file is a zip with ``[Content_Types].xml`` naming its
main part; an OpenDocument file is a zip whose ``mimetype`` entry says what
it is. Files with macros are refused, and so are files that are more than
one thing (polyglots: HTML in the bytes, a zip a zip reader finds behind a
PDF, a PDF header inside an Office file, bytes after a PDF's ``%%EOF`` or
after a zip's end), truncated compound files, zip bombs (too large or too
compressed once unpacked) and Office XML with a DTD (entity bombs, XXE);
and a file whose name's extension says another type than its content.
Accepted files are stored under a
random name in the ``attachments`` storage area (:mod:`portal.storage`:
``<instance>/<PORTAL_ATTACHMENTS_DIR>/`` or a bucket), which is not served as
static files: readers download them through the portal's download route, only
for public articles, as attachments with the stored (not the guessed) type.
"""

from __future__ import annotations

import io
import re
import secrets
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app, url_for
from sqlalchemy import event
from sqlalchemy.orm import object_session

from portal.content.media import (
    UploadError,
    file_size,
    name_extension,
    read_limited,
    refuse_polyglot,
    store_upload,
)
from portal.content.stored_files import remove_after_commit, remove_now, remove_unless_committed
from portal.extensions import db
from portal.models import Article, Attachment
from portal.storage import Storage, clean_name, storage_for

ACCEPTED_HINT = (
    "Hãy đính kèm tệp PDF, Word, Excel, PowerPoint (doc, docx, xls, xlsx, ppt, pptx) "
    "hoặc OpenDocument (odt, ods, odp)."
)
#: Largest total size of a zip's contents once unpacked; more is a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 20_000
#: Unpacked size over packed size beyond which a large zip is a bomb (Office files: 2–20).
MAX_ZIP_RATIO = 100
#: Below this unpacked size, any compression ratio is harmless.
ZIP_RATIO_FLOOR = 10 * 1024 * 1024
#: How much of each XML part is read to look for a DTD (it comes before the root element).
XML_PROLOG_BYTES = 4096
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document we accept: how it is called, its type and file extension."""

    label: str
    mime_type: str
    extension: str


KINDS = {
    "pdf": DocumentKind("PDF", "application/pdf", "pdf"),
    "doc": DocumentKind("Word", "application/msword", "doc"),
    "xls": DocumentKind("Excel", "application/vnd.ms-excel", "xls"),
    "ppt": DocumentKind("PowerPoint", "application/vnd.ms-powerpoint", "ppt"),
    "docx": DocumentKind(
        "Word",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xlsx": DocumentKind(
        "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    "pptx": DocumentKind(
        "PowerPoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    "odt": DocumentKind("OpenDocument văn bản", "application/vnd.oasis.opendocument.text", "odt"),
    "ods": DocumentKind(
        "OpenDocument bảng tính", "application/vnd.oasis.opendocument.spreadsheet", "ods"
    ),
    "odp": DocumentKind(
        "OpenDocument trình chiếu", "application/vnd.oasis.opendocument.presentation", "odp"
    ),
}
#: The main part's content type in [Content_Types].xml → kind (macro-enabled ones are refused).
OOXML_MAIN_PARTS = {
    "wordprocessingml.document.main+xml": "docx",
    "spreadsheetml.sheet.main+xml": "xlsx",
    "presentationml.presentation.main+xml": "pptx",
}
OOXML_MACRO_PARTS = ("macroEnabled", "vbaProject")
#: The stream that makes an OLE2 file a Word, Excel or PowerPoint document.
OLE2_STREAMS = (("WordDocument", "doc"), ("PowerPoint Document", "ppt"),
                ("Workbook", "xls"), ("Book", "xls"))  # fmt: skip
#: Storages and streams that hold VBA macros in OLE2 Office files.
OLE2_MACRO_ENTRIES = ("Macros", "_VBA_PROJECT", "_VBA_PROJECT_CUR", "VBA")
ODF_MIMETYPES = {KINDS[key].mime_type: key for key in ("odt", "ods", "odp")}
#: Kinds by MIME type, for telling readers what a stored attachment is.
LABELS_BY_MIME = {kind.mime_type: kind.label for kind in KINDS.values()}
#: The names :func:`save_attachment` gives: ``<2 hex>/<32 hex>.<extension of the kind>``.
STORED_NAME_RE = re.compile(
    r"(?P<folder>[0-9a-f]{2})/(?P<token>[0-9a-f]{32})\.(?P<extension>"
    + "|".join(sorted(KINDS))
    + ")"
)


# -- recognising documents ---------------------------------------------------------------------


def detect_kind(data: bytes) -> DocumentKind:
    """What these bytes are, or :class:`UploadError` saying why they are refused."""
    if data.startswith(b"%PDF-"):
        _check_pdf_end(data)
        _check_single_format(data, "PDF")
        return KINDS["pdf"]
    if data.startswith(OLE2_MAGIC):
        kind = _ole2_kind(data)
        _check_ole2_complete(data)
        _check_single_format(data, "")
        return KINDS[kind]
    if data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
        _check_zip_end(data)
        _check_single_format(data, "ZIP")
        return KINDS[kind]
    raise UploadError(_what_it_is(data))


RESAVE_HINT = "Hãy mở tệp bằng chương trình đã tạo ra nó, lưu lại rồi đính kèm."


def _check_single_format(data: bytes, own: str) -> None:
    """Refuse a document that is also another kind of file (a polyglot)."""
    refuse_polyglot(data, subject="Tệp", kind="tài liệu", hint=RESAVE_HINT, own=own)


def _check_pdf_end(data: bytes) -> None:
    """A PDF ends with ``%%EOF`` (and perhaps a line break): anything after it is foreign."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise UploadError(
            "Tệp PDF bị cắt cụt hoặc hỏng (không có phần kết thúc). Hãy tải lên lại tệp gốc."
        )
    if data[end + 5 :].strip(b"\x00\t\n\r\x0c "):
        raise UploadError(
            f"Tệp PDF có thêm {file_size(len(data) - end - 5)} dữ liệu lạ sau phần kết thúc "
            f"(có thể là mã hoặc một tệp khác giấu trong tài liệu) nên không được nhận. "
            f"{RESAVE_HINT}"
        )


def _check_zip_end(data: bytes) -> None:
    """A zip document ends with its end-of-directory record (and its comment): nothing after."""
    record = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_536 - 22))
    if record < 0 or record + 22 > len(data):
        raise UploadError(TRUNCATED)
    comment = int.from_bytes(data[record + 20 : record + 22], "little")
    if record + 22 + comment != len(data):
        raise UploadError(
            "Tệp có dữ liệu lạ sau phần kết thúc của tệp nén (có thể là mã hoặc một tệp khác "
            f"giấu trong tài liệu) nên không được nhận. {RESAVE_HINT}"
        )


TRUNCATED = "Tệp bị hỏng hoặc bị cắt cụt (không đọc được nội dung nén). Hãy tải lên lại tệp gốc."


def _what_it_is(data: bytes) -> str:
    """Why bytes that are no accepted document were refused, naming what they are when known."""
    head = data[:512].lstrip().lower()
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF")):
        return "Đây là ảnh: hãy thêm ảnh vào bài bằng mục ảnh, không phải tệp đính kèm."
    if data.startswith((b"MZ", b"\x7fELF")):
        return f"Tệp chương trình không được đính kèm. {ACCEPTED_HINT}"
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")):
        return f"Tệp HTML/XML không được đính kèm. {ACCEPTED_HINT}"
    return f"Tệp này không phải là tài liệu được nhận. {ACCEPTED_HINT}"


def _ole2_entry(name: str) -> bytes:
    """How a stream or storage called ``name`` starts in an OLE2 directory entry:
    the name in UTF-16, zero-padded to 64 bytes, then its length in bytes."""
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    return encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded))


def _ole2_kind(data: bytes) -> str:
    if any(_ole2_entry(name) in data for name in OLE2_MACRO_ENTRIES):
        raise UploadError(
            "Tài liệu có macro không được đính kèm. Hãy lưu lại không có macro (ví dụ .docx, .pdf)."
        )
    for stream, kind in OLE2_STREAMS:
        if _ole2_entry(stream) in data:
            return kind
    raise UploadError(f"Tệp này không phải văn bản Word, Excel hay PowerPoint. {ACCEPTED_HINT}")


def _check_ole2_complete(data: bytes) -> None:
    """Every sector the compound file's allocation table marks in use must be in the file.

    The header (and the DIFAT sectors it chains to) lists the sectors of the
    allocation table (FAT), which marks each sector of the file free or in
    use. A file cut short has lost sectors still marked in use.
    """
    shift = int.from_bytes(data[30:32], "little")
    if shift not in (9, 12) or len(data) < 512:
        raise UploadError(OLE2_DAMAGED)
    sector_size = 1 << shift  # the header fills sector -1 (4096 bytes in version 4)
    # Sectors after the header; some writers leave the last one short, so it counts.
    present = -(-len(data) // sector_size) - 1

    def sector(number: int) -> tuple[int, ...]:
        start = (number + 1) * sector_size
        if number >= present or start + sector_size > len(data):
            raise UploadError(OLE2_DAMAGED)
        return struct.unpack(f"<{sector_size // 4}I", data[start : start + sector_size])

    fat_sectors = list(struct.unpack("<109I", data[76:512]))
    next_difat = int.from_bytes(data[68:72], "little")
    for _ in range(min(int.from_bytes(data[72:76], "little"), present)):
        if next_difat >= OLE2_SPECIAL:
            break
        *listed, next_difat = sector(next_difat)
        fat_sectors += listed
    per_fat_sector = sector_size // 4
    for position, fat_sector in enumerate(s for s in fat_sectors if s < OLE2_SPECIAL):
        for index, entry in enumerate(sector(fat_sector)):
            if entry != OLE2_FREE and position * per_fat_sector + index >= present:
                raise UploadError(OLE2_DAMAGED)


#: Sector numbers from here up mean "none" (free, end of chain, a FAT or DIFAT sector).
OLE2_SPECIAL = 0xFFFFFFFA
OLE2_FREE = 0xFFFFFFFF
OLE2_DAMAGED = "Tệp Office bị hỏng hoặc bị cắt cụt (thiếu phần cuối). Hãy tải lên lại tệp gốc."


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            unpacked = sum(entry.file_size for entry in entries)
            if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
                raise UploadError("Tệp nén quá lớn khi giải nén; không đính kèm được.")
            if unpacked > ZIP_RATIO_FLOOR and unpacked > MAX_ZIP_RATIO * len(data):
                raise UploadError(
                    f"Tệp nén {file_size(len(data))} bung ra tới {file_size(unpacked)} "
                    "(dấu hiệu của bom giải nén); không đính kèm được."
                )
            _check_no_dtd(archive, entries)
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as part:
                    return _ooxml_kind(part.read(200_000))
            if entries and entries[0].filename == "mimetype":
                with archive.open("mimetype") as part:
                    mimetype = part.read(200).decode("ascii", "replace").strip()
                if mimetype in ODF_MIMETYPES and "content.xml" in names:
                    return ODF_MIMETYPES[mimetype]
    except UploadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadError(TRUNCATED) from exc
    raise UploadError(f"Tệp nén này không phải tài liệu Office hay OpenDocument. {ACCEPTED_HINT}")


#: A DTD in XML parts, written in UTF-8 or UTF-16 (the two encodings Office XML may use).
DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


def _check_no_dtd(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Office and OpenDocument XML never has a DTD; one that does is built to attack
    (entities that expand without end, or read files and addresses: XXE)."""
    for entry in entries:
        if not entry.filename.endswith((".xml", ".rels")) or entry.is_dir():
            continue
        with archive.open(entry) as part:
            prolog = part.read(XML_PROLOG_BYTES)
        if any(marker in prolog for marker in DTD_MARKERS):
            raise UploadError(
                f"Tài liệu có khai báo DTD/ENTITY trong {entry.filename} (không tài liệu Office "
                f"nào có; đó là dấu hiệu của tệp phá hoại). {RESAVE_HINT}"
            )


def _ooxml_kind(content_types: bytes) -> str:
    text = content_types.decode("utf-8", "replace")
    if any(marker in text for marker in OOXML_MACRO_PARTS):
        raise UploadError(
            "Tài liệu có macro (docm, xlsm, pptm) không được đính kèm. "
            "Hãy lưu lại dạng docx, xlsx, pptx hoặc PDF."
        )
    for part, kind in OOXML_MAIN_PARTS.items():
        if part in text:
            return kind
    raise UploadError(f"Tài liệu Office này không phải Word, Excel hay PowerPoint. {ACCEPTED_HINT}")


# -- storing -------------------------------------------------------------------------------------


def attachments_storage() -> Storage:
    """Where attachments (and plugin files) are kept (:mod:`portal.storage`)."""
    return storage_for("attachments")


def clean_file_name(name: str, kind: DocumentKind) -> str:
    """The uploader's file name, safe to show and send back: no folders, no control
    characters, NFC-normalised, ending in the extension of what the file really is."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    stem, dot, extension = name.rpartition(".")
    looks_like_one = extension.isascii() and extension.isalnum() and not extension.isdigit()
    if not dot or not looks_like_one or len(extension) > 5:
        stem, extension = name, ""  # "Quyết định 12.2024" has no extension
    stem = stem.strip(" .") or "tai-lieu"
    if extension.lower() != kind.extension:
        extension = kind.extension  # a PDF named .docx is sent as .pdf
    return f"{stem[: 299 - len(extension)]}.{extension}"


def save_attachment(stream: BinaryIO, original_name: str, article: Article, *,
                    position: int | None = None) -> Attachment:  # fmt: skip
    """Check and store an uploaded document as an attachment of ``article``.

    Adds the :class:`Attachment` to the article (last, unless ``position`` is
    given); the caller commits. Refused files raise :class:`UploadError` with
    a message for the uploader and leave nothing behind; if the transaction
    is rolled back instead of committed, the stored file is removed then.
    It writes no audit entry and announces nothing: an article's attachments
    are changed through :func:`portal.content.articles.update_attachments`, in
    a unit of work; this is its part that checks and stores one file.
    """
    limit = int(current_app.config["PORTAL_MAX_ATTACHMENT_BYTES"])
    data = read_limited(stream, limit, what="Tệp đính kèm")
    kind = detect_kind(data)
    extension = name_extension(original_name)
    if extension and extension != kind.extension:
        raise UploadError(
            f"Tên tệp có đuôi .{extension} nhưng nội dung là tài liệu {kind.label} "
            f"(.{kind.extension}). Hãy đổi tên tệp cho đúng loại rồi đính kèm lại."
        )
    token = secrets.token_hex(16)
    stored_name = f"{token[:2]}/{token}.{kind.extension}"
    storage = attachments_storage()
    store_upload(storage, stored_name, data, media_type=kind.mime_type)
    try:
        if position is None:
            position = max((a.position for a in article.attachments), default=-1) + 1
        attachment = Attachment(
            stored_name=stored_name,
            original_name=clean_file_name(original_name, kind),
            mime_type=kind.mime_type,
            size=len(data),
            position=position,
        )
        article.attachments.append(attachment)
        remove_unless_committed(db.session(), storage, [stored_name])
        return attachment
    except Exception:
        remove_now(storage, [stored_name])
        raise


def is_stored_name(name: str) -> bool:
    """Whether ``name`` is one :func:`save_attachment` gives."""
    return isinstance(name, str) and STORED_NAME_RE.fullmatch(name) is not None


def stored_kind(name: str) -> DocumentKind | None:
    """The kind a stored name says its file is (by the extension the portal gave it)."""
    found = STORED_NAME_RE.fullmatch(name) if isinstance(name, str) else None
    return KINDS[found["extension"]] if found else None


def attachment_file(attachment: Attachment) -> str | None:
    """The attachment's file name in its storage, or None (logged) when the stored name
    leads out of the area (a damaged or crafted row): such a name is never served nor deleted."""
    name = clean_name(attachment.stored_name)
    if name is None:
        current_app.logger.error(
            "Attachment %s: refusing the file name %r, which leads outside the attachments area",
            attachment.id,
            attachment.stored_name,
        )
    return name


def _attachment_files(attachment: Attachment) -> list[str]:
    name = attachment_file(attachment)
    return [] if name is None else [name]


@event.listens_for(Attachment, "after_delete")
def _remove_file_with_row(mapper, connection, attachment: Attachment) -> None:
    """A removed attachment's file goes once the removal is committed."""
    session = object_session(attachment)
    if session is not None:
        remove_after_commit(session, attachments_storage(), _attachment_files(attachment))


# -- showing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentLink:
    """One line of the "Tài liệu đính kèm" list: name, download URL, kind, size."""

    name: str
    url: str
    kind: str
    size: str
    mime_type: str


def attachment_link(attachment: Attachment) -> AttachmentLink:
    return AttachmentLink(
        name=attachment.original_name,
        url=download_url(attachment),
        kind=LABELS_BY_MIME.get(attachment.mime_type, "Tài liệu"),
        size=file_size(attachment.size),
        mime_type=attachment.mime_type,
    )


def download_url(attachment: Attachment) -> str:
    return url_for(
        "attachments.download", attachment_id=attachment.id, name=attachment.original_name
    )


def delete_attachment_file(attachment: Attachment) -> None:
    """Remove an attachment's file now (deleting the row does it after the commit by itself)."""
    remove_now(attachments_storage(), _attachment_files(attachment))
