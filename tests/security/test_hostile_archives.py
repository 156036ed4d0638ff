"""Crafted site archives: `portal import-site` refuses each one whole, in one line, changing nothing.

Every case starts from one small valid export (tests/content_io/site_builder.py,
made once for the module) and changes one thing the way an attacker, or a
broken tool, would: markup in texts, file names that leave their folder, files
that are not what they say, zip slip and zip bombs, JSON a database cannot
store, rows that break the editor's rules. Each case runs the real command
(``app.test_cli_runner()``) on SQLite and on PostgreSQL (the ``app`` fixture)
and checks: exit status 1, one line of output (``Lỗi: ...``) naming the
problem, no traceback, and every row and instance file exactly as before
(:func:`tests.security.state.site_state`).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from content_io.site_builder import SMALL_SITE_CONFIG, build_small_site
from PIL import Image

from portal.extensions import db
from portal.testing import make_app

from .state import site_state

MB = 1024 * 1024
#: Small limits, so that the bombs of this table stay small (and the table quick).
LIMITS = {
    **SMALL_SITE_CONFIG,
    "PORTAL_IMPORT_MAX_MEMBERS": 40,
    "PORTAL_IMPORT_MAX_UNPACKED_BYTES": 3 * MB,
    "PORTAL_IMPORT_MAX_CONTENT_BYTES": 1 * MB,
}
SCRIPT = "<script>alert(document.cookie)</script>"


@pytest.fixture
def app_config():
    return LIMITS


@pytest.fixture
def site(app):
    """``app`` with its database as the command line leaves it (migrated), before any import."""
    result = app.test_cli_runner().invoke(args=["portal", "init-db"])
    assert result.exit_code == 0, result.output
    return app


@dataclass
class Archive:
    """A site export taken apart: content.json as data, its files by path, how to zip them."""

    document: dict[str, Any]
    files: dict[str, bytes]
    #: Members added as they are (not listed in content.json).
    extra: list[tuple[str, bytes]] = field(default_factory=list)
    #: content.json as raw bytes, instead of the document.
    content: bytes | None = None
    #: Every member stored rather than deflated.
    stored: bool = False
    #: A change to the finished zip's bytes.
    patch: Callable[[bytes], bytes] | None = None

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.document["tables"][table]["rows"]

    def row(self, table: str, **match: Any) -> dict[str, Any]:
        return next(r for r in self.rows(table) if all(r[k] == v for k, v in match.items()))

    def put(self, path: str, data: bytes) -> None:
        """Add or replace a file, listed in content.json as a careful attacker would."""
        self.files[path] = data
        entries = [e for e in self.document["files"] if e["path"] != path]
        digest = hashlib.sha256(data).hexdigest()
        self.document["files"] = [*entries, {"path": path, "size": len(data), "sha256": digest}]

    @property
    def image(self) -> dict[str, Any]:
        return self.rows("media_images")[0]

    @property
    def attachment(self) -> dict[str, Any]:
        return self.rows("attachments")[0]

    def write(self, target: Path) -> Path:
        content = self.content
        if content is None:
            content = json.dumps(self.document).encode()
        compression = zipfile.ZIP_STORED if self.stored else zipfile.ZIP_DEFLATED
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
            with zipfile.ZipFile(target, "w", compression) as archive:
                archive.writestr("content.json", content)
                for path, data in self.files.items():
                    archive.writestr(f"files/{path}", data)
                for name, data in self.extra:
                    archive.writestr(name, data)
        if self.patch is not None:
            target.write_bytes(self.patch(target.read_bytes()))
        return target


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> Archive:
    """The small site, exported once (on SQLite) and taken apart."""
    folder = tmp_path_factory.mktemp("valid-export")
    source = make_app(config=SMALL_SITE_CONFIG, instance_path=str(folder / "instance"))
    with source.app_context():
        build_small_site()
    result = source.test_cli_runner().invoke(args=["portal", "export", str(folder / "site.zip")])
    assert result.exit_code == 0, result.output
    with source.app_context():
        db.session.remove()
        db.engine.dispose()
    with zipfile.ZipFile(folder / "site.zip") as archive:
        document = json.loads(archive.read("content.json"))
        files = {e["path"]: archive.read(f"files/{e['path']}") for e in document["files"]}
    return Archive(document, files)


# -- bytes for the cases --------------------------------------------------------------------------


def jpeg(size=(64, 48), color=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def png_with_transparency(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (30, 120, 200, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def declare_size(member: str, size: int) -> Callable[[bytes], bytes]:
    """A patch making the zip declare ``size`` unpacked bytes for ``member`` (both headers)."""
    name = member.encode()

    def patch(data: bytes) -> bytes:
        data = bytearray(data)
        for signature, size_at, name_length_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                                            (b"PK\x01\x02", 24, 28, 46)):  # fmt: skip
            start = 0
            while (start := data.find(signature, start)) != -1:
                (length,) = struct.unpack_from("<H", data, start + name_length_at)
                if data[start + name_at : start + name_at + length] == name:
                    struct.pack_into("<I", data, start + size_at, size)
                start += 4
        return bytes(data)

    return patch


def corrupt(member: str) -> Callable[[bytes], bytes]:
    """A patch that garbles the packed bytes of ``member`` (its CRC no longer matters)."""
    name = member.encode()

    def patch(data: bytes) -> bytes:
        start = data.find(b"PK\x03\x04")  # the first local header
        while data[start + 30 : start + 30 + len(name)] != name:
            start = data.find(b"PK\x03\x04", start + 4)
        (extra,) = struct.unpack_from("<H", data, start + 28)
        body = start + 30 + len(name) + extra
        return data[:body] + b"\xff" * 8 + data[body + 8 :]

    return patch


def listed_size(archive: Archive, path: str, size: int) -> None:
    next(e for e in archive.document["files"] if e["path"] == path)["size"] = size


def raw_content(archive: Archive, marker: str, replacement: bytes) -> None:
    """content.json with the JSON string ``"<marker>"`` replaced by raw bytes."""
    text = json.dumps(archive.document).encode()
    quoted = json.dumps(marker).encode()
    assert quoted in text
    archive.content = text.replace(quoted, replacement)


def set_title(archive: Archive, title: str) -> None:
    archive.row("articles", title="Khánh thành cầu mới")["title"] = title


def image_path(archive: Archive) -> str:
    return f"media/{archive.image['stored_name']}"


def attachment_path(archive: Archive) -> str:
    return f"attachments/{archive.attachment['stored_name']}"


# -- the cases ---------------------------------------------------------------------------------

Change = Callable[[Archive], None]


def body(html: str) -> Change:
    def change(archive: Archive) -> None:
        archive.row("articles", title="Khánh thành cầu mới")["body_html"] += html

    return change


def edit(table: str, match: dict[str, Any], **values: Any) -> Change:
    def change(archive: Archive) -> None:
        archive.row(table, **match).update(values)

    return change


def revision_body(archive: Archive) -> None:
    archive.rows("article_revisions")[0]["snapshot"]["body_html"] += SCRIPT


def draft_settings(archive: Archive) -> None:
    item = next(
        i for i in archive.rows("page_drafts")[0]["document"]["placements"] if i["id"] is None
    )
    item["settings"]["html"] = f"<p>Nháp</p>{SCRIPT}"


def revision_settings(archive: Archive) -> None:
    revision = archive.rows("page_revisions")[-1]
    item = next(i for i in revision["document"]["placements"] if i["block_name"] == "rich_text")
    item["settings"]["html"] += '<a href="javascript:alert(1)">x</a>'


def image_name(name: str) -> Change:
    """The image's row names another file (its file stays where the export put it)."""
    return lambda archive: archive.image.update(stored_name=name)


