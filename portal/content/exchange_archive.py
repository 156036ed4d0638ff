"""Reading a site archive nobody here made: its size, its members, then their bytes.

``portal import-site`` reads a .zip from elsewhere (docs/export-format.md). A
zip says how many members it has and how large each one is once unpacked,
and may lie. So, before a single member is unpacked, :func:`check_members`
refuses archives with too many members, more bytes than allowed once
unpacked, a member that unpacks far larger than it is packed (a zip bomb),
encrypted members or unusual compression, and any member name other than
``content.json`` and ``files/media/...`` or ``files/attachments/...``
(absolute names and ``..`` are how files escape their folder: zip slip).
Then :class:`MemberReader` reads members counting the bytes that really come
out, and stops at the limits whatever the archive declared.

The limits are settings (``PORTAL_IMPORT_*`` in portal/config.py), and each
image or attachment is held to the same size limit as an upload. Every
refusal is one :class:`~portal.untrusted.UntrustedInputError` line.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from portal.i18n import translate
from portal.untrusted import UntrustedInputError, load_json

FORMAT_NAME = "blockportal-site-export"
FORMAT_VERSION = 1
CONTENT_FILE = "content.json"
FILES_PREFIX = "files/"
#: The folders files go to, by the first part of their path in the archive.
FILE_AREAS = ("media", "attachments")
#: Members smaller than this once unpacked are not held to the ratio limit: a small file of
#: repeated bytes packs very well and harms nobody.
RATIO_FLOOR = 1024 * 1024
READ_CHUNK = 1024 * 1024
SHA256_RE = re.compile(r"[0-9a-f]{64}")
#: The compressions ``portal export`` uses.
COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


@dataclass(frozen=True)
class ArchiveLimits:
    """How much of an archive is read at most (see ``PORTAL_IMPORT_*`` in portal/config.py)."""

    members: int
    unpacked_bytes: int
    ratio: int
    content_bytes: int
    #: Largest file per area: the upload limits of images and attachments.
    file_bytes: dict[str, int]

    @classmethod
    def from_config(cls, config: Any) -> ArchiveLimits:
        return cls(
            members=int(config["PORTAL_IMPORT_MAX_MEMBERS"]),
            unpacked_bytes=int(config["PORTAL_IMPORT_MAX_UNPACKED_BYTES"]),
            ratio=int(config["PORTAL_IMPORT_MAX_RATIO"]),
            content_bytes=int(config["PORTAL_IMPORT_MAX_CONTENT_BYTES"]),
            file_bytes={
                "media": int(config["PORTAL_MAX_IMAGE_BYTES"]),
                "attachments": int(config["PORTAL_MAX_ATTACHMENT_BYTES"]),
            },
        )


def _bytes(count: int) -> str:
    return translate("{count} byte").format(count=f"{count:,}")


def is_safe_file_path(name: str) -> bool:
    """``media/...`` or ``attachments/...``, relative, without ``..``, empty parts or backslashes."""
    if not isinstance(name, str) or "\\" in name or name.startswith("/"):
        return False
    parts = PurePosixPath(name).parts
    return (
        len(parts) >= 2
        and parts[0] in FILE_AREAS
        and all(part not in {"", ".", ".."} for part in parts)
        and name == "/".join(parts)
    )


def declared_member_count(handle) -> int | None:
    """How many members the archive's end record announces, read before anything else.

    Parsing the central directory builds an object per member, so an archive
    announcing millions of them is refused before it is parsed. None when the
    end record cannot be read (the zip module then says what is wrong).
    """
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:  # a Python without it: the count is checked after parsing
        return None
    try:
        record = end_record(handle)
    except OSError:
        return None
    return None if not record else int(record[zipfile._ECD_ENTRIES_TOTAL])


def check_member_count(count: int | None, limits: ArchiveLimits) -> None:
    if count is not None and count > limits.members:
        raise UntrustedInputError(
            translate(
                "bản lưu trữ có {count} thành phần; chỉ đọc tối đa {limit} "
                "(PORTAL_IMPORT_MAX_MEMBERS)"
            ).format(count=f"{count:,}", limit=f"{limits.members:,}")
        )


def check_members(archive: zipfile.ZipFile, limits: ArchiveLimits) -> dict[str, zipfile.ZipInfo]:
    """Every member by name, once none of them breaks a rule (see the module's docstring)."""
    infos = archive.infolist()
    check_member_count(len(infos), limits)
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if name != CONTENT_FILE and not (
            name.startswith(FILES_PREFIX) and is_safe_file_path(name[len(FILES_PREFIX) :])
        ):
            raise UntrustedInputError(
                translate(
                    "bản lưu trữ có một thành phần mang tên không an toàn hoặc không mong đợi: "
                    "{name} (chỉ đọc {content} và files/media/... hoặc files/attachments/...)"
                ).format(name=repr(name), content=CONTENT_FILE)
            )
        if name in members:
            raise UntrustedInputError(
                translate("bản lưu trữ có hai thành phần cùng tên {name}").format(name=repr(name))
            )
        if info.flag_bits & 0x1:
            raise UntrustedInputError(
                translate("{name} trong bản lưu trữ đã bị mã hóa").format(name=name)
            )
        if info.compress_type not in COMPRESSIONS:
            raise UntrustedInputError(
                translate(
                    "{name} trong bản lưu trữ dùng một cách nén cổng thông tin này không đọc "
                    "(phương thức {method}; chỉ đọc stored hoặc deflated)"
                ).format(name=name, method=info.compress_type)
            )
        check_ratio(name, info.file_size, info.compress_size, limits)
        total += info.file_size
        members[name] = info
    if total > limits.unpacked_bytes:
        raise UntrustedInputError(
            translate(
                "bản lưu trữ giải nén ra {size}; chỉ đọc tối đa {limit} "
                "(PORTAL_IMPORT_MAX_UNPACKED_BYTES)"
            ).format(size=_bytes(total), limit=_bytes(limits.unpacked_bytes))
        )
    content = members.get(CONTENT_FILE)
    if content is not None and content.file_size > limits.content_bytes:
        raise UntrustedInputError(
            translate(
                "{name} có {size}; chỉ đọc tối đa {limit} (PORTAL_IMPORT_MAX_CONTENT_BYTES)"
            ).format(
                name=CONTENT_FILE,
                size=_bytes(content.file_size),
                limit=_bytes(limits.content_bytes),
            )
        )
    return members


def check_ratio(name: str, unpacked: int, packed: int, limits: ArchiveLimits) -> None:
    """Refuse a member that unpacks to more than ``limits.ratio`` times its packed size."""
    if unpacked > RATIO_FLOOR and unpacked > limits.ratio * max(packed, 1):
        raise UntrustedInputError(
            translate(
                "{name} trong bản lưu trữ giải nén ra lớn gấp {times} lần khi nén; chỉ đọc "
                "tối đa gấp {limit} lần (PORTAL_IMPORT_MAX_RATIO): bản lưu trữ có vẻ là "
                "một quả bom zip"
            ).format(name=name, times=f"{unpacked // max(packed, 1):,}", limit=limits.ratio)
        )


class MemberReader:
    """Reads members of one archive, counting what really comes out of them.

    The zip module trusts the sizes in the archive's directory; this reader
    does not: it stops reading a member at its own limit and stops the whole
    import when the bytes read so far pass ``limits.unpacked_bytes``, or when
    a member unpacks to more than the ratio allows, whatever was declared.
    """

    def __init__(self, archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.total = 0

    def read(self, info: zipfile.ZipInfo, limit: int, *, setting: str) -> bytes:
        """The member's bytes; refused when more than ``limit`` come out (``setting`` names it)."""
        chunks: list[bytes] = []
        with self.open(info, limit, setting=setting) as source:
            while chunk := source.read(READ_CHUNK):
                chunks.append(chunk)
        return b"".join(chunks)

    def open(self, info: zipfile.ZipInfo, limit: int, *, setting: str) -> CountedMember:
        """The member as a binary stream, held to the same limits as :meth:`read` as it is read."""
        return CountedMember(self, info, limit, setting)


class CountedMember:
    """One member of an archive read as a stream, counting and limiting what comes out.

    Every refusal is an :class:`UntrustedInputError`, raised by ``read`` at the
    point where the member breaks a limit, or at its end when it is not the
    size the archive declares.
    """

    def __init__(self, reader: MemberReader, info: zipfile.ZipInfo, limit: int, setting: str):
        self.reader = reader
        self.info = info
        self.limit = limit
        self.setting = setting
        self.size = 0
        self._source = None

    def __enter__(self) -> CountedMember:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None

    def read(self, count: int = READ_CHUNK) -> bytes:
        info, limits = self.info, self.reader.limits
        try:
            if self._source is None:
                self._source = self.reader.archive.open(info)
            chunk = self._source.read(count)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise UntrustedInputError(
                translate("{name} trong bản lưu trữ không giải nén được ({detail})").format(
                    name=info.filename, detail=exc
                )
            ) from None
        if not chunk:
            if self.size != info.file_size:
                raise UntrustedInputError(
                    translate(
                        "{name} trong bản lưu trữ không có kích thước mà bản lưu trữ khai báo"
                    ).format(name=info.filename)
                )
            return chunk
        self.size += len(chunk)
        self.reader.total += len(chunk)
        if self.size > self.limit:
            raise _member_too_large(info.filename, self.limit, self.setting)
        if self.reader.total > limits.unpacked_bytes:
            raise UntrustedInputError(
                translate(
                    "bản lưu trữ giải nén ra hơn {limit} (PORTAL_IMPORT_MAX_UNPACKED_BYTES)"
                ).format(limit=_bytes(limits.unpacked_bytes))
            )
        check_ratio(info.filename, self.size, info.compress_size, limits)
        return chunk


def _member_too_large(name: str, limit: int, setting: str) -> UntrustedInputError:
    return UntrustedInputError(
        translate("{name} trong bản lưu trữ lớn hơn {limit} ({setting})").format(
            name=name, limit=_bytes(limit), setting=setting
        )
    )


def check_manifest(
    entries: list[Any], members: dict[str, zipfile.ZipInfo], limits: ArchiveLimits
) -> None:
    """The export's list of files and the archive's members agree, one for one.

    Each listed file has a safe path, a size and a SHA-256, is in the archive
    with that size and within its area's size limit; no member is left unlisted.
    """
    listed: set[str] = set()
    for entry in entries:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not is_safe_file_path(name):
            raise UntrustedInputError(
                translate(
                    "bản xuất liệt kê một tên tệp không an toàn hoặc sai dạng: {name}"
                ).format(name=repr(name))
            )
        if name in listed:
            raise UntrustedInputError(
                translate("bản xuất liệt kê {name} hai lần").format(name=name)
            )
        listed.add(name)
        info = members.get(FILES_PREFIX + name)
        if info is None:
            raise UntrustedInputError(
                translate("bản xuất liệt kê {name} nhưng bản lưu trữ không chứa tệp này").format(
                    name=name
                )
            )
        size, digest = entry.get("size"), entry.get("sha256")
        if isinstance(size, bool) or size != info.file_size:
            raise UntrustedInputError(
                translate(
                    "{name} trong bản lưu trữ không có kích thước như danh sách tệp ghi"
                ).format(name=name)
            )
        if not (isinstance(digest, str) and SHA256_RE.fullmatch(digest)):
            raise UntrustedInputError(
                translate("bản xuất liệt kê {name} mà không có mã kiểm tra SHA-256 hợp lệ").format(
                    name=name
                )
            )
        area = name.split("/", 1)[0]
        if info.file_size > limits.file_bytes[area]:
            setting = "PORTAL_MAX_IMAGE_BYTES" if area == "media" else "PORTAL_MAX_ATTACHMENT_BYTES"
            raise _member_too_large(name, limits.file_bytes[area], setting)
    for member in members:
        if member.startswith(FILES_PREFIX) and member[len(FILES_PREFIX) :] not in listed:
            raise UntrustedInputError(
                translate("bản lưu trữ chứa {name}, tệp mà bản xuất không liệt kê").format(
                    name=member
                )
            )


def read_document(
    members: dict[str, zipfile.ZipInfo], reader: MemberReader, limits: ArchiveLimits
) -> dict[str, Any]:
    """content.json, read within its limit, checked as untrusted JSON and as this format.

    :func:`portal.untrusted.load_json` refuses bytes that are not UTF-8,
    nesting deeper than any export, NUL characters and lone surrogates, the
    same way whichever database the site runs on.
    """
    info = members.get(CONTENT_FILE)
    if info is None:
        raise no_content_file()
    raw = reader.read(info, limits.content_bytes, setting="PORTAL_IMPORT_MAX_CONTENT_BYTES")
    document = load_json(raw, what=CONTENT_FILE)
    check_head(document if isinstance(document, dict) else {})
    for key, kind in (("tables", dict), ("files", list), ("people", list)):
        if not isinstance(document.get(key), kind):
            raise missing_member(key)
    return document


def no_content_file() -> UntrustedInputError:
    """The refusal of an archive without content.json."""
    return UntrustedInputError(
        translate("bản lưu trữ không có {name}: đây không phải bản xuất của một site").format(
            name=CONTENT_FILE
        )
    )


def check_head(head: dict[str, Any]) -> None:
    """The format and version of content.json (they come before its tables)."""
    if head.get("format") != FORMAT_NAME:
        raise UntrustedInputError(
            translate(
                "bản lưu trữ không phải bản xuất site của blockportal ({name} không có "
                '"format": "{format}")'
            ).format(name=CONTENT_FILE, format=FORMAT_NAME)
        )
    if head.get("version") != FORMAT_VERSION:
        raise UntrustedInputError(
            translate(
                "bản lưu trữ theo định dạng xuất phiên bản {version}; cổng thông tin này đọc "
                "phiên bản {supported}"
            ).format(version=repr(head.get("version")), supported=FORMAT_VERSION)
        )


def missing_member(key: str) -> UntrustedInputError:
    """The refusal of content.json lacking ``tables``, ``files`` or ``people`` (or malformed)."""
    return UntrustedInputError(
        translate("{name}: {key} bị thiếu hoặc sai dạng").format(name=CONTENT_FILE, key=repr(key))
    )
