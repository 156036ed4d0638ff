"""A full or read-only disk during an upload (a real one: a small tmpfs mounted over the media
or the attachments folder, which needs root; skipped otherwise): the editor reads why in the
form, and there is no row, no file and no ``.part`` file afterwards."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import subprocess
from pathlib import Path

import pytest
from articles.conftest import article_fields, make_article, post_article
from media import samples
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, MediaImage

from .test_s3_backend import PDF, upload_image

FILLER = ".filler"


@pytest.fixture
def app_config():
    return {}  # the local folders: the default


@contextlib.contextmanager
def small_tmpfs(folder: Path):
    """Mount a 256 KB tmpfs over ``folder`` (skip when this is not allowed); unmount after."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextlib.contextmanager
def full_disk(folder: Path):
    """A tmpfs over ``folder``, filled up."""
    with small_tmpfs(folder):
        with open(folder / FILLER, "wb", buffering=0) as handle, contextlib.suppress(OSError):
            while True:
                handle.write(b"\0" * 4096)
        probe = folder / "probe"
        with pytest.raises(OSError) as full:  # really full
            probe.write_bytes(b"x" * 8192)
        assert full.value.errno == errno.ENOSPC
        probe.unlink(missing_ok=True)
        yield folder


@contextlib.contextmanager
def read_only_disk(folder: Path):
    """A tmpfs over ``folder``, mounted read-only (as a failing disk is by the kernel)."""
    with small_tmpfs(folder):
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        with pytest.raises(OSError) as refused:
            (folder / "probe").write_bytes(b"x")
        assert refused.value.errno == errno.EROFS
        yield folder


def left_in(folder: Path) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(root, name), folder)
        for root, _dirs, names in os.walk(folder)
        for name in names
        if name != FILLER
    )


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_image_upload_that_fills_the_disk_says_so_and_leaves_nothing(app, clients):
    media = Path(app.instance_path) / app.config["PORTAL_MEDIA_DIR"]
    with full_disk(media):
        response = upload_image(clients["editor"], samples.jpeg(640, 480))
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "bộ nhớ lưu trữ của máy chủ đã đầy" in html
        assert "Tệp chưa được tải lên" in html
        assert left_in(media) == []  # no .part file, no half-written image
    assert rows(app, MediaImage) == 0


def test_an_attachment_that_fills_the_disk_says_so_and_leaves_nothing(app, clients, site):
    folder = Path(app.instance_path) / app.config["PORTAL_ATTACHMENTS_DIR"]
    article_id = make_article(app, created_by=None)
    big = PDF.replace(b"trailer", b"%" + b"x" * 300_000 + b"\ntrailer")
    with full_disk(folder):
        response = post_article(
            clients["editor"],
            f"/admin/articles/{article_id}",
            article_fields(site["category"]),
            files={"attachment_files": [(io.BytesIO(big), "Kế hoạch.pdf")]},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "bộ nhớ lưu trữ của máy chủ đã đầy" in html
        assert left_in(folder) == []
    assert rows(app, Attachment) == 0


def test_an_upload_to_a_read_only_disk_says_so_and_leaves_nothing(app, clients):
    media = Path(app.instance_path) / app.config["PORTAL_MEDIA_DIR"]
    with read_only_disk(media):
        response = upload_image(clients["editor"], samples.jpeg(640, 480))
        assert response.status_code == 422
        assert "Không lưu được tệp vào kho lưu trữ của máy chủ" in response.get_data(as_text=True)
        assert left_in(media) == []
        readiness = app.test_client().get("/readyz")
        assert readiness.status_code == 503
        assert "Read-only file system" in readiness.json["checks"]["storage"]["detail"]
    assert rows(app, MediaImage) == 0
