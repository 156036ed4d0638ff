"""Image uploads (portal.media.save_image): what is refused and why, what is kept and how.

Each refusal must say why in Vietnamese and leave nothing behind — no file in
the media folder, no row. Accepted images are re-encoded (metadata gone),
turned the way the camera meant, resized for srcset, and their files follow
the fate of the transaction.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.content.media import UploadError, image_source, save_image
from portal.extensions import db
from portal.models import MediaImage

from . import samples
from .conftest import NOTHING, files_under, left_behind, media_folder


@pytest.fixture
def app_config():
    return {"PORTAL_MAX_IMAGE_BYTES": 300 * 1024, "PORTAL_IMAGE_WIDTHS": [480, 800, 1200]}


def save(app, data: bytes, name: str = "anh.jpg", **kwargs) -> MediaImage:
    with app.test_request_context():
        media = save_image(io.BytesIO(data), name, **kwargs)
        db.session.commit()
        db.session.refresh(media)
        db.session.expunge(media)
        return media


REFUSED = {
    "a script named .jpg": (samples.SCRIPT, "anh.jpg", "không phải là ảnh"),
    "an SVG with a script": (samples.SVG_WITH_SCRIPT, "logo.png", "SVG không được nhận"),
    "a BMP named .jpg": (samples.bmp(), "anh.jpg", "BMP không được nhận"),
    "a PDF named .png": (samples.pdf(), "anh.png", "PDF không phải là ảnh"),
    "a program named .gif": (samples.EXE, "anh.gif", "chương trình không phải là ảnh"),
    "a truncated JPEG": (samples.truncated_jpeg(), "anh.jpg", "bị cắt cụt"),
    "an empty file": (b"", "anh.jpg", "rỗng"),
    "a PNG of zero size": (samples.png_claiming(0, 0), "anh.png", "không phải là ảnh"),
    "a bomb of 49 million pixels": (samples.png_claiming(7000, 7000), "a.png", "7000 × 7000"),
    "a bomb of 400 million pixels": (samples.png_claiming(20000, 20000), "a.png", "quá nhiều"),
    "a GIF/JavaScript polyglot": (samples.GIF_JS_POLYGLOT, "anh.gif", "không phải là ảnh"),
    "too many bytes": (samples.noisy_jpeg(), "lon.jpg", "tối đa 300 KB"),
    "too small to be a picture": (samples.jpeg(8, 8), "pixel.jpg", "quá nhỏ"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_uploads_say_why_and_leave_nothing(app, case):
    data, name, words = REFUSED[case]

    with app.test_request_context(), pytest.raises(UploadError) as refused:
        save_image(io.BytesIO(data), name)
    with app.app_context():
        db.session.rollback()

    assert words in str(refused.value)
    assert str(refused.value)[0].isupper() and str(refused.value).endswith(".")
    assert left_behind(app) == NOTHING


def test_too_many_bytes_is_judged_by_the_bytes_not_the_pixels(app):
    data = samples.noisy_jpeg()
    assert len(data) > 300 * 1024  # the limit set in app_config

    with app.test_request_context(), pytest.raises(UploadError, match="quá lớn"):
        save_image(io.BytesIO(data), "lon.jpg")


def test_a_photo_is_stored_as_jpeg_with_copies_for_srcset(app):
    media = save(
        app, samples.jpeg(1600, 900), "Ảnh hội nghị.JPG", alt="Hội nghị", caption="Ảnh: TT"
    )

    assert (media.mime_type, media.width, media.height) == ("image/jpeg", 1600, 900)
    assert media.original_name == "Ảnh hội nghị.JPG"
    assert (media.alt, media.caption) == ("Hội nghị", "Ảnh: TT")
    assert media.stored_name.startswith("uploads/") and media.stored_name.endswith(".jpg")
    assert "hoi" not in media.stored_name  # a random name, nothing from the upload's
    folder = media_folder(app)
    assert sorted(int(w) for w in media.variants) == [480, 800, 1200]
    for width, name in media.variants.items():
        with Image.open(folder / name) as copy:
            assert copy.format == "JPEG"
            assert copy.size == (int(width), round(900 * int(width) / 1600))
    with Image.open(folder / media.stored_name) as full:
        assert full.format == "JPEG" and full.size == (1600, 900)
    assert media.size == (folder / media.stored_name).stat().st_size
    assert len(files_under(folder)) == 4


def test_image_source_offers_every_copy_smallest_first(app):
    media = save(app, samples.jpeg(1000, 500))
    with app.test_request_context():
        source = image_source(media)

    base = f"/media/{media.stored_name}"
    assert source.src == base
    assert source.srcset == ", ".join(
        [
            f"/media/{media.variants['480']} 480w",
            f"/media/{media.variants['800']} 800w",
            f"{base} 1000w",
        ]
    )
    assert (source.width, source.height) == (1000, 500)


def test_a_small_image_gets_no_copies_and_no_srcset(app):
    media = save(app, samples.jpeg(400, 300))

    assert media.variants == {}
    with app.test_request_context():
        assert image_source(media).srcset == ""


def test_png_with_transparency_stays_png(app):
    media = save(app, samples.png_with_alpha(), "logo.png")

    assert media.mime_type == "image/png" and media.stored_name.endswith(".png")
    with Image.open(media_folder(app) / media.stored_name) as stored:
        assert stored.format == "PNG" and stored.mode == "RGBA"
        assert stored.getpixel((0, 1))[3] == 0  # transparent stays transparent
        assert stored.getpixel((0, 0))[3] == 255
    with Image.open(media_folder(app) / media.variants["480"]) as copy:
        assert copy.format == "PNG" and copy.mode == "RGBA"


def test_a_png_without_transparency_becomes_a_jpeg(app):
    media = save(app, samples.png_with_text("x"), "bieu-do.png")

    assert media.mime_type == "image/jpeg"


def test_exif_orientation_is_applied(app):
    media = save(app, samples.jpeg_rotated_by_exif(), "dien-thoai.jpg")

    # Stored 400 × 200 with "turn 90° clockwise": shown (and now stored) 200 × 400.
    assert (media.width, media.height) == (200, 400)
    with Image.open(media_folder(app) / media.stored_name) as stored:
        assert stored.size == (200, 400)
        assert stored.getexif().get(0x0112) is None  # nothing left to turn
        red, _green, blue = stored.getpixel((100, 20))  # the top is the former left: red
        assert red > 150 and blue < 80
        red, _green, blue = stored.getpixel((100, 380))
        assert blue > 150 and red < 80


def test_metadata_is_stripped(app):
    secret = "SERIAL-4711-GPS"
    photo = save(app, samples.jpeg_with_metadata(secret), "anh.jpg")
    chart = save(app, samples.png_with_text(secret), "bieu-do.png")
    logo = save(app, samples.png_with_alpha(text=secret), "logo.png")
    assert logo.mime_type == "image/png"

    for media in (photo, chart, logo):
        for name in [media.stored_name, *media.variants.values()]:
            data = (media_folder(app) / name).read_bytes()
            assert secret.encode() not in data
            with Image.open(io.BytesIO(data)) as stored:
                assert not stored.getexif()
                assert set(stored.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density",
                                            "progressive", "progression", "dpi"}  # fmt: skip


def test_a_payload_after_a_real_image_is_refused(app):
    with app.test_request_context(), pytest.raises(UploadError, match="HTML/JavaScript"):
        save_image(io.BytesIO(samples.jpeg_with_payload()), "anh.jpg")

    assert left_behind(app) == NOTHING


#: The video of a phone's "motion photo": an MP4 whose first box is ``ftyp``.
MOTION_VIDEO = b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41" + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    "after",
    [b"\x00" * 300, samples.jpeg(320, 240), MOTION_VIDEO, b"MotionPhoto_Data" + MOTION_VIDEO],
    ids=[
        "zero padding",
        "a second picture (a phone's depth map or HDR gain map)",
        "the video of a motion photo",
        "the video of a Samsung motion photo",
    ],
)
def test_what_cameras_put_after_a_photo_is_accepted(app, after):
    media = save(app, samples.jpeg(640, 480) + after, "anh.jpg")

    data = (media_folder(app) / media.stored_name).read_bytes()
    assert data.endswith(b"\xff\xd9") and data.count(b"\xff\xd8") == 1  # one picture kept


def test_a_video_with_a_web_page_inside_is_still_refused(app):
    trailer = MOTION_VIDEO + b"<html><script>alert(1)</script></html>"
    with app.test_request_context(), pytest.raises(UploadError, match="HTML/JavaScript"):
        save_image(io.BytesIO(samples.jpeg(640, 480) + trailer), "anh.jpg")

    assert left_behind(app) == NOTHING


@pytest.mark.parametrize("name", ["anh.png", "anh.webp", "ảnh tải về.jpeg"])
def test_a_name_of_another_picture_type_is_fine(app, name):
    """Browsers save WebP as .jpg: the picture is re-encoded under the portal's own name anyway."""
    media = save(app, samples.jpeg(320, 240), name)

    assert media.stored_name.endswith(".jpg")
    assert media.original_name == name


