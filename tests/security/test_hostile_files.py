"""Every bad file is refused whole: one clear line, and the site exactly as before.

One table of hostile files per entry point: `portal import` (JSON) and
`portal import-feed` (RSS/Atom) through the command line, images through the
media library, the article form and the editor's image upload, attachments
through the article form. Each case runs on SQLite and PostgreSQL (the
``app`` fixture) and compares :func:`site_state` — every row, every file of
the instance — before and after. The files are made here, small: a bomb only
has to be larger than the limits this module sets.

Each table has a good file beside the bad ones, handled by the same code, to
show that the comparison does notice a change.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import threading
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from admin.admin_helpers import csrf_of, field_errors, version_of
from media import samples
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from portal.content.attachments import save_attachment
from portal.content.media import save_image
from portal.extensions import db
from portal.models import Article, User
from portal.schema import upgrade_database
from portal.testing import sample_content, signed_in_client

from .state import site_state

KB = 1024


@pytest.fixture
def app_config():
    return {
        "PORTAL_MAX_IMPORT_BYTES": 256 * KB,
        "PORTAL_MAX_FEED_BYTES": 256 * KB,
        "PORTAL_MAX_IMAGE_BYTES": 512 * KB,
        "PORTAL_MAX_ATTACHMENT_BYTES": 512 * KB,
    }


@dataclass
class Site:
    """A small site with something of everything a refused file could touch."""

    category: int
    article: int
    admin: int


@pytest.fixture
def site(app) -> Site:
    with app.test_request_context():
        created = sample_content()
        admin = User(email="quantri@example.org", name="Quản Trị", role="admin")
        admin.password_hash = "-"  # signed in through the session below, never by password
        db.session.add(admin)
        db.session.flush()
        save_image(io.BytesIO(samples.jpeg(800, 600)), "anh.jpg", alt="Ảnh có sẵn")
        save_attachment(io.BytesIO(samples.pdf()), "bao-cao.pdf", created["article"])
        db.session.commit()
        return Site(created["category"].id, created["article"].id, admin.id)


@dataclass
class Canary:
    """A secret file an XXE would read, and a server that notices any fetch."""

    file: Path
    secret: str
    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def canary(tmp_path):
    secret = f"CANARY-{uuid.uuid4().hex}"
    file = tmp_path / "canary.txt"
    file.write_text(secret)
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's interface)
            requests.append(self.path)
            body = f'<!ENTITY leak "{secret}">'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Canary(file, secret, f"http://127.0.0.1:{server.server_address[1]}", requests)
    server.shutdown()
    server.server_close()


def test_the_canary_server_notices_a_fetch(canary):
    with urllib.request.urlopen(f"{canary.url}/probe", timeout=5) as response:
        assert canary.secret.encode() in response.read()
    assert canary.requests == ["/probe"]


# -- the command line --------------------------------------------------------------------------


def state_before_a_command(app) -> dict:
    """The site's state once the schema is current (every command brings it up to date
    first, adding its migrations' version row)."""
    with app.app_context():
        upgrade_database()
    return site_state(app)


def refused_on_the_command_line(result, words: str) -> str:
    """The command failed with one clear line (no traceback); returns that line."""
    output = result.output.strip()
    assert result.exit_code != 0, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output and "\n" not in output, output
    assert output.startswith("Lỗi: ") and output.endswith("Không có gì được nhập."), output
    assert words in output, output
    return output


# -- `portal import` (JSON) --------------------------------------------------------------------


def json_file(*articles: str, extra: str = "") -> bytes:
    """An import file with a good article first, then ``articles`` (JSON text) and ``extra``."""
    good = (
        '{"external_id": "tot-1", "title": "Bài tốt", "category": "thoi-su", '
        '"body_html": "<p>Nội dung.</p>"}'
    )
    return (
        '{"version": 1, "articles": [' + ", ".join([good, *articles]) + "]" + extra + "}"
    ).encode()


def article_with(field_text: str) -> str:
    return '{"external_id": "xau-1", "title": "Bài xấu", ' + field_text + "}"