def variant_name(archive: Archive) -> None:
    archive.image["variants"] = {"32": "../canary"}


def attachment_name(name: str) -> Change:
    return lambda archive: archive.attachment.update(stored_name=name)


def media_file(path: str, data: bytes) -> Change:
    return lambda archive: archive.put(path, data)


def image_bytes(data: Callable[[Archive], bytes]) -> Change:
    return lambda archive: archive.put(image_path(archive), data(archive))


def attachment_bytes(data: bytes) -> Change:
    def change(archive: Archive) -> None:
        archive.put(attachment_path(archive), data)
        archive.attachment["size"] = len(data)

    return change


def pdf_named_doc(archive: Archive) -> None:
    old = attachment_path(archive)
    archive.attachment["stored_name"] = archive.attachment["stored_name"].replace(".pdf", ".doc")
    archive.document["files"] = [e for e in archive.document["files"] if e["path"] != old]
    archive.put(attachment_path(archive), archive.files.pop(old))
    archive.attachment["mime_type"] = "application/msword"
    archive.attachment["original_name"] = "Quyết định.doc"


def extra_member(name: str, data: bytes = b"import os") -> Change:
    return lambda archive: archive.extra.append((name, data))


def zip_bomb(archive: Archive) -> None:
    # 2.5 MB of zeros packs into a few KB: far over the ratio of 100 (and under the total limit).
    name = image_path(archive)
    archive.put(name, b"\0" * (5 * MB // 2))


def too_many_members(archive: Archive) -> None:
    archive.extra += [(f"files/media/uploads/ab/{n:024x}.jpg", b"") for n in range(40)]


def too_large_unpacked(archive: Archive) -> None:
    archive.stored = True  # random bytes do not pack anyway: no ratio to catch
    archive.put(attachment_path(archive), os.urandom(7 * MB // 2))


def too_large_content(archive: Archive) -> None:
    archive.stored = True
    archive.document["site_name"] = "x" * (MB + 1)


def declared_size_lies(archive: Archive) -> None:
    path = attachment_path(archive)
    listed_size(archive, path, 10)
    archive.patch = declare_size(f"files/{path}", 10)


def deep_json(archive: Archive) -> None:
    archive.row("placements", block_name="rich_text")["settings"]["title"] = "DEEP"
    raw_content(archive, "DEEP", b"[" * 50_000 + b"]" * 50_000)


def not_utf8(archive: Archive) -> None:
    set_title(archive, "MARK")
    raw_content(archive, "MARK", b'"Kh\xe1nh th\xe0nh"')


def duplicate_id(archive: Archive) -> None:
    rows = archive.rows("articles")
    rows.append({**copy.deepcopy(rows[0]), "external_id": None, "slug": "ban-sao"})


def duplicate_slug(archive: Archive) -> None:
    archive.row("categories", slug="kinh-te")["slug"] = "thoi-su"


def category_loop(archive: Archive) -> None:
    first, second = archive.rows("categories")[:2]
    first["parent_id"] = second["id"]
    second["parent_id"] = first["id"]


def wrong_image_size(archive: Archive) -> None:
    archive.image.update(width=640, height=480, variants={})
    archive.document["files"] = [e for e in archive.document["files"] if "-32w" not in e["path"]]
    archive.files = {p: d for p, d in archive.files.items() if "-32w" not in p}


def unnamed_file(archive: Archive) -> None:
    archive.put("media/uploads/ab/abababababababababababab.jpg", jpeg())


CASES = {
    # Markup the editor would never keep.
    "script-in-body": (body(SCRIPT), "articles id 2: body_html chứa mã HTML mà trình soạn thảo bỏ đi khi lưu"),
    "javascript-link": (body('<a href="javascript:alert(1)">x</a>'), "body_html chứa mã HTML"),
    "event-handler": (body('<img src="x" onerror="alert(1)">'), "body_html chứa mã HTML"),
    "script-in-revision": (revision_body, "snapshot.body_html chứa mã HTML mà trình soạn thảo bỏ đi"),
    "script-in-block-settings": (
        edit("placements", {"block_name": "rich_text"}, settings={"title": "", "html": SCRIPT}),
        "settings của khối 'rich_text' khác với cách biểu mẫu thiết lập của khối lưu (trường html",
    ),
    "javascript-in-page-revision": (
        revision_settings,
        "(trường html: màn hình sửa trang sẽ đổi giá trị này) — một trạng thái đã xuất bản trước đây",
    ),
    "script-in-page-draft": (
        draft_settings,
        "page_drafts page_id 1: document.placements[2].settings của khối 'rich_text' khác với cách",
    ),
    # File names that leave their folder, or that the portal never gives.
    "image-dotdot": (image_name("../secret_key"), "stored_name '../secret_key' không phải tên"),
    "image-absolute": (image_name("/etc/passwd"), "stored_name '/etc/passwd' không phải tên"),
    "image-variant-dotdot": (variant_name, "variants: '32' → '../canary' không phải tên bản thu nhỏ"),
    "attachment-dotdot": (attachment_name("../secret_key"), "stored_name '../secret_key'"),
    "attachment-absolute": (attachment_name("/etc/passwd"), "stored_name '/etc/passwd'"),
    "attachment-download-name": (
        edit("attachments", {}, original_name="../../cron.d/x.pdf"),
        "original_name '../../cron.d/x.pdf' không phải tên tệp mà cổng thông tin giữ nguyên",
    ),
    "media-evil-js": (media_file("media/evil.js", b"alert(1)"), "files/media/evil.js: không phải tên"),
    "media-svg": (
        media_file("media/uploads/ab/abababababababababababab.svg", b"<svg onload=alert(1)>"),
        ".svg: không phải tên mà cổng thông tin đặt",
    ),
    "media-html": (media_file("media/index.html", b"<script>"), "index.html: không phải tên"),
    "media-unnamed": (unnamed_file, "không có dòng ảnh (media image) nào của tệp mang tên này"),
    # Files that are not what their names say.
    "polyglot-image": (
        image_bytes(lambda a: jpeg() + b"<html><script>alert(1)</script></html>"),
        "chứa nhiều thứ hơn một ảnh JPEG",
    ),
    "not-an-image": (image_bytes(lambda a: b"<script>alert(1)</script>\xff\xd9"), "không phải ảnh JPEG"),
    "png-as-jpg": (image_bytes(lambda a: png_with_transparency()), "không phải ảnh JPEG"),
    "image-size-lie": (wrong_image_size, "có kích thước 64 × 48 điểm ảnh, không như media_images id 1 ghi"),
    "html-as-pdf": (
        attachment_bytes(b"<html><script>alert(1)</script></html>"),
        "không phải tài liệu mà cổng thông tin chấp nhận",
    ),
    "pdf-as-doc": (pdf_named_doc, "là tài liệu pdf, không đúng như tên tệp cho biết"),
    # The archive itself.
    "zip-slip-member": (extra_member("../../evil.py"), "thành phần mang tên không an toàn hoặc không mong đợi: '../../evil.py'"),
    "zip-slip-absolute": (extra_member("/etc/cron.d/x"), "không an toàn hoặc không mong đợi: '/etc/cron.d/x'"),
    "zip-slip-in-files": (extra_member("files/media/../../secret_key"), "tên không an toàn hoặc không mong đợi"),
    "zip-slip-listed": (
        lambda a: a.document["files"][0].update(path="media/../../secret_key"),
        "bản xuất liệt kê một tên tệp không an toàn hoặc sai dạng: 'media/../../secret_key'",
    ),
    "unlisted-member": (extra_member("files/media/uploads/ab/x.jpg", jpeg()), "tệp mà bản xuất không liệt kê"),
    "duplicate-member": (lambda a: a.extra.append(("content.json", b"{}")), "hai thành phần cùng tên 'content.json'"),
    "zip-bomb": (zip_bomb, "lần khi nén; chỉ đọc tối đa gấp 100 lần"),
    "too-many-members": (too_many_members, "chỉ đọc tối đa 40 (PORTAL_IMPORT_MAX_MEMBERS)"),
    "too-large-unpacked": (too_large_unpacked, "(PORTAL_IMPORT_MAX_UNPACKED_BYTES)"),
    "too-large-content": (too_large_content, "(PORTAL_IMPORT_MAX_CONTENT_BYTES)"),
    "declared-size-lies": (declared_size_lies, "không giải nén được"),
    "garbled-member": (
        lambda a: setattr(a, "patch", corrupt(f"files/{attachment_path(a)}")),
        "không giải nén được (Error -3 while decompressing data",
    ),
    "not-a-zip": (lambda a: setattr(a, "patch", lambda data: b"PK\x03\x04" + data[:100]), "không phải tệp .zip"),
    # content.json that no database could store the same way.
    "deep-json": (deep_json, "content.json lồng nhau quá sâu"),
    "lone-surrogate": (lambda a: set_title(a, "Khánh \ud800"), "chứa một ký tự surrogate đứng lẻ (U+D800)"),
    "nul-byte": (lambda a: set_title(a, "Khánh\x00"), "chứa một ký tự NUL"),
    "not-utf8": (not_utf8, "content.json không phải văn bản UTF-8"),
    "not-json": (lambda a: setattr(a, "content", b'{"format": '), "content.json không phải JSON hợp lệ"),
    # Rows that break the rules of the editor and the importers.
    "duplicate-id": (duplicate_id, "articles: id 1 xuất hiện hai lần"),
    "duplicate-slug": (duplicate_slug, "categories: slug \"thoi-su\" xuất hiện hai lần"),
    "missing-reference": (
        edit("articles", {"title": "Khánh thành cầu mới"}, category_id=999),
        "category_id 999 không phải một dòng của categories trong tệp",
    ),
    "missing-person": (
        edit("articles", {"title": "Khánh thành cầu mới"}, created_by_id=999),
        "created_by_id 999 không phải một người trong danh sách people của tệp",
    ),
    "category-loop": (category_loop, "chuỗi parent_id của dòng này tạo thành vòng lặp"),
    "reserved-page-path": (edit("pages", {"path": "/"}, path="/admin/x"), "'/admin/x' là đường dẫn mà chính cổng thông tin dùng"),
    "bad-page-path": (edit("pages", {"path": "/"}, path="/../etc"), "path '/../etc' không phải đường dẫn trang"),
    "bad-page-kind": (edit("pages", {"path": "/"}, kind="evil"), "kind 'evil' không phải một trong các giá trị"),
    "bad-status": (edit("articles", {"title": "Khánh thành cầu mới"}, status="hacked"), "status 'hacked'"),
    "bad-slug": (edit("categories", {"slug": "kinh-te"}, slug="Kinh Tế"), "'Kinh Tế' không phải slug hợp lệ"),
    "too-long": (lambda a: set_title(a, "x" * 501), "title quá dài: 501 ký tự, tối đa 500"),
    "out-of-range": (edit("articles", {"title": "Khánh thành cầu mới"}, view_count=2**40), "view_count nằm ngoài khoảng cho phép"),
    "no-utc-offset": (
        edit("articles", {"title": "Khánh thành cầu mới"}, created_at="2023-11-29T08:30:00"),
        "created_at không ghi độ lệch so với UTC",
    ),
    "invalid-block-settings": (
        edit("placements", {"block_name": "article_list"}, settings={"count": 100000}),
        "settings của khối 'article_list' không hợp lệ theo biểu mẫu thiết lập của khối (trường count 100000)",
    ),
    "unknown-category-in-settings": (
        edit("placements", {"block_name": "article_list"}, settings={"category": "khong-co"}),
        "không hợp lệ theo biểu mẫu thiết lập của khối (trường category 'khong-co')",
    ),
    "unknown-block": (edit("placements", {"block_name": "rich_text"}, block_name="evil_block"), "khối 'evil_block' chưa được cài ở đây"),
    "unknown-layout": (edit("pages", {"path": "/"}, layout="evil_layout"), "layout 'evil_layout' không phải bố cục được cài ở đây"),
    "wrong-format": (lambda a: a.document.update(format="other"), "không phải bản xuất site của blockportal"),
    "wrong-version": (lambda a: a.document.update(version=2), "định dạng xuất phiên bản 2"),
}  # fmt: skip


def run_import(app, archive: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["portal", "import-site", *extra, str(archive)])


def output_lines(result) -> list[str]:
    """What the command printed, the progress bar's label aside."""
    return [line for line in result.output.splitlines() if line.strip() not in {"", "Đang nhập"}]


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_archive_is_refused_whole(site, valid, tmp_path, case):
    change, expected = CASES[case]
    archive = copy.deepcopy(valid)
    change(archive)
    path = archive.write(tmp_path / f"{case}.zip")
    before = site_state(site)

    result = run_import(site, path)

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # refused, not crashed
    lines = output_lines(result)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Lỗi: ") and lines[0].endswith("Không có gì được nhập."), lines[0]
    assert expected in lines[0]
    assert site_state(site) == before


def test_the_valid_archive_of_the_table_imports(site, valid, tmp_path):
    """The control case: the archive every case starts from is accepted as it is."""
    before = site_state(site)

    result = run_import(site, copy.deepcopy(valid).write(tmp_path / "valid.zip"))

    assert result.exit_code == 0, result.output
    assert output_lines(result)[-1].startswith("đã thêm 2 categories, 1 tags, 1 media_images")
    after = site_state(site)
    assert len(after["rows"]["articles"]) == 2 and after["files"] != before["files"]


@pytest.mark.parametrize("case", ["script-in-block-settings", "zip-bomb", "polyglot-image"])
def test_a_hostile_archive_is_refused_whole_when_merging(site, valid, tmp_path, case):
    """Merging into a site that has the same content: refused all the same, nothing changed."""
    assert run_import(site, copy.deepcopy(valid).write(tmp_path / "valid.zip")).exit_code == 0
    archive = copy.deepcopy(valid)
    CASES[case][0](archive)
    path = archive.write(tmp_path / f"{case}.zip")
    before = site_state(site)

    result = run_import(site, path, "--merge")

    assert result.exit_code == 1, result.output
    assert CASES[case][1] in output_lines(result)[0]
    assert site_state(site) == before


def test_the_reason_is_english_when_the_interface_is_english(valid, tmp_path):
    """The checks' reasons follow PORTAL_DEFAULT_LOCALE, in the same words as before."""
    app = make_app(
        config={**LIMITS, "PORTAL_DEFAULT_LOCALE": "en"}, instance_path=str(tmp_path / "en")
    )
    assert app.test_cli_runner().invoke(args=["portal", "init-db"]).exit_code == 0
    expected = {
        "script-in-body": "content.json, articles id 2: body_html holds markup the editor removes",
        "duplicate-id": "content.json, articles: id 1 appears twice (rows 1 and 3)",
        "javascript-in-page-revision": (
            "(field html: the page editor would change the value) — an earlier published state"
        ),
        "image-size-lie": "is 64 × 48 pixels, not what media_images id 1 says",
    }
    for case, reason in expected.items():
        archive = copy.deepcopy(valid)
        CASES[case][0](archive)
        result = run_import(app, archive.write(tmp_path / f"{case}.zip"))
        assert result.exit_code == 1, result.output
        lines = [line for line in output_lines(result) if line.strip() != "Importing"]
        assert lines[0].startswith("Error: ") and reason in lines[0], result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