def test_the_name_keeps_no_folders(app):
    media = save(app, samples.jpeg(300, 200), "C:\\Users\\pv\\Ảnh\\hội nghị.jpg")

    assert media.original_name == "hội nghị.jpg"


def test_files_go_when_the_transaction_is_rolled_back(app):
    with app.test_request_context():
        media = save_image(io.BytesIO(samples.jpeg()), "anh.jpg")
        assert media.id is not None
        assert len(files_under(media_folder(app))) == 4  # written before the commit
        db.session.rollback()

    assert left_behind(app) == NOTHING


def test_files_go_when_the_session_ends_without_a_commit(app):
    with app.test_request_context():
        save_image(io.BytesIO(samples.jpeg()), "anh.jpg")
    # Leaving the context closes the session: the upload was never committed.

    assert left_behind(app) == NOTHING


def test_files_of_a_deleted_image_go_only_after_the_commit(app):
    media = save(app, samples.jpeg(), "anh.jpg")
    assert len(files_under(media_folder(app))) == 4

    with app.app_context():
        db.session.delete(db.session.get(MediaImage, media.id))
        db.session.flush()
        db.session.rollback()  # the deletion did not happen
    assert len(files_under(media_folder(app))) == 4

    with app.app_context():
        db.session.delete(db.session.get(MediaImage, media.id))
        db.session.commit()
    assert left_behind(app) == NOTHING


def test_a_committed_upload_keeps_its_files(app):
    media = save(app, samples.jpeg(), "anh.jpg")

    with app.app_context():
        assert db.session.scalars(select(MediaImage.id)).all() == [media.id]
    assert len(files_under(media_folder(app))) == 4


def test_the_colour_profile_is_kept(app):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    media = save(app, samples.jpeg(900, 600, icc_profile=profile), "anh.jpg")

    for name in [media.stored_name, *media.variants.values()]:
        with Image.open(media_folder(app) / name) as stored:
            assert stored.info.get("icc_profile") == profile
