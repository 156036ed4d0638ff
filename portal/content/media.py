"""Image uploads: checked by content, re-encoded, stored under random names, resized.

An upload is trusted only after Pillow has decoded it completely; the
browser's content type is ignored, and a file name whose extension says
another type than the content is refused. Before the pixels are decoded, the
file's structure is walked to its end: bytes after the image (HTML, a zip
— a "GIFAR" —, anything else), markup or a PDF header anywhere in it (a
polyglot: an image that is also a page, an archive or a document), and a JPEG
with more scans than any encoder writes (a decompression bomb for the
processor) are refused. The decoded pixels are
re-encoded (JPEG, or PNG when the image has transparency), which also drops
any metadata (GPS position, camera serial, comments, anything appended after
the image), then saved under a random name with resized variants for
``srcset``. If anything fails, every file written so far is removed and
:class:`UploadError` says why; files of an upload whose transaction is never
committed are removed too (:mod:`portal.content.stored_files`).

Changes to the library (:func:`upload_image`, :func:`update_image_details`,
:func:`delete_image`) run inside a unit of work
(:mod:`portal.content.unit_of_work`) and each leaves an audit entry; none
of them announces a content event, because none changes what readers see
(each function says why).
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, BinaryIO
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import String, event, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import object_session

from portal.content import audit
from portal.content.stored_files import remove_after_commit, remove_now, remove_unless_committed
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import Article, ArticleImageUse, MediaImage
from portal.models.content import IMAGE_STEM_RE
from portal.storage import Storage, StorageError, clean_name, storage_for
from portal.untrusted import foreign_format
from portal.url_rules import page_link

if TYPE_CHECKING:  # Pillow is imported where an upload is decoded: readers never need it
    from PIL import Image

#: Formats accepted on upload (what Pillow detects from the bytes, not the name).
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPTED_HINT = "Hãy tải lên ảnh JPEG, PNG, WebP hoặc GIF."
#: Most pixels accepted (e.g. 8000 × 5000); more is a decompression bomb or a scan.
MAX_PIXELS = 40_000_000
#: Smallest side accepted: anything smaller is an icon or a tracking pixel.
MIN_SIDE = 16
#: Most scans a JPEG may have: encoders write a few dozen at most, and each scan
#: is decoded over the whole picture (thousands of scans take minutes).
MAX_JPEG_SCANS = 100
#: File-name extensions each accepted format may have, the usual one first.
EXTENSIONS = {
    "JPEG": ("jpg", "jpeg", "jpe", "jfif", "pjpeg", "pjp"),
    "PNG": ("png",),
    "WEBP": ("webp",),
    "GIF": ("gif",),
}
IMAGE_EXTENSIONS = frozenset(extension for names in EXTENSIONS.values() for extension in names)
#: Extensions that name a file type: a name ending in one says what the file is.
#: (Anything else after a dot, "Hội nghị 12.2024", is part of the name.)
KNOWN_EXTENSIONS = frozenset({
    *(extension for names in EXTENSIONS.values() for extension in names),
    "bmp", "tif", "tiff", "svg", "svgz", "heic", "heif", "avif", "ico", "psd", "raw",
    "html", "htm", "xhtml", "shtml", "xml", "js", "mjs", "css", "php", "asp", "aspx", "jsp",
    "pdf", "doc", "docx", "docm", "dot", "dotx", "xls", "xlsx", "xlsm", "ppt", "pptx", "pptm",
    "odt", "ods", "odp", "rtf", "txt", "csv", "json", "zip", "jar", "rar", "7z", "gz", "tgz",
    "tar", "exe", "dll", "bat", "cmd", "com", "msi", "sh", "ps1", "apk", "scr", "swf",
    "mp3", "mp4", "mov", "avi", "wav",
})  # fmt: skip
#: Formats recognised by their first bytes only to name them in the refusal.
KNOWN_SIGNATURES = (
    (b"%PDF-", "Tệp PDF không phải là ảnh."),
    (b"BM", "Ảnh BMP không được nhận."),
    (b"II*\x00", "Ảnh TIFF không được nhận."),
    (b"MM\x00*", "Ảnh TIFF không được nhận."),
    (b"PK\x03\x04", "Tệp nén (zip, Office) không phải là ảnh."),
    (b"MZ", "Tệp chương trình không phải là ảnh."),
)


#: The names :func:`store_image` gives: ``uploads/<2 hex>/<24 hex>.jpg`` for the image,
#: ``...-<width>w.jpg`` for a resized copy (``.png`` when the image has transparency).
STORED_NAME_RE = re.compile(
    r"uploads/(?P<folder>[0-9a-f]{2})/(?P<token>[0-9a-f]{24})(?:-(?P<width>[1-9][0-9]{0,4})w)?"
    r"\.(?P<extension>jpg|png)"
)
#: What the media folder serves, by extension: images only. Anything else put there
#: (``.js``, ``.svg``, ``.html`` ...) is never served, whatever put it there.
SERVED_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
#: The formats of stored files: what :func:`_encode` writes.
STORED_FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png")}


class UploadError(ValueError):
    """An upload was refused; the message is for the person who uploaded it."""


class HiddenDataError(UploadError):
    """The file holds more than its picture or document: another format, or bytes after its end.

    A separate class so that callers other than the upload form (the site
    import) can name the problem in their own words.
    """


@dataclass(frozen=True)
class ImageSource:
    """What an ``<img>`` needs: ``src``, ``srcset`` when variants exist, intrinsic size."""

    src: str
    srcset: str = ""
    width: int | None = None
    height: int | None = None
    #: The full image's media type and size in bytes, when known (feed enclosures).
    mime_type: str = ""
    size: int | None = None


log = logging.getLogger(__name__)


def media_storage() -> Storage:
    """Where images are kept (:mod:`portal.storage`, area ``media``)."""
    return storage_for("media")


#: What the uploader reads when the file could not be written (the disk is full, or the
#: store is away): nothing was saved, and it is not their file's fault.
STORAGE_FULL = (
    "Không lưu được tệp: bộ nhớ lưu trữ của máy chủ đã đầy. Tệp chưa được tải lên và "
    "không có gì thay đổi. Hãy báo quản trị viên kỹ thuật để giải phóng dung lượng."
)
STORAGE_FAILED = (
    "Không lưu được tệp vào kho lưu trữ của máy chủ (lỗi ghi tệp). Tệp chưa được tải lên "
    "và không có gì thay đổi. Hãy thử lại sau ít phút hoặc báo quản trị viên kỹ thuật."
)


def store_upload(
    storage: Storage, name: str, data: bytes, *, media_type: str | None = None
) -> None:
    """Write an uploaded file; a write that fails raises :class:`UploadError` for the uploader.

    The storage leaves nothing behind when it cannot write (:meth:`Storage.put`);
    the cause is logged for the operator.
    """
    try:
        storage.put(name, data, media_type=media_type)
    except StorageError as exc:
        log.error("An upload could not be stored: %s", exc)
        raise UploadError(STORAGE_FULL if exc.full else STORAGE_FAILED) from exc


def file_size(size: int) -> str:
    """``820 KB``, ``1,4 MB``, ``25 MB``: sizes as people read them (Vietnamese decimal comma)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    value = round(size / (1024 * 1024), 1 if size < 10 * 1024 * 1024 else 0)
    text = str(int(value)) if value == int(value) else str(value).replace(".", ",")
    return f"{text} MB"


