"""Files for the upload tests, made here byte by byte: good images and documents, and
the bad ones people (or attackers) send — forged names, truncated files, bombs, polyglots.

Nothing is read from outside the tests: every sample is built from its format's
description, so a test says exactly what it sends.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from PIL import Image

# -- images --------------------------------------------------------------------------------------


def jpeg(width: int = 1600, height: int = 900, color=(30, 90, 160), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", **{"quality": 90, **save_options})
    return buffer.getvalue()


def noisy_jpeg(width: int = 700, height: int = 700) -> bytes:
    """Random pixels at top quality: a JPEG that is large in bytes for its size."""
    pixels = random.Random(width * height).randbytes(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(buffer, "JPEG", quality=100)
    return buffer.getvalue()


def png_with_alpha(width: int = 600, height: int = 400, text: str = "") -> bytes:
    """Opaque rows every fourth line on the left half, transparent elsewhere."""
    image = Image.new("RGBA", (width, height), (200, 40, 40, 0))
    for x in range(width // 2):
        for y in range(0, height, 4):
            image.putpixel((x, y), (200, 40, 40, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=_png_text(text) if text else None)
    return buffer.getvalue()


def _png_text(text: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", text)
    info.add_itxt("Description", text)
    return info


def png_with_text(secret: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 60)).save(buffer, "PNG", pnginfo=_png_text(secret))
    return buffer.getvalue()


def jpeg_with_metadata(secret: str) -> bytes:
    """A photo carrying a GPS position, a camera serial and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "Camera maker " + secret  # Make
    exif[0xA431] = secret  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (22.0, 8.0, 49.0)  # latitude of Bắc Kạn
    gps[3], gps[4] = "E", (105.0, 50.0, 3.0)
    return jpeg(800, 600, exif=exif.tobytes(), comment=secret.encode())


def jpeg_rotated_by_exif() -> bytes:
    """Stored 400 wide × 200 high (left red, right blue); EXIF says turn it 90° clockwise."""
    image = Image.new("RGB", (400, 200), (220, 0, 0))
    image.paste((0, 0, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg(1200, 800)
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height``: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def bmp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 0, 0)).save(buffer, "BMP")
    return buffer.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" '
    b'onload="alert(document.cookie)"><script>alert(1)</script><rect width="100" height="100"/>'
    b"</svg>"
)
SCRIPT = b"<script>fetch('/admin/users', {method: 'POST'})</script>\n"
#: Starts like a GIF, is JavaScript: "GIF89a" is a valid identifier, the rest a statement.
GIF_JS_POLYGLOT = (
    b"GIF89a/*\x0a\x00\x0a\x00\x00\x00\x00*/=1;alert(document.domain);//" + b"\x00" * 40
)
#: A real JPEG with an HTML page and a zip appended after the image's end marker.
HTML_PAYLOAD = b"<html><body><script>alert('polyglot')</script></body></html>"


def jpeg_with_payload() -> bytes:
    return jpeg(640, 480) + HTML_PAYLOAD + ooxml("word")


# -- documents -----------------------------------------------------------------------------------


def pdf(pages: int = 1, title: str = "Báo cáo") -> bytes:
    """A small, well-formed PDF (objects, cross-reference table, trailer, %%EOF)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Title (" + title.encode("latin-1", "replace") + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _directory_entry(name: str, kind: int, *, right=NOSTREAM, child=NOSTREAM, start=0, size=0):
    encoded = (name.encode("utf-16-le") + b"\x00\x00") if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\x00" * 16  # CLSID
        + struct.pack("<I", 0)  # state bits
        + b"\x00" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def ole2(*stream_names: str, content: bytes = b"") -> bytes:
    """A compound file (the container of .doc, .xls, .ppt) holding the named streams.

    Version 3, 512-byte sectors: sector 0 is the FAT, sector 1 the directory,
    then each stream's data (4096 bytes, so no mini stream is needed).
    """
    sectors_per_stream = 8
    data_sectors = sectors_per_stream * len(stream_names)
    fat = [FATSECT, ENDOFCHAIN]
    entries = [_directory_entry("Root Entry", 5, child=1 if stream_names else NOSTREAM,
                                start=ENDOFCHAIN)]  # fmt: skip
    for index, name in enumerate(stream_names):
        first = 2 + index * sectors_per_stream
        fat += [*range(first + 1, first + sectors_per_stream), ENDOFCHAIN]
        right = index + 2 if index + 1 < len(stream_names) else NOSTREAM
        entries.append(_directory_entry(name, 2, right=right, start=first, size=4096))
    assert len(entries) <= 4, "one directory sector holds four entries"
    while len(entries) < 4:
        entries.append(_directory_entry("", 0))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREESECT) * 108
    )
    assert len(header) == 512
    fat_sector = b"".join(struct.pack("<I", v) for v in fat).ljust(512, b"\xff")
    assert 2 + data_sectors <= 128, "one FAT sector maps 128 sectors"
    body = (content or b"Van ban mau. ").ljust(512 * data_sectors, b"\x00")[: 512 * data_sectors]
    return header + fat_sector + b"".join(entries) + body


OOXML_TYPES = {
    "word": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "excel": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "powerpoint": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
    "word-macro": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}  # fmt: skip


def ooxml(kind: str = "word") -> bytes:
    """A .docx/.xlsx/.pptx: a zip with [Content_Types].xml naming the main part."""
    part, content_type = OOXML_TYPES[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{part}"/>'
        "</Relationships>"
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr(part, "<document>Nội dung văn bản</document>")
    return buffer.getvalue()


def odf(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    """An OpenDocument file: ``mimetype`` first and stored, then content and manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "không phải tài liệu Office")
        archive.writestr(
            "word/document.xml", "<document/>"
        )  # looks like Word, but no content types
    return buffer.getvalue()


#: A Windows program: "MZ", a DOS stub, then "PE".
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 46
    + b"PE\x00\x00"
    + b"\x00" * 200
)
HTML_PAGE = '<!DOCTYPE html><html><body onload="alert(1)"><h1>Báo cáo</h1></body></html>'.encode()
