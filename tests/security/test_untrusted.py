"""portal.untrusted: the first check of every imported file."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal.testing import make_app
from portal.untrusted import (
    UntrustedInputError,
    check_xml,
    foreign_format,
    html_depth_exceeds,
    is_storable,
    load_json,
    read_file,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe{}", "không phải văn bản UTF-8 (byte 0"),
        (
            b'{"title": "B\xe1\xba\xaf',
            "không phải JSON hợp lệ: chuỗi không được đóng, bắt đầu ở dòng 1",
        ),
        (b"[" * 100_000, "lồng nhau quá sâu"),
        (b"[" * 66 + b"]" * 66, "lồng nhau quá sâu (hơn 64 cấp)"),
        (b'{"a": ["x\\u0000y"]}', "a[0] chứa một ký tự NUL ở vị trí 1"),
        (b'{"a": "\\ud800"}', "a chứa một ký tự surrogate đứng lẻ (U+D800)"),
        (b'{"k\\u0000": 1}', "k\\x00 chứa một ký tự NUL"),
    ],
    ids=["encoding", "truncated", "deep", "just-too-deep", "nul", "surrogate", "nul-in-key"],
)
def test_bad_json_is_refused_with_one_clear_line(raw, expected):
    assert expected in refusal(load_json, raw, what="articles.json")


def refusal(check, raw: bytes, *, what: str) -> str:
    """The message ``check`` refuses ``raw`` with: one line, naming the file first."""
    with pytest.raises(UntrustedInputError) as refused:
        check(raw, what=what)
    message = str(refused.value)
    assert message.startswith(what) and "\n" not in message, message
    return message


def test_good_json_is_read_as_it_is():
    raw = '\ufeff{"tên": ["Bắc Kạn", 1, null, {"x": "Chỉ thị số 30-CT/TW"}]}'.encode()
    assert load_json(raw, what="f") == {"tên": ["Bắc Kạn", 1, None, {"x": "Chỉ thị số 30-CT/TW"}]}


def test_a_surrogate_pair_is_fine_and_a_lone_one_is_not():
    assert is_storable("ảnh 😀")  # a character outside the BMP, as one code point
    assert not is_storable("\udc00")
    assert not is_storable("a\x00b")


# -- files ------------------------------------------------------------------------------------


def test_a_file_is_read_up_to_its_limit_and_no_further(tmp_path):
    path = tmp_path / "tin.json"
    path.write_bytes(b"x" * 2048)

    assert read_file(path, limit=2048) == b"x" * 2048
    with pytest.raises(UntrustedInputError, match=r"lớn hơn 1 KB, .*\(thiết lập PORTAL_X\)"):
        read_file(path, limit=1024, setting="PORTAL_X")
    with pytest.raises(UntrustedInputError, match="Không có tệp này"):
        read_file(tmp_path / "khong-co.json", limit=1024)
    with pytest.raises(UntrustedInputError, match="là một thư mục"):
        read_file(tmp_path, limit=1024)


# -- HTML inside text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "too_deep"),
    [
        ("<div>" * 100 + "x" + "</div>" * 100, False),
        ("<div>" * 101, True),
        ("<blockquote><ul><li>" * 34, True),  # 102 levels, of three kinds
        ("<p>Đoạn không đóng" * 5000, False),  # a parser closes each <p> itself
        ("<ul>" + "<li>mục không đóng" * 5000 + "</ul>", False),  # and each <li>
        ("<table>" + "<tr><td>ô<td>ô" * 3000 + "</table>", False),
        ("<div></div>" * 10_000, False),
        ("<b><i><span>" * 5000, False),  # inline elements cost the sanitizer nothing
        ("Giá 3 < 5 và <không phải thẻ>", False),
    ],
)
def test_html_nesting_is_counted_as_a_parser_would(html, too_deep):
    assert html_depth_exceeds(html) is too_deep


# -- XML ----------------------------------------------------------------------------------------

FEED = '<rss version="2.0"><channel><title>Bản tin Bắc Kạn</title></channel></rss>'


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (FEED.encode(), "utf-8"),
        (b"\xef\xbb\xbf" + FEED.encode(), "utf-8-sig"),
        (('<?xml version="1.0" encoding="utf-16"?>' + FEED).encode("utf-16"), "utf-16"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><rss><t>Caf\xe9</t></rss>', "iso8859-1"),
        (b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
         b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss/>', "utf-8"),
    ],
    ids=["UTF-8", "byte-order mark", "UTF-16", "declared Latin-1", "RSS 0.91 DOCTYPE"],
)  # fmt: skip
def test_good_xml_passes_and_its_encoding_is_named(raw, encoding):
    assert check_xml(raw, what="tin.rss") == encoding


def test_the_server_named_encoding_wins():
    raw = '<?xml version="1.0" encoding="utf-8"?><rss><t>Bắc Kạn</t></rss>'.encode("utf-16-le")
    assert check_xml(raw, what="tin.rss", encoding="utf-16-le") == "utf-16-le"
    with pytest.raises(UntrustedInputError, match="bảng mã máy chủ đã nêu"):
        check_xml("<rss><t>Bắc Kạn</t></rss>".encode(), what="tin.rss", encoding="ascii")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"<rss><channel>", "không thấy phần tử nào ở dòng 1, cột 14; tệp hết trước khi"),
        (b"<rss><b></rss>", "thẻ đóng không khớp thẻ mở ở dòng 1, cột 10"),
        (b"<a>" * 101 + b"</a>" * 101, "lồng nhau quá sâu (hơn 100 cấp)"),
        (b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>', "thực thể 'e'"),
        (b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/">%p;]><r/>', "thực thể 'p'"),
        (b"<r>a\x00b</r>", "chứa một ký tự NUL ở vị trí 4"),
        (b"<r>&#xDFFF;</r>", "tham chiếu đến mã ký tự không hợp lệ"),
    ],
    ids=["truncated", "mismatched", "deep", "XXE", "parameter entity", "NUL", "surrogate"],
)
def test_bad_xml_is_refused_with_one_clear_line(raw, expected):
    assert expected in refusal(check_xml, raw, what="tin.rss")


def test_refusals_are_english_when_the_interface_is():
    """The reasons follow ``PORTAL_DEFAULT_LOCALE``: the English wording is the catalog's."""
    app = make_app(config={"PORTAL_DEFAULT_LOCALE": "en"})
    with app.app_context():
        assert refusal(load_json, b'{"a": 1,\n "a": 2}', what="tin.json") == (
            "tin.json is not valid JSON: the key 'a' appears twice in one object"
        )
        assert refusal(load_json, b'{"a": [1 2]}', what="tin.json") == (
            "tin.json is not valid JSON: Expecting ',' delimiter at line 1, column 10"
        )
        assert refusal(load_json, b'{"a": "x\\u0000"}', what="tin.json") == (
            "tin.json, a holds a NUL character at position 1, which cannot be stored"
        )
        assert refusal(check_xml, b"<rss><channel>", what="tin.rss") == (
            "tin.rss is not well-formed XML: no element found at line 1, column 14; "
            "the file ends before the document does (truncated?)"
        )
        assert refusal(check_xml, b"<r>\xe1</r>", what="tin.rss") == (
            "tin.rss is not valid utf-8 text (byte 3: b'\\xe1'); "
            "XML that declares no encoding must be UTF-8"
        )


# -- polyglots ----------------------------------------------------------------------------------


def test_another_format_is_found_where_its_readers_look():
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("A.class", b"\xca\xfe\xba\xbe")
    image = b"GIF89a" + b"\x00" * 2000

    assert foreign_format(image) == ""
    assert foreign_format(image + b"<SCRIPT src=//x.example>") == "HTML"
    assert foreign_format(image + b"<svg/onload=alert(1)>") == "HTML"
    assert foreign_format(image + b"<svg\x00\xff>") == ""  # binary, no tag a browser would act on
    assert foreign_format(image + zipped.getvalue()) == "ZIP"
    assert foreign_format(zipped.getvalue(), own="ZIP") == ""
    assert foreign_format(b"\xff\xd8\xff\xfe\x00\x10%PDF-1.7" + image) == "PDF"
    assert foreign_format(image * 2 + b"%PDF-1.7") == ""  # past the first kilobyte