def read_limited(stream: BinaryIO, limit: int, *, what: str = "Tệp") -> bytes:
    """Read at most ``limit`` bytes; refuse empty and larger streams."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            f"{what} quá lớn: tối đa {file_size(limit)}. Hãy thu nhỏ rồi tải lên lại."
        )
    if not data:
        raise UploadError(f"{what} rỗng: không có dữ liệu (0 byte).")
    return data


def _not_an_image(data: bytes) -> str:
    """Why bytes Pillow does not accept were refused, naming what they are when known."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        return (
            "Ảnh SVG không được nhận vì có thể chứa mã chạy trên trình duyệt. "
            "Hãy xuất ảnh ra PNG hoặc JPEG rồi tải lên."
        )
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return f"Ảnh HEIC/AVIF (thường từ điện thoại) không được nhận. {ACCEPTED_HINT}"
    for signature, message in KNOWN_SIGNATURES:
        if data.startswith(signature):
            return f"{message} {ACCEPTED_HINT}"
    return f"Tệp này không phải là ảnh hoặc đã bị hỏng. {ACCEPTED_HINT}"


def _decode(data: bytes, formats: tuple[str, ...] = ACCEPTED_FORMATS) -> tuple[Image.Image, str]:
    """Decode fully (not just the header) so truncated or forged files are caught.

    Only the accepted formats' decoders are tried, so no other parser (EPS,
    which runs Ghostscript; PSD; ...) ever sees uploaded bytes. The pixel count
    is checked from the header and the file's structure is walked
    (:func:`_check_structure`) before anything is decompressed. Returns the
    image and its format ("JPEG", "PNG", ...).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as probe:
                _check_dimensions(probe.width, probe.height)
                source_format = probe.format
                probe.verify()
            _check_structure(data, source_format)
            image = Image.open(io.BytesIO(data), formats=formats)
            image.load()
    except UploadError:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadError(f"Ảnh có quá nhiều điểm ảnh. {_pixels_hint()}") from exc
    except UnidentifiedImageError as exc:
        raise UploadError(_not_an_image(data)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if "truncated" in str(exc).lower():
            raise UploadError(TRUNCATED) from exc
        raise UploadError(f"Ảnh bị hỏng, không đọc được. {ACCEPTED_HINT}") from exc
    ImageOps.exif_transpose(image, in_place=True)  # respect the camera's orientation
    _check_dimensions(image.width, image.height)
    return image, source_format


TRUNCATED = "Ảnh bị cắt cụt (tệp chưa tải lên hết hoặc bị hỏng). Hãy tải lên lại tệp gốc."
RESAVE_HINT = "Hãy mở ảnh bằng một trình sửa ảnh, lưu lại rồi tải lên."
#: What else an upload is (see :func:`portal.untrusted.foreign_format`), as the uploader reads it.
POLYGLOT_REASONS = {
    "HTML": "có chứa mã HTML/JavaScript (vừa là {kind} vừa là trang web)",
    "ZIP": "có một tệp nén (zip, jar) giấu bên trong",
    "PDF": "đồng thời là một tệp PDF",
}


def refuse_polyglot(data: bytes, *, subject: str, kind: str, hint: str, own: str = "") -> None:
    """Refuse an upload that is also another kind of file, naming it ("Tệp ảnh ... ")."""
    found = foreign_format(data, own=own)
    if found:
        reason = POLYGLOT_REASONS[found].format(kind=kind)
        raise HiddenDataError(f"{subject} {reason} nên không được nhận. {hint}")


def _check_structure(data: bytes, image_format: str) -> None:
    """Refuse a polyglot, bytes after the image's end, and a JPEG with too many scans."""
    refuse_polyglot(data, subject="Tệp ảnh", kind="ảnh", hint=RESAVE_HINT)
    if image_format == "GIF" and data[6:8] in (b"/*", b"//"):
        raise HiddenDataError(
            "Đầu tệp GIF đồng thời là mã JavaScript (tệp vừa là ảnh vừa là mã) "
            f"nên không được nhận. {RESAVE_HINT}"
        )
    end, scans = _image_end(data, image_format)
    if scans > MAX_JPEG_SCANS:
        raise UploadError(
            f"Ảnh JPEG có {scans} lượt quét (tối đa {MAX_JPEG_SCANS}): giải mã sẽ rất lâu, "
            f"dấu hiệu của tệp phá hoại. {RESAVE_HINT}"
        )
    if image_format == "JPEG":  # pictures stored after the main one (MPF, HDR gain maps)
        while data.startswith(b"\xff\xd8\xff", end):
            end += _image_end(data[end:], "JPEG")[0]
    if data[end:].strip(b"\x00") and not _is_motion_photo_video(data[end:]):
        raise HiddenDataError(
            f"Tệp ảnh có thêm {file_size(len(data) - end)} dữ liệu lạ nối sau phần ảnh "
            f"(có thể là mã hoặc một tệp khác giấu trong ảnh) nên không được nhận. {RESAVE_HINT}"
        )


