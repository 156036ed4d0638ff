"""portal.untrusted: the first check of every imported file."""

from __future__ import annotations

import io
import zipfile

import pytest

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
        (b"\xff\xfe{}", "is not UTF-8 text (byte 0"),
        (b'{"title": "B\xe1\xba\xaf', "is not valid JSON: Unterminated string"),
        (b"[" * 100_000, "nested too deeply"),
        (b"[" * 66 + b"]" * 66, "nested too deeply"),
        (b'{"a": ["x\\u0000y"]}', "a[0] holds a NUL character at position 1"),
        (b'{"a": "\\ud800"}', "a holds a lone surrogate (U+D800)"),
        (b'{"k\\u0000": 1}', "k\\x00 holds a NUL character"),
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
    with pytest.raises(UntrustedInputError, match=r"is larger than 1 KB, .*\(setting PORTAL_X\)"):
        read_file(path, limit=1024, setting="PORTAL_X")
    with pytest.raises(UntrustedInputError, match="No such file"):
        read_file(tmp_path / "khong-co.json", limit=1024)
    with pytest.raises(UntrustedInputError, match="is a folder"):
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
    with pytest.raises(UntrustedInputError, match="the encoding the server named"):
        check_xml("<rss><t>Bắc Kạn</t></rss>".encode(), what="tin.rss", encoding="ascii")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"<rss><channel>", "no element found at line 1, column 14; the file ends before"),
        (b"<rss><b></rss>", "mismatched tag at line 1, column 10"),
        (b"<a>" * 101 + b"</a>" * 101, "nested too deeply (more than 100 levels)"),
        (b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>', "the entity 'e'"),
        (b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/">%p;]><r/>', "the entity 'p'"),
        (b"<r>a\x00b</r>", "holds a NUL character at position 4"),
        (b"<r>&#xDFFF;</r>", "reference to invalid character number"),
    ],
    ids=["truncated", "mismatched", "deep", "XXE", "parameter entity", "NUL", "surrogate"],
)
def test_bad_xml_is_refused_with_one_clear_line(raw, expected):
    assert expected in refusal(check_xml, raw, what="tin.rss")


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