JSON_CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "Latin-1 bytes": (lambda: json_file().replace("Bài".encode(), "Bài".encode("latin-1")),
                      "không phải văn bản UTF-8 (byte"),
    "UTF-16": (lambda: json_file().decode().encode("utf-16"), "không phải văn bản UTF-8"),
    "not JSON": (lambda: b"<html><body>articles</body></html>", "không phải JSON hợp lệ"),
    "empty": (lambda: b"", "không phải JSON hợp lệ: thiếu một giá trị"),
    "truncated": (lambda: json_file()[:60], "không phải JSON hợp lệ"),
    "deeply nested": (lambda: b'{"version": 1, "articles": ' + b"[" * 100_000, "lồng nhau quá sâu"),
    "one level too deep": (lambda: json_file(article_with('"lead": ' + "[" * 62 + "1" + "]" * 62)),
                           "lồng nhau quá sâu (hơn 64 cấp)"),
    "huge": (lambda: json_file(article_with('"lead": "' + "Đ" * 150_000 + '"')),
             "lớn hơn 256 KB, mức lớn nhất cổng thông tin đọc (thiết lập PORTAL_MAX_IMPORT_BYTES)"),
    "escaped NUL": (lambda: json_file(article_with('"lead": "a\\u0000b"')),
                    "articles[1].lead chứa một ký tự NUL ở vị trí 1"),
    "raw NUL byte": (lambda: json_file(article_with('"lead": "a\x00b"')),
                     "ký tự điều khiển không hợp lệ"),
    "NUL in a key": (lambda: json_file(article_with('"le\\u0000ad": "x"')), "chứa một ký tự NUL"),
    "lone surrogate": (lambda: json_file(article_with('"lead": "\\ud800"')),
                       "chứa một ký tự surrogate đứng lẻ (U+D800)"),
    "surrogate bytes": (lambda: json_file(article_with('"lead": "@"')).replace(b"@", b"\xed\xa0\x80"),
                        "không phải văn bản UTF-8"),
    "HTML nested 5000 deep": (lambda: json_file(article_with('"body_html": "' + "<div>" * 5000 + '"')),
                              "articles[1].body_html chứa HTML lồng nhau sâu hơn 100 cấp"),
    "NaN": (lambda: json_file(article_with('"lead": NaN')), "NaN không phải một số JSON"),
    "a key twice": (lambda: json_file(extra=', "version": 1'), "khóa 'version' xuất hiện hai lần"),
    "a 5000-digit number": (lambda: json_file(article_with('"external_id": ' + "9" * 5000)),
                            "có một số nhiều chữ số hơn mọi giá trị thật"),
}  # fmt: skip


@pytest.mark.parametrize("case", JSON_CASES)
def test_a_hostile_json_file_is_refused_whole(app, site, tmp_path, case):
    make, words = JSON_CASES[case]
    path = tmp_path / "import.json"
    path.write_bytes(make())
    before = state_before_a_command(app)

    result = app.test_cli_runner().invoke(args=["portal", "import", str(path)])

    refused_on_the_command_line(result, words)
    assert site_state(app) == before


def test_the_good_json_file_is_imported(app, site, tmp_path):
    path = tmp_path / "import.json"
    path.write_bytes(json_file())
    before = state_before_a_command(app)

    result = app.test_cli_runner().invoke(args=["portal", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert site_state(app) != before


# -- `portal import-feed` (RSS and Atom) --------------------------------------------------------


def feed(
    item: str = "<title>Tin tốt</title>", *, prolog: str = "", encoding: str = "utf-8"
) -> bytes:
    """An RSS 2.0 feed with a good entry, then one entry made of ``item``."""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}'
        '<rss version="2.0"><channel><title>Bản tin</title><link>https://tin.example.org/</link>'
        "<item><title>Tin đầu</title><guid>https://tin.example.org/1</guid></item>"
        f"<item>{item}<guid>https://tin.example.org/2</guid></item></channel></rss>"
    )
    return text.encode(encoding)


def billion_laughs() -> str:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return "<!DOCTYPE rss [" + "".join(levels) + "]>\n"