#: What phones put after the photo of a "motion photo": a short video (ISO BMFF, an MP4),
#: directly (Google) or behind Samsung's marker. Dropped by re-encoding, like the rest.
SAMSUNG_MOTION_MARKER = b"MotionPhoto_Data"


def _is_motion_photo_video(trailer: bytes) -> bool:
    """Whether the bytes after a photo are a motion photo's video, not another kind of file.

    :func:`refuse_polyglot` has already looked through the whole file for
    HTML, zip and PDF, so a video here hides nothing a browser would run.
    """
    if trailer.startswith(SAMSUNG_MOTION_MARKER):
        trailer = trailer[len(SAMSUNG_MOTION_MARKER) :]
    return trailer[4:8] == b"ftyp"


class _Truncated(Exception):
    """The image's structure runs past the end of the bytes."""


def _image_end(data: bytes, image_format: str) -> tuple[int, int]:
    """Where the image's own bytes end, and how many scans it has (JPEG; 1 otherwise).

    Walks the format's structure: JPEG markers and entropy-coded scans to the
    end-of-image marker, PNG chunks to ``IEND``, GIF blocks to the trailer,
    the RIFF size of a WebP.
    """
    walkers = {"JPEG": _jpeg_end, "PNG": _png_end, "GIF": _gif_end, "WEBP": _webp_end}
    try:
        return walkers[image_format](data)
    except (_Truncated, IndexError):
        raise UploadError(TRUNCATED) from None
    except ValueError:
        raise UploadError(f"Ảnh bị hỏng, không đọc được. {ACCEPTED_HINT}") from None


