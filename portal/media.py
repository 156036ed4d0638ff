"""Image uploads: checked by content, re-encoded, stored under random names, resized.

An upload is trusted only after Pillow has decoded it completely: the file
name and the browser's content type are ignored. The decoded pixels are
re-encoded (JPEG, or PNG/WebP when the image has transparency), which also
drops any metadata (GPS position, camera serial, embedded scripts), then saved
under a random name with resized variants for ``srcset``. If anything fails,
every file written so far is removed and :class:`UploadError` says why.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app, url_for
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.extensions import db
from portal.models import MediaImage

#: Formats accepted on upload (what Pillow detects from the bytes, not the name).
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
#: Largest side accepted; bigger images are decompression bombs or scans.
MAX_PIXELS = 40_000_000


class UploadError(ValueError):
    """An upload was refused; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class ImageSource:
    """What an ``<img>`` needs: ``src``, ``srcset``/``sizes`` when variants exist, size."""

    src: str
    srcset: str = ""
    width: int | None = None
    height: int | None = None


def media_root() -> Path:
    return Path(current_app.instance_path) / current_app.config["PORTAL_MEDIA_DIR"]


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            f"Ảnh quá lớn: tối đa {limit // (1024 * 1024)} MB. Hãy thu nhỏ ảnh rồi tải lên lại."
        )
    if not data:
        raise UploadError("Tệp rỗng: không có dữ liệu ảnh.")
    return data


def _decode(data: bytes) -> Image.Image:
    """Decode fully (not just the header) so truncated or forged files are caught."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in ACCEPTED_FORMATS:
            raise UploadError(
                f"Định dạng {kind} không được nhận. Hãy tải lên ảnh JPEG, PNG, WebP hoặc GIF."
            )
        image = Image.open(io.BytesIO(data))
        image.load()
    except UploadError:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadError("Ảnh có kích thước quá lớn (quá nhiều điểm ảnh).") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadError("Tệp này không phải là ảnh hợp lệ hoặc đã bị hỏng.") from exc
    image = ImageOps.exif_transpose(image)  # respect the camera's orientation
    if image.width < 16 or image.height < 16:
        raise UploadError("Ảnh quá nhỏ (cần ít nhất 16 × 16 điểm ảnh).")
    return image


def _encode(image: Image.Image) -> tuple[bytes, str, str]:
    """Re-encode: JPEG for photos, PNG when transparency matters."""
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    buffer = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(buffer, "PNG", optimize=True)
        return buffer.getvalue(), "png", "image/png"
    image.convert("RGB").save(buffer, "JPEG", quality=84, optimize=True, progressive=True)
    return buffer.getvalue(), "jpg", "image/jpeg"


def save_image(stream: BinaryIO, original_name: str = "", *, uploaded_by_id: int | None = None,
               alt: str = "", caption: str = "") -> MediaImage:  # fmt: skip
    """Check, re-encode and store an uploaded image with its variants.

    Adds the :class:`MediaImage` to the session (the caller commits). On any
    problem raises :class:`UploadError` and leaves no file behind.
    """
    limit = int(current_app.config["PORTAL_MAX_IMAGE_BYTES"])
    image = _decode(_read_limited(stream, limit))
    token = secrets.token_hex(12)
    folder = Path("uploads") / token[:2]
    written: list[Path] = []
    try:
        data, extension, mime_type = _encode(image)
        stored_name = str(folder / f"{token}.{extension}")
        written.append(_write(stored_name, data))
        variants: dict[str, str] = {}
        for width in sorted({int(w) for w in current_app.config["PORTAL_IMAGE_WIDTHS"]}):
            if width >= image.width:
                continue
            height = round(image.height * width / image.width)
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
            variant_data, _ext, _mime = _encode(resized)
            variant_name = str(folder / f"{token}-{width}w.{extension}")
            written.append(_write(variant_name, variant_data))
            variants[str(width)] = variant_name
        media = MediaImage(
            stored_name=stored_name,
            original_name=(original_name or "")[:300],
            mime_type=mime_type,
            width=image.width,
            height=image.height,
            size=len(data),
            variants=variants,
            alt=alt[:500],
            caption=caption,
            uploaded_by_id=uploaded_by_id,
        )
        db.session.add(media)
        db.session.flush()
        return media
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _write(relative: str, data: bytes) -> Path:
    path = media_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)
    return path


def delete_image_files(media: MediaImage) -> None:
    """Remove an image's files (the row is the caller's business)."""
    for relative in [media.stored_name, *media.variants.values()]:
        (media_root() / relative).unlink(missing_ok=True)


def image_source(media: MediaImage) -> ImageSource:
    """``src`` (the full image), ``srcset`` over the variants, and intrinsic size."""
    full = url_for("reader.media", filename=media.stored_name)
    candidates = [
        f"{url_for('reader.media', filename=name)} {width}w"
        for width, name in sorted(media.variants.items(), key=lambda item: int(item[0]))
    ]
    if candidates:
        candidates.append(f"{full} {media.width}w")
    return ImageSource(
        src=full, srcset=", ".join(candidates), width=media.width, height=media.height
    )