FEED_CASES: dict[str, tuple[Callable[[Canary], bytes], str]] = {
    "Latin-1 bytes declared UTF-8": (
        lambda c: feed().replace("Tin tốt".encode(), "Tin tôt".encode("latin-1")),
        "không phải văn bản utf-8 hợp lệ (byte"),
    "no declaration, not UTF-8": (
        lambda c: feed().replace(b' encoding="utf-8"', b"").replace("tốt".encode(), b"t\xf4t"),
        "XML không khai báo bảng mã thì phải là UTF-8"),
    "unknown encoding": (lambda c: feed().replace(b'"utf-8"', b'"x-klingon"'),
                         "khai báo một bảng mã không biết: 'x-klingon'"),
    "an undefined entity": (lambda c: feed("<title>Tin&nbsp;tốt</title>"),
                            "không phải XML đúng cú pháp: thực thể chưa được định nghĩa"),
    "mismatched tags": (lambda c: feed("<title>Tin <b>tốt</title></b>"),
                        "không phải XML đúng cú pháp: thẻ đóng không khớp thẻ mở"),
    "truncated": (lambda c: feed()[:-40], "(bị cắt cụt?)"),
    "empty": (lambda c: b"", "không thấy phần tử nào"),
    "an HTML page": (lambda c: b"<!DOCTYPE html><html><body><p>Tin<br></body></html>",
                     "không phải XML đúng cú pháp"),
    "XML that is no feed": (lambda c: b"<?xml version='1.0'?><note><to>Ban</to></note>",
                            "không phải nguồn tin RSS hay Atom"),
    "deeply nested XML": (lambda c: feed("<title>T</title>" + "<x>" * 200 + "</x>" * 200),
                          "lồng nhau quá sâu (hơn 100 cấp)"),
    "deeply nested HTML": (
        lambda c: feed("<title>T</title><description>" + "&lt;div&gt;" * 3000 + "</description>"),
        "chứa HTML lồng nhau sâu hơn 100 cấp"),
    "huge": (lambda c: feed("<title>T</title><description>" + "Đ" * 150_000 + "</description>"),
             "lớn hơn 256 KB, mức lớn nhất cổng thông tin đọc (thiết lập PORTAL_MAX_FEED_BYTES)"),
    "a NUL byte": (lambda c: feed("<title>Tin\x00tốt</title>"), "chứa một ký tự NUL"),
    "a NUL reference": (lambda c: feed("<title>Tin&#0;tốt</title>"),
                        "tham chiếu đến mã ký tự không hợp lệ"),
    "surrogate bytes": (lambda c: feed().replace("tốt".encode(), b"\xed\xa0\x80"),
                        "không phải văn bản utf-8 hợp lệ"),
    "a surrogate reference": (lambda c: feed("<title>&#xD800;</title>"),
                              "tham chiếu đến mã ký tự không hợp lệ"),
    "XXE reading a file": (
        lambda c: feed("<title>&x;</title>", prolog=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{c.file.as_uri()}">]>\n'),
        "khai báo thực thể 'x' trong DOCTYPE"),
    "XXE fetching an address": (
        lambda c: feed("<title>&x;</title>", prolog=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{c.url}/x">]>\n'),
        "khai báo thực thể 'x'"),
    "a parameter entity from an address": (
        lambda c: feed(prolog=f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{c.url}/p"> %p;]>\n'),
        "khai báo thực thể 'p'"),
    "billion laughs": (lambda c: feed("<title>&lol9;</title>", prolog=billion_laughs()),
                       "khai báo thực thể 'lol0'"),
    "quadratic blowup": (
        lambda c: feed("<title>" + "&a;" * 2000 + "</title>", prolog=f'<!DOCTYPE rss [<!ENTITY a "{"x" * 50_000}">]>\n'),
        "khai báo thực thể 'a'"),
    "an entity only the DTD defines": (
        lambda c: feed("<title>Tin&nbsp;tốt</title>", prolog=f'<!DOCTYPE rss SYSTEM "{c.url}/rss.dtd">\n'),
        "không phải nguồn tin đúng chuẩn (undefined entity"),
}  # fmt: skip


def import_feed_file(app, tmp_path, data: bytes):
    path = tmp_path / "tin.rss"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(
        args=["portal", "import-feed", str(path), "--category", "thoi-su"]
    )


@pytest.mark.parametrize("case", FEED_CASES)
def test_a_hostile_feed_is_refused_whole(app, site, tmp_path, canary, case):
    make, words = FEED_CASES[case]
    data = make(canary)
    before = state_before_a_command(app)

    result = import_feed_file(app, tmp_path, data)

    line = refused_on_the_command_line(result, words)
    assert site_state(app) == before
    assert canary.requests == []  # nothing fetched
    assert canary.secret not in line  # nothing read


def test_the_good_feed_is_imported_and_its_dtd_is_not_fetched(app, site, tmp_path, canary):
    before = state_before_a_command(app)

    result = import_feed_file(
        app, tmp_path, feed(prolog=f'<!DOCTYPE rss SYSTEM "{canary.url}/rss.dtd">\n')
    )

    assert result.exit_code == 0, result.output
    assert "2 mới" in result.output
    assert site_state(app) != before
    assert canary.requests == []


# -- images ------------------------------------------------------------------------------------


def image(image_format: str, size=(320, 240), **options) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", size, (30, 90, 160))
    if image_format == "GIF":
        picture = picture.convert("P")
    picture.save(buffer, image_format, **options)
    return buffer.getvalue()


def jpeg_with_comment(comment: bytes) -> bytes:
    """A JPEG with a comment segment (COM) right after its start marker."""
    data = samples.jpeg(320, 240)
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


def png_with_text(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    return image("PNG", pnginfo=info)


def jar() -> bytes:
    """A Java archive: a zip with a manifest and a class."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: A\n")
        archive.writestr("A.class", b"\xca\xfe\xba\xbe" + b"\x00" * 60)
    return buffer.getvalue()


def gif_that_is_javascript() -> bytes:
    """A GIF that decodes, whose header also starts a JavaScript comment (``GIF89a/*``)
    that a comment block closes: loaded as a script, it runs ``alert(document.domain)``."""
    data = image("GIF", (16, 16))
    screen_end = 13 + (3 << ((data[10] & 0x07) + 1) if data[10] & 0x80 else 0)
    script = b"*/=1;alert(document.domain);//"
    comment = b"\x21\xfe" + bytes([len(script)]) + script + b"\x00"
    return data[:6] + b"/*" + data[8:screen_end] + comment + data[screen_end:]


def jpeg_with_scans(count: int) -> bytes:
    """A progressive JPEG whose last scan is repeated: ``count`` scans more to decode."""
    data = samples.jpeg(320, 240, progressive=True)
    last_scan = data[data.rfind(b"\xff\xda") : -2]
    return data[:-2] + last_scan * count + b"\xff\xd9"


def gif_claiming(width: int, height: int) -> bytes:
    data = image("GIF", (16, 16))
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


IMAGE_CASES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # polyglots
    "a JPEG with an HTML page after it": (lambda: samples.jpeg(320, 240) + samples.HTML_PAYLOAD, "anh.jpg", "mã HTML/JavaScript"),
    "a JPEG with a script after it": (lambda: samples.jpeg(320, 240) + b"\nalert(document.cookie)//", "anh.jpg", "dữ liệu lạ nối sau phần ảnh"),
    "a GIF with HTML after it": (lambda: image("GIF") + b"<html><script>alert(1)</script>", "anh.gif", "mã HTML/JavaScript"),
    "a GIFAR (a GIF and a Java archive)": (lambda: image("GIF") + jar(), "anh.gif", "tệp nén (zip, jar) giấu bên trong"),
    "a GIF that is JavaScript": (gif_that_is_javascript, "anh.gif", "đồng thời là mã JavaScript"),
    "a JPEG with a script in its comment": (lambda: jpeg_with_comment(b"<script>alert(1)</script>"), "anh.jpg", "mã HTML/JavaScript"),
    "a JPEG with a PDF inside": (lambda: jpeg_with_comment(samples.pdf()), "anh.jpg", "đồng thời là một tệp PDF"),
    "a PNG with HTML in a text chunk": (lambda: png_with_text('<svg onload="alert(1)">'), "anh.png", "mã HTML/JavaScript"),
    "a PNG with bytes after its end": (lambda: image("PNG") + b"\x01payload", "anh.png", "dữ liệu lạ nối sau phần ảnh"),
    "a WebP with bytes after its end": (lambda: image("WEBP") + b"payload!", "anh.webp", "dữ liệu lạ nối sau phần ảnh"),
    "an SVG with a script": (lambda: samples.SVG_WITH_SCRIPT, "logo.png", "SVG không được nhận"),
    "an HTML page named .jpg": (lambda: samples.HTML_PAGE, "anh.jpg", "không phải là ảnh"),
    # bombs
    "a PNG claiming 400 million pixels": (lambda: samples.png_claiming(20_000, 20_000), "a.png", "quá nhiều điểm ảnh"),
    "a PNG claiming 49 million pixels": (lambda: samples.png_claiming(7000, 7000), "a.png", "7000 × 7000"),
    "a GIF claiming 65535 × 65535": (lambda: gif_claiming(65535, 65535), "a.gif", "quá nhiều điểm ảnh"),
    "a JPEG of 300 scans": (lambda: jpeg_with_scans(300), "anh.jpg", "lượt quét (tối đa 100)"),
    # broken, huge, empty
    "a truncated JPEG": (samples.truncated_jpeg, "anh.jpg", "cắt cụt"),
    "a truncated PNG": (lambda: image("PNG")[:-30], "anh.png", "cắt cụt"),
    "too many bytes": (lambda: samples.jpeg(320, 240) + b"\x00" * 600 * KB, "anh.jpg", "tối đa 512 KB"),
    "an empty file": (lambda: b"", "anh.jpg", "rỗng"),
    # names that lie
    "a JPEG named .html": (lambda: samples.jpeg(320, 240), "trang.html", "đuôi .html nhưng nội dung là ảnh JPEG"),
    "a GIF named .svg": (lambda: image("GIF"), "logo.svg", "đuôi .svg"),
}  # fmt: skip


def media_library_upload(client, data: bytes, name: str, site: Site) -> tuple[int, list[str]]:
    return _post_form(client, "/admin/media", {"file": (io.BytesIO(data), name),
                                               "alt": "Ảnh thử", "caption": ""}, "file")  # fmt: skip


def article_form_upload(client, data: bytes, name: str, site: Site) -> tuple[int, list[str]]:
    fields = new_article_fields(site)
    fields.update(image_alt="Ảnh thử", image_file=(io.BytesIO(data), name))
    return _post_form(client, "/admin/articles/new", fields, "image_file")


def editor_upload(client, data: bytes, name: str, site: Site) -> tuple[int, list[str]]:
    """TinyMCE's image upload answers JSON (no form to show the message on)."""
    response = client.post(
        "/admin/articles/images",
        data={"file": (io.BytesIO(data), name), "alt": "Ảnh thử"},
        content_type="multipart/form-data",
        headers={"X-CSRFToken": csrf_of(client.get("/admin/articles/new").get_data(as_text=True))},
    )
    body = response.get_json()
    return response.status_code, [body["error"]] if "error" in body else []


def new_article_fields(site: Site) -> dict:
    return {
        "title": "Bài viết mới", "slug": "", "lead": "", "body": "<p>Nội dung.</p>",
        "category_id": str(site.category), "tags": "", "author": "Phóng viên", "source": "",
        "publish_date": "", "publish_time": "", "image_alt": "", "image_caption": "",
        "image_id": "", "intent": "save",
    }  # fmt: skip


def _post_form(client, url: str, fields: dict, field_name: str) -> tuple[int, list[str]]:
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), **fields}
    if 'name="version"' in page:
        data["version"] = version_of(page)
    response = client.post(url, data=data, content_type="multipart/form-data")
    return response.status_code, field_errors(response.get_data(as_text=True), field_name)


IMAGE_UPLOADS = {
    "media library": media_library_upload,
    "article form": article_form_upload,
    "editor": editor_upload,
}
#: The editor's upload goes through the same checks as the forms; these show its answer.
EDITOR_CASES = (
    "a GIFAR (a GIF and a Java archive)",
    "a PNG claiming 400 million pixels",
    "a truncated JPEG",
    "a JPEG named .html",
)
IMAGE_TABLE = [
    pytest.param(entry, case, id=f"{case}-{entry}")
    for case in IMAGE_CASES
    for entry in IMAGE_UPLOADS
    if entry != "editor" or case in EDITOR_CASES
]


def admin_client(app, site: Site):
    return signed_in_client(app, site.admin)


@functools.cache
def made(make: Callable[[], bytes]) -> bytes:
    """Each hostile file is made once for the whole run."""
    return make()


def refused_upload(app, site, upload, data: bytes, name: str) -> list[str]:
    """Post the file; the answer is a refusal with the message on the field, nothing changed."""
    client = admin_client(app, site)
    client.get("/admin/media")  # anything a first visit writes happens before "before"
    before = site_state(app)

    status, errors = upload(client, data, name, site)

    assert status in (400, 422), (status, errors)
    assert len(errors) == 1, errors
    assert site_state(app) == before
    return errors


@pytest.mark.parametrize(("entry", "case"), IMAGE_TABLE)
def test_a_hostile_image_is_refused_whole(app, site, entry, case):
    make, name, words = IMAGE_CASES[case]

    (message,) = refused_upload(app, site, IMAGE_UPLOADS[entry], made(make), name)

    assert words in message, message


@pytest.mark.parametrize("entry", IMAGE_UPLOADS)
def test_the_good_image_is_stored(app, site, entry):
    client = admin_client(app, site)
    before = site_state(app)

    status, errors = IMAGE_UPLOADS[entry](client, samples.jpeg(640, 480), "anh.jpg", site)

    assert (status, errors) in ((302, []), (200, [])), errors
    assert site_state(app) != before


# -- attachments -------------------------------------------------------------------------------


def office(
    kind: str = "word", parts: dict[str, bytes] | None = None, first: tuple[str, bytes] = ()
) -> bytes:
    """A .docx/.xlsx/.pptx (see ``samples.ooxml``) with ``parts`` replaced or added;
    ``first`` is a stored member put before all others."""
    main_part, content_type = samples.OOXML_TYPES[kind]
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>'
        ).encode(),
        main_part: "<document>Nội dung văn bản</document>".encode(),
    }
    members.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1], compress_type=zipfile.ZIP_STORED)
        for name, value in members.items():
            archive.writestr(name, value)
    return buffer.getvalue()