def _jpeg_end(data: bytes) -> tuple[int, int]:
    size, position, scans = len(data), 2, 0
    while position < size:
        if data[position] != 0xFF:
            raise ValueError("no marker where one must be")
        while position < size and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            raise _Truncated
        marker = data[position]
        position += 1
        if marker == 0xD9:  # end of image
            return position, scans
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            continue
        if position + 2 > size:
            raise _Truncated
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            raise ValueError("a segment shorter than its length field")
        position += length
        if marker != 0xDA:
            continue
        scans += 1  # start of scan: entropy-coded data up to the next real marker
        while True:
            position = data.find(b"\xff", position)
            if position < 0 or position + 1 >= size:
                raise _Truncated
            following = data[position + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart
                position += 2
            elif following == 0xFF:
                position += 1
            else:
                break
    raise _Truncated


def _png_end(data: bytes) -> tuple[int, int]:
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if position > len(data):
            raise _Truncated
        if kind == b"IEND":
            return position, 1
    raise _Truncated


def _gif_end(data: bytes) -> tuple[int, int]:
    def table_size(flags: int) -> int:
        return 3 << ((flags & 0x07) + 1) if flags & 0x80 else 0

    def skip_sub_blocks(position: int) -> int:
        while data[position]:
            position += data[position] + 1
        return position + 1

    position = 13 + table_size(data[10])
    while position < len(data):
        introducer = data[position]
        if introducer == 0x3B:  # trailer
            return position + 1, 1
        if introducer == 0x21:  # extension: label, then sub-blocks
            position = skip_sub_blocks(position + 2)
        elif introducer == 0x2C:  # image: descriptor, colour table, LZW code size, data
            position = skip_sub_blocks(position + 10 + table_size(data[position + 9]) + 1)
        else:
            raise ValueError("an unknown GIF block")
    if position == len(data):  # some encoders leave out the trailer
        return position, 1
    raise _Truncated


def _webp_end(data: bytes) -> tuple[int, int]:
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data):
        raise _Truncated
    return end, 1


def name_extension(name: str) -> str:
    """The file-type extension a file name ends in (``.JPG`` → ``jpg``), or "" if none."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = base.rpartition(".")
    extension = extension.strip().lower()
    return extension if dot and stem.strip() and extension in KNOWN_EXTENSIONS else ""


def _check_name(name: str, image_format: str) -> None:
    """Refuse a picture whose name says it is something other than a picture (``.html``, ``.svg``).

    Another picture type is fine (browsers save WebP as ``.jpg``): the picture
    is re-encoded and stored under a name the portal gives it anyway.
    """
    extension = name_extension(name)
    if extension and extension not in IMAGE_EXTENSIONS:
        usual = EXTENSIONS[image_format][0]
        raise UploadError(
            f"Tên tệp có đuôi .{extension} nhưng nội dung là ảnh {image_format} (.{usual}). "
            f"Hãy đổi tên tệp cho đúng loại rồi tải lên lại."
        )


def _pixels_hint() -> str:
    return f"Tối đa {MAX_PIXELS // 1_000_000} triệu điểm ảnh (ví dụ 8000 × 5000)."


def _check_dimensions(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise UploadError(f"Ảnh quá lớn: {width} × {height} điểm ảnh. {_pixels_hint()}")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise UploadError(f"Ảnh quá nhỏ (cần ít nhất {MIN_SIDE} × {MIN_SIDE} điểm ảnh).")


def _flatten(image: Image.Image) -> Image.Image:
    """RGBA when transparency matters, RGB otherwise: the two modes we store.

    Everything Pillow read besides the pixels (EXIF, comments, text chunks,
    XMP) is dropped here; only the colour profile is kept, so colours stay right.
    """
    mode = "RGBA" if image.has_transparency_data else "RGB"
    profile = image.info.get("icc_profile")
    flat = image if image.mode == mode else image.convert(mode)
    flat.info = {"icc_profile": profile} if profile else {}
    return flat


def _encode(image: Image.Image, *, progressive: bool = True) -> tuple[bytes, str, str]:
    """Re-encode: JPEG for photos, PNG when transparency matters.

    The full image is a progressive JPEG (it shows early on slow connections);
    the small copies are baseline, which is as small for them and quicker to make.
    Nothing but the pixels and the colour profile is written.
    """
    buffer = io.BytesIO()
    profile = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=True, **profile)
        return buffer.getvalue(), "png", "image/png"
    image.save(buffer, "JPEG", quality=84, optimize=True, progressive=progressive, **profile)
    return buffer.getvalue(), "jpg", "image/jpeg"


def _variants(image: Image.Image, widths: list[int]):
    """``(width, resized image)`` for each width below the image's, largest first.

    Each copy is resized from the previous (larger) one: several times quicker
    than starting from the full image every time, and just as sharp.
    """
    from PIL import Image

    source = image
    for width in sorted({w for w in widths if 0 < w < image.width}, reverse=True):
        height = max(1, round(image.height * width / image.width))
        source = source.resize((width, height), Image.Resampling.LANCZOS)
        yield width, source


@dataclass(frozen=True)
class PreparedImage:
    """A checked, re-encoded image and its resized copies, not stored anywhere yet."""

    data: bytes
    extension: str
    mime_type: str
    width: int
    height: int
    #: ``(width, encoded bytes)`` of each resized copy, smallest first.
    variants: tuple[tuple[int, bytes], ...]
    #: What the uploaded bytes were ("JPEG", "PNG", "WEBP", "GIF").
    source_format: str = ""


def prepare_image(data: bytes, widths: Iterable[int]) -> PreparedImage:
    """Check and re-encode image bytes, with a copy for each of ``widths`` below its own.

    Pure work on bytes (no files, no database), so a caller that stores the
    same picture again and again (the demo site) may keep the result.
    Raises :class:`UploadError` when the bytes are not an acceptable image.
    """
    decoded, source_format = _decode(data)
    image = _flatten(decoded)
    encoded, extension, mime_type = _encode(image)
    copies = [
        (width, _encode(resized, progressive=False)[0])
        for width, resized in _variants(image, [int(w) for w in widths])
    ]
    return PreparedImage(
        data=encoded,
        extension=extension,
        mime_type=mime_type,
        width=image.width,
        height=image.height,
        variants=tuple(sorted(copies)),
        source_format=source_format,
    )


def reencode(
    data: bytes, *, formats: tuple[str, ...], progressive: bool
) -> tuple[bytes, str, int, int]:
    """Check and re-encode image bytes that come from elsewhere than an upload (a site import).

    The same pipeline as an upload: decoded completely by the decoders of
    ``formats`` only, pixel limits, flattened, re-encoded (nothing but the
    pixels and the colour profile is kept). Returns the new bytes, their
    extension (``jpg`` or ``png``), width and height. Raises :class:`UploadError`, whose
    ``__cause__`` is what Pillow raised (none for a size refused by our limits).
    """
    decoded, _source_format = _decode(data, formats=formats)
    image = _flatten(decoded)
    encoded, extension, _mime_type = _encode(image, progressive=progressive)
    return encoded, extension, image.width, image.height


def save_image(stream: BinaryIO, original_name: str = "", *, uploaded_by_id: int | None = None,
               alt: str = "", caption: str = "") -> MediaImage:  # fmt: skip
    """Check, re-encode and store an uploaded image with its variants.

    The extension of ``original_name``, if it names a file type, must be one
    of the image's format.

    Adds the :class:`MediaImage` to the session and flushes it (so it has an
    id); the caller commits. On any problem raises :class:`UploadError` and
    leaves no file behind; if the caller's transaction is rolled back instead
    of committed, the files are removed then. It writes no audit entry: a
    writer adding to the library calls :func:`upload_image`, in a unit of work;
    this is its part that stores the picture.
    """
    limit = int(current_app.config["PORTAL_MAX_IMAGE_BYTES"])
    data = read_limited(stream, limit, what="Ảnh")
    prepared = prepare_image(data, current_app.config["PORTAL_IMAGE_WIDTHS"])
    _check_name(original_name, prepared.source_format)
    return store_image(
        prepared, original_name, uploaded_by_id=uploaded_by_id, alt=alt, caption=caption
    )


def store_image(prepared: PreparedImage, original_name: str = "", *,
                uploaded_by_id: int | None = None, alt: str = "",
                caption: str = "") -> MediaImage:  # fmt: skip
    """Write a prepared image under a random name and add its :class:`MediaImage`.

    The second half of :func:`save_image`, with the same promises: flushed,
    not committed; no file left behind on failure or rollback.
    """
    token = secrets.token_hex(12)
    folder = PurePosixPath("uploads") / token[:2]
    storage = media_storage()
    written: list[str] = []
    try:
        stored_name = str(folder / f"{token}.{prepared.extension}")
        store_upload(storage, stored_name, prepared.data, media_type=prepared.mime_type)
        written.append(stored_name)
        variants: dict[str, str] = {}
        for width, variant_data in prepared.variants:
            variant_name = str(folder / f"{token}-{width}w.{prepared.extension}")
            store_upload(storage, variant_name, variant_data, media_type=prepared.mime_type)
            written.append(variant_name)
            variants[str(width)] = variant_name
        media = MediaImage(
            stored_name=stored_name,
            original_name=_display_name(original_name),
            mime_type=prepared.mime_type,
            width=prepared.width,
            height=prepared.height,
            size=len(prepared.data),
            variants=variants,
            alt=(alt or "").strip()[:500],
            caption=(caption or "").strip(),
            uploaded_by_id=uploaded_by_id,
        )
        db.session.add(media)
        db.session.flush()
        remove_unless_committed(db.session(), storage, written)
        return media
    except Exception:
        remove_now(storage, written)
        raise


def _display_name(name: str) -> str:
    """The file name as the uploader knew it, without the folders some browsers send."""
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:300]


def is_stored_name(name: str) -> bool:
    """Whether ``name`` is one :func:`store_image` gives (the image or a resized copy)."""
    return isinstance(name, str) and STORED_NAME_RE.fullmatch(name) is not None


def variant_name(stored_name: str, width: int) -> str:
    """The name of the resized copy ``width`` pixels wide of the image ``stored_name``."""
    stem, dot, extension = stored_name.rpartition(".")
    return f"{stem}-{width}w{dot}{extension}"


def image_files(media: MediaImage) -> list[str]:
    """The names of the full image and its variants in the media storage.

    A name that leads out of the media area (a damaged or crafted row) is
    left out and logged, so deleting the row never deletes anything else.
    """
    names = []
    for name in [media.stored_name, *(media.variants or {}).values()]:
        if clean_name(name) is None:
            log.error("Media image %s: refusing the file name %r, which leads outside", media.id,
                      name)  # fmt: skip
        else:
            names.append(name)
    return names


def served_media_type(filename: str) -> str | None:
    """The type ``/media/<filename>`` is served with, or None when it must not be served.

    Only images (by extension, :data:`SERVED_TYPES`) with a name inside the media
    area are served (the storage also refuses names symbolic links lead outside).
    """
    mime_type = SERVED_TYPES.get(PurePosixPath(filename).suffix.lower())
    if mime_type is None or clean_name(filename) is None:
        return None
    return mime_type


def delete_image_files(media: MediaImage) -> None:
    """Remove an image's files now (deleting the row does it after the commit by itself)."""
    remove_now(media_storage(), image_files(media))