def odt_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", b"<office:document-content>" + b" " * 12 * KB * KB)
    return buffer.getvalue()


def zeros(megabytes: int) -> bytes:
    return b"<w:document>" + b"\x00" * megabytes * KB * KB


def declaring(data: bytes, unpacked: int) -> bytes:
    """The zip with every member's size in the central directory set to ``unpacked``."""
    out = bytearray(data)
    for found in re.finditer(rb"PK\x01\x02", data):
        out[found.start() + 24 : found.start() + 28] = struct.pack("<I", unpacked)
    return bytes(out)


def pdf_with(inside: bytes = b"", after: bytes = b"") -> bytes:
    """The sample PDF with ``inside`` as a comment after its header, ``after`` after its end."""
    data = samples.pdf()
    header_end = data.index(b"\n", data.index(b"\n") + 1) + 1
    return data[:header_end] + inside + data[header_end:] + after


DTD_ENTITIES = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b"<w:document>&b;</w:document>"
)
XXE_TYPES = (
    b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&x;</Types>'
)

ATTACHMENT_CASES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # polyglots
    "a PDF that is an HTML page": (lambda: pdf_with(b"%<html><body><script>alert(1)</script>\n"), "bao-cao.pdf", "mã HTML/JavaScript"),
    "a PDF with a zip inside": (lambda: pdf_with(after=jar() + b"\n%%EOF\n"), "bao-cao.pdf", "tệp nén (zip, jar) giấu bên trong"),
    "a PDF with a zip after its end": (lambda: pdf_with(after=jar()), "bao-cao.pdf", "dữ liệu lạ sau phần kết thúc"),
    "a PDF with bytes after its end": (lambda: pdf_with(after=b"\x01\x02payload"), "bao-cao.pdf", "dữ liệu lạ sau phần kết thúc"),
    "a Word file that is an HTML page": (lambda: office(first=("a.html", samples.HTML_PAGE)), "ke-hoach.docx", "mã HTML/JavaScript"),
    "a Word file that is a PDF": (lambda: office(first=("a.pdf", samples.pdf())), "ke-hoach.docx", "đồng thời là một tệp PDF"),
    "a Word file with bytes after its end": (lambda: office() + b"\x01payload", "ke-hoach.docx", "dữ liệu lạ sau phần kết thúc của tệp nén"),
    "an HTML page named .pdf": (lambda: samples.HTML_PAGE, "bao-cao.pdf", "HTML/XML không được đính kèm"),
    "a program named .pdf": (lambda: samples.EXE, "bao-cao.pdf", "chương trình"),
    "a GIFAR named .pdf": (lambda: image("GIF") + jar(), "bao-cao.pdf", "Đây là ảnh"),
    # bombs, XXE
    "a Word zip bomb": (lambda: office(parts={"word/document.xml": zeros(12)}), "ke-hoach.docx", "bom giải nén"),
    "an Excel zip bomb": (lambda: office("excel", {"xl/workbook.xml": zeros(12)}), "so-lieu.xlsx", "bom giải nén"),
    "an OpenDocument zip bomb": (odt_bomb, "to-trinh.odt", "bom giải nén"),
    "a zip claiming 4 GB unpacked": (lambda: declaring(office(), 0xFFFF0000), "ke-hoach.docx", "quá lớn khi giải nén"),
    "Word XML with entity expansion": (lambda: office(parts={"word/document.xml": DTD_ENTITIES}), "ke-hoach.docx", "khai báo DTD/ENTITY trong word/document.xml"),
    "Office XML with an XXE": (lambda: office(parts={"[Content_Types].xml": XXE_TYPES}), "ke-hoach.docx", "khai báo DTD/ENTITY trong [Content_Types].xml"),
    # broken, huge, empty
    "a truncated PDF": (lambda: samples.pdf()[:150], "bao-cao.pdf", "cắt cụt"),
    "a truncated Word file": (lambda: office()[:-60], "ke-hoach.docx", "cắt cụt"),
    "a truncated Word 97 file": (lambda: samples.ole2("WordDocument", "1Table")[:5000], "cong-van.doc", "cắt cụt"),
    "too many bytes": (lambda: pdf_with(b"%" + b"x" * 600 * KB + b"\n"), "lon.pdf", "tối đa 512 KB"),
    "an empty file": (lambda: b"", "trong.pdf", "rỗng"),
    # names that lie
    "a PDF named .docx": (samples.pdf, "ke-hoach.docx", "đuôi .docx nhưng nội dung là tài liệu PDF"),
    "a Word file named .pdf": (office, "bao-cao.pdf", "đuôi .pdf nhưng nội dung là tài liệu Word (.docx)"),
    "an Excel file named .html": (lambda: office("excel"), "so-lieu.html", "đuôi .html"),
}  # fmt: skip


def attach_through_the_article_form(client, data: bytes, name: str, site: Site):
    url = f"/admin/articles/{site.article}"
    fields = {**new_article_fields(site), "title": "Tiêu đề sửa chưa lưu"}
    fields["attachment_files"] = [(io.BytesIO(data), name)]
    return _post_form(client, url, fields, "attachment_files")


@pytest.mark.parametrize("case", ATTACHMENT_CASES)
def test_a_hostile_attachment_is_refused_whole(app, site, case):
    make, name, words = ATTACHMENT_CASES[case]

    (message,) = refused_upload(app, site, attach_through_the_article_form, made(make), name)

    assert message.startswith(f"{name}: ") and words in message, message


def test_the_good_attachment_is_stored(app, site):
    client = admin_client(app, site)
    before = site_state(app)

    status, errors = attach_through_the_article_form(client, office(), "ke-hoach.docx", site)

    assert (status, errors) == (302, [])
    assert site_state(app) != before
    with app.app_context():
        names = [a.original_name for a in db.session.get(Article, site.article).attachments]
        assert names == ["bao-cao.pdf", "ke-hoach.docx"]