@event.listens_for(MediaImage, "after_delete")
def _remove_files_with_row(mapper, connection, media: MediaImage) -> None:
    """A deleted image's files go once the deletion is committed."""
    session = object_session(media)
    if session is not None:
        remove_after_commit(session, media_storage(), image_files(media))


def image_source(media: MediaImage) -> ImageSource:
    """``src`` (the full image), ``srcset`` over the variants, and intrinsic size."""
    full = page_link("reader.media", filename=media.stored_name)
    candidates = [
        f"{page_link('reader.media', filename=name)} {width}w"
        for width, name in sorted(media.variants.items(), key=lambda item: int(item[0]))
    ]
    if candidates:
        candidates.append(f"{full} {media.width}w")
    return ImageSource(
        src=full,
        srcset=", ".join(candidates),
        width=media.width,
        height=media.height,
        mime_type=media.mime_type,
        size=media.size,
    )


# -- changing the library ------------------------------------------------------------------------


class MediaError(Exception):
    """A change to the library that cannot be made; the message is for the person who tried."""


class MediaNotAllowed(MediaError):
    """An author may change only the images they uploaded."""

    def __init__(self) -> None:
        super().__init__("Bạn chỉ sửa hoặc xóa được ảnh do chính mình tải lên.")


class ImageInUse(MediaError):
    """The image is shown by articles (``uses``: their ids), so it is not deleted."""

    def __init__(self, uses: list[int]) -> None:
        self.uses = uses
        super().__init__(
            f"Ảnh đang được dùng trong {len(uses)} bài viết nên không xóa được. "
            "Hãy bỏ ảnh khỏi các bài đó trước."
        )


def may_change(user, image: MediaImage) -> bool:
    """Editors and admins change any image; authors the ones they uploaded."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_editor) or image.uploaded_by_id == user.id


def _stem(image: MediaImage) -> str:
    """``uploads/ab/<token>``: in the URL of the image and of each of its variants."""
    return image.stored_name.rsplit(".", 1)[0]


@dataclass(frozen=True)
class ArticleUse:
    """An article that shows an image: as its main image, or inside its body."""

    article_id: int
    title: str
    as_main_image: bool


def articles_using(images: list[MediaImage]) -> dict[int, list[ArticleUse]]:
    """For each image, the articles (any state) that show it, newest first; one query.

    As main image through ``ix_articles_image_id``; inside the body through
    ``article_image_uses`` (the stems each body names, kept whenever a body is
    written; migration 0012): index lookups, however many articles the site
    has. An image whose stored name is not of the library's form (no stem to
    look up) is searched for in the bodies, as before.
    """
    uses: dict[int, list[ArticleUse]] = {image.id: [] for image in images}
    if not images:
        return uses
    stems = {_stem(image) for image in images}
    indexed = {stem for stem in stems if IMAGE_STEM_RE.fullmatch(stem)}
    found = [
        select(Article.id.label("article_id"), literal(None, String).label("stem")).where(
            Article.image_id.in_([image.id for image in images])
        ),
        select(ArticleImageUse.article_id, ArticleImageUse.stem).where(
            ArticleImageUse.stem.in_(sorted(indexed))
        ),
    ]
    found += [
        select(Article.id, literal(stem, String))
        .where(Article.body_html.contains(stem, autoescape=True))
        for stem in sorted(stems - indexed)
    ]  # fmt: skip
    listed = union_all(*found).subquery("found")
    rows = db.session.execute(
        select(Article.id, Article.title, Article.image_id, listed.c.stem)
        .join(listed, listed.c.article_id == Article.id)
        .order_by(Article.id.desc())
    )
    articles: dict[int, tuple[str, int | None, set[str]]] = {}
    for article_id, title, image_id, stem in rows:
        shown = articles.setdefault(article_id, (title, image_id, set()))[2]
        if stem is not None:
            shown.add(stem)
    for article_id, (title, image_id, shown) in articles.items():
        for image in images:
            main = image_id == image.id
            if main or _stem(image) in shown:
                uses[image.id].append(ArticleUse(article_id, title, main))
    return uses


def image_summary(image: MediaImage) -> dict:
    """What the audit log keeps of an image."""
    return {
        "original_name": image.original_name,
        "stored_name": image.stored_name,
        "size": f"{image.width} × {image.height}, {file_size(image.size)}",
        "alt": image.alt,
        "caption": image.caption,
    }


def describe(image: MediaImage) -> str:
    """The image as messages name it: “its file name”."""
    return f"“{image.original_name or image.stored_name}”"


def upload_image(stream: BinaryIO, original_name: str = "", *, uploaded_by_id: int | None = None,
                 alt: str = "", caption: str = "") -> MediaImage:  # fmt: skip
    """Add an uploaded image to the library (:func:`save_image`) with its audit entry.

    No content event: a new image is on no reader's page until an article is
    saved with it, and that save announces the article. Raises
    :class:`UploadError` for a refused file; the unit of work then rolls back.
    """
    require_unit("Uploading an image")
    image = save_image(
        stream, original_name, uploaded_by_id=uploaded_by_id, alt=alt, caption=caption
    )
    audit.record(
        "media.upload",
        subject_type="media",
        subject_id=image.id,
        summary=f"Tải lên ảnh {describe(image)}",
        after=image_summary(image),
    )
    return image


def update_image_details(image: MediaImage, user, *, alt: str, caption: str) -> bool:
    """Change an image's description (alt) and caption; whether anything changed.

    Leaves an audit entry when something changed. No content event: these are
    the library's suggestions for the next article that picks the image; an
    article keeps its own copy (``Article.image_alt``/``image_caption``, or
    the ``alt`` in its body), and readers' pages take the image's files and
    size only (:func:`image_source`), so no published page changes.
    """
    require_unit("Describing an image")
    if not may_change(user, image):
        raise MediaNotAllowed()
    before = image_summary(image)
    image.alt = (alt or "").strip()[:500]
    image.caption = (caption or "").strip()
    entry = audit.record_change(
        "media.update",
        subject_type="media",
        subject_id=image.id,
        summary=f"Sửa mô tả ảnh {describe(image)}",
        before=before,
        after=image_summary(image),
    )
    return entry is not None


def delete_image(image: MediaImage, user) -> None:
    """Delete an image no article shows; its files go once the deletion is committed.

    Refused with :class:`ImageInUse` while any article (published or not)
    shows it, as main image or inside its body, so a deletion never changes
    an article's HTML: it announces no content event. (Deleting the image of
    a published article would have to announce that article as "edited";
    the guard makes that case impossible.) Leaves an audit entry.
    """
    require_unit("Deleting an image")
    if not may_change(user, image):
        raise MediaNotAllowed()
    uses = articles_using([image])[image.id]
    if uses:
        raise ImageInUse([use.article_id for use in uses])
    audit.record(
        "media.delete",
        subject_type="media",
        subject_id=image.id,
        summary=f"Xóa ảnh {describe(image)}",
        before=image_summary(image),
    )
    db.session.delete(image)
    db.session.flush()


# -- finding images in the library -------------------------------------------------------------------

#: The library's type filter: what it shows → the stored types (images are kept as JPEG or PNG).
IMAGE_KINDS = {"jpeg": ("Ảnh JPEG", "image/jpeg"), "png": ("Ảnh PNG", "image/png")}
#: The library's use filter.
IMAGE_USES = {"used": "Đang dùng trong bài viết", "unused": "Chưa bài nào dùng"}
#: Upload dates are days of the site's time zone.
LIBRARY_TIME_ZONE = "Asia/Ho_Chi_Minh"


def image_in_use():
    """SQL condition: an article shows the image, as its main image or inside its body.

    Index lookups (``ix_articles_image_id``; ``article_image_uses.stem``, the
    first 35 characters of a library name, migration 0012), as in
    :func:`articles_using`.
    """
    stem = func.substr(MediaImage.stored_name, 1, 35)
    return or_(
        exists().where(Article.image_id == MediaImage.id),
        exists().where(ArticleImageUse.stem == stem),
    )


def filter_library(query, *, kind: str = "", uploaded_from: date | None = None,
                   uploaded_to: date | None = None, use: str = ""):  # fmt: skip
    """``query`` (a select of images) narrowed to a type, a range of upload days, used or not.

    Days are whole days of the site's time zone, both ends included. Unknown
    values of ``kind`` and ``use`` narrow nothing.
    """
    zone = ZoneInfo(LIBRARY_TIME_ZONE)
    if kind in IMAGE_KINDS:
        query = query.where(MediaImage.mime_type == IMAGE_KINDS[kind][1])
    if uploaded_from is not None:
        start = datetime.combine(uploaded_from, time(), tzinfo=zone)
        query = query.where(MediaImage.created_at >= start)
    if uploaded_to is not None:
        end = datetime.combine(uploaded_to + timedelta(days=1), time(), tzinfo=zone)
        query = query.where(MediaImage.created_at < end)
    if use == "used":
        query = query.where(image_in_use())
    elif use == "unused":
        query = query.where(not_(image_in_use()))
    return query
