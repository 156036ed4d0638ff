"""Text helpers: Vietnamese slugs, the rich-text allow-list, dates in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from babel import dates as babel_dates
from flask import render_template_string
from hypothesis import given
from hypothesis import strategies as st

from portal.testing import make_app
from portal.text import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    format_date,
    format_datetime,
    plain_text,
    sanitize_html,
    slugify,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# -- slugify -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (
            "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW",
            "bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw",
        ),
        ("Đường Đồng Khởi, đô thị đẹp", "duong-dong-khoi-do-thi-dep"),
        ("ĐẠI HỘI ĐẢNG BỘ TỈNH", "dai-hoi-dang-bo-tinh"),
        ("Ưu đãi ơn huệ: Nguyễn Thị Ánh Tuyết", "uu-dai-on-hue-nguyen-thi-anh-tuyet"),
        ("Hội nghị “Tổng kết” năm 2023!!!", "hoi-nghi-tong-ket-nam-2023"),
        ("  --Xin   chào--  ", "xin-chao"),
        ("Giá lúa tăng 5% (so với 2022) — ổn định?", "gia-lua-tang-5-so-voi-2022-on-dinh"),
        ("Chợ Đồn / Ba Bể & Na Rì", "cho-don-ba-be-na-ri"),
        ("Thứ 2, 27/11/2023", "thu-2-27-11-2023"),
        ("...", ""),
        ("", ""),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_slugify_handles_decomposed_input():
    title = "Bắc Kạn Đà Lạt"
    assert slugify(unicodedata.normalize("NFD", title)) == slugify(title) == "bac-kan-da-lat"


def test_long_titles_are_cut_at_a_word_boundary():
    title = "Tỉnh Bắc Kạn đẩy mạnh chuyển đổi số trong cơ quan nhà nước " * 10
    full = slugify(title, max_length=10_000)
    slug = slugify(title)
    assert len(slug) <= 200
    assert SLUG_RE.match(slug)
    assert full.startswith(slug + "-")  # a whole number of words, no half word


def test_one_very_long_word_is_cut_hard():
    assert slugify("a" * 300) == "a" * 200
    assert slugify("abc defgh", max_length=5) == "abc"


@given(st.text())
def test_slugify_output_is_always_a_slug_or_empty(text):
    slug = slugify(text)
    assert slug == "" or SLUG_RE.match(slug), slug
    assert len(slug) <= 200
    assert slugify(slug) == slug


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậ -/", min_size=1))
def test_vietnamese_letters_always_give_ascii(text):
    slug = slugify(text)
    assert slug.isascii()
    assert slug == "" or SLUG_RE.match(slug)


# -- sanitize_html -------------------------------------------------------------------

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<a href="javascript:alert(1)">bấm</a>',
    '<a href="JaVaScRiPt:alert(1)">bấm</a>',
    '<a href="  javascript:alert(1)">bấm</a>',
    '<a href="java&#x09;script:alert(1)">bấm</a>',
    '<a href="&#106;avascript:alert(1)">bấm</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">bấm</a>',
    '<a href="vbscript:msgbox(1)">bấm</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">bấm</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    '<p style="background:url(javascript:alert(1))">đoạn</p>',
    '<div style="behavior: url(x.htc)">đoạn</div>',
    "<style>@import 'https://evil.example/x.css';</style><p>đoạn</p>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="https://evil.example"><input name="q"><button>gửi</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    '<div onclick="alert(1)" onmouseover="alert(2)">đoạn</div>',
    '<table background="javascript:alert(1)"><tr><td>ô</td></tr></table>',
    '<a href="https://backan.gov.vn" target="_blank" onfocus="alert(1)" autofocus>bấm</a>',
    "<!--<script>alert(1)</script>-->",
    '<details open ontoggle="alert(1)"><summary>x</summary></details>',
    '<video><source onerror="alert(1)"></video>',
    '<body onload="alert(1)">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<p lang="vi" id="x" class="y" data-x="1">đoạn</p>',
]


class Inspector(HTMLParser):
    """Records every tag and attribute of some HTML, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))


def url_scheme(url: str) -> str | None:
    """The scheme of a URL as a browser reads it (control characters and spaces dropped)."""
    cleaned = re.sub(r"[\x00-\x20]", "", html_lib.unescape(url)).lower()
    found = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    return found.group(1) if found else None


def assert_safe(cleaned: str, *, text_may_mention_schemes: bool = False) -> None:
    """No tag, attribute or URL scheme outside the allow-list survives.

    For the fixed corpus, the dangerous words must be gone entirely; random tag
    soup may leave them as harmless escaped text.
    """
    inspector = Inspector()
    inspector.feed(cleaned)
    inspector.close()
    for tag, attrs in inspector.tags:
        assert tag in ALLOWED_TAGS, f"tag <{tag}> survived: {cleaned}"
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"] | {"rel"}
        for name, value in attrs:
            assert name in allowed, f"attribute {name} on <{tag}> survived: {cleaned}"
            assert not name.startswith("on")
            if name in {"href", "src"} and value:
                assert url_scheme(value) in {None, "http", "https", "mailto", "tel"}, cleaned
    if text_may_mention_schemes:
        return
    lowered = cleaned.lower()
    for needle in ("<script", "javascript:", "vbscript:", "data:", "<iframe", "<svg", "style="):
        assert needle not in lowered, f"{needle} survived: {cleaned}"


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitize_html_removes_xss_vectors(vector):
    assert_safe(sanitize_html(vector))


def test_sanitize_html_drops_script_and_style_content():
    cleaned = sanitize_html("<p>trước</p><script>var bí_mật = 1;</script><style>p{}</style>")
    assert cleaned == "<p>trước</p>"


def test_sanitize_html_keeps_the_allowed_markup():
    source = (
        "<h2>Tiêu đề phụ</h2><p>Đoạn <strong>đậm</strong>, <em>nghiêng</em>, <u>gạch</u> và "
        '<a href="https://backan.gov.vn/tin" title="Cổng tỉnh">liên kết</a>.</p>'
        '<figure><img src="https://backan.gov.vn/anh.jpg" alt="Ảnh hội nghị" width="640">'
        "<figcaption>Quang cảnh hội nghị</figcaption></figure>"
        '<ol start="3"><li>một</li><li>hai</li></ol>'
        '<table><tr><th scope="col">Năm</th><td colspan="2">2023</td></tr></table>'
        '<blockquote><p lang="en">quote</p></blockquote>'
        '<p><a href="/bai-viet/1">tương đối</a> <a href="mailto:banbientap@backan.gov.vn">thư</a></p>'
    )
    cleaned = sanitize_html(source)
    for kept in (
        "<h2>Tiêu đề phụ</h2>",
        "<strong>đậm</strong>",
        "<em>nghiêng</em>",
        "<u>gạch</u>",
        'href="https://backan.gov.vn/tin"',
        'title="Cổng tỉnh"',
        'rel="noopener noreferrer"',
        'src="https://backan.gov.vn/anh.jpg"',
        'alt="Ảnh hội nghị"',
        'width="640"',
        "<figcaption>Quang cảnh hội nghị</figcaption>",
        '<ol start="3">',
        '<th scope="col">Năm</th>',
        '<td colspan="2">2023</td>',
        '<p lang="en">quote</p>',
        'href="/bai-viet/1"',
        'href="mailto:banbientap@backan.gov.vn"',
    ):
        assert kept in cleaned, kept
    assert_safe(cleaned)


def test_sanitize_html_of_nothing_is_empty():
    assert sanitize_html("") == ""
    assert sanitize_html(None) == ""


HTML_TOKENS = [
    "<",
    ">",
    "/",
    "=",
    '"',
    "'",
    " ",
    "script",
    "img",
    "a",
    "svg",
    "iframe",
    "p",
    "style",
    "href",
    "src",
    "onerror",
    "onload",
    "javascript:",
    "data:",
    "&#106;",
    "&#x09;",
    "alert(1)",
    "<!--",
    "-->",
    "chữ",
]


@given(st.lists(st.sampled_from(HTML_TOKENS), max_size=40).map("".join))
def test_sanitize_html_output_is_always_safe(soup):
    assert_safe(sanitize_html(soup), text_may_mention_schemes=True)


# -- dates -----------------------------------------------------------------------------


def test_format_date_uses_the_vietnamese_time_zone():
    assert format_date(datetime(2023, 11, 28, 18, 30, tzinfo=UTC)) == "29/11/2023"
    assert format_date(datetime(2023, 11, 28, 16, 59, tzinfo=UTC)) == "28/11/2023"
    assert format_date(datetime(2023, 11, 28, 17, 0, tzinfo=UTC)) == "29/11/2023"
    assert (
        format_date(datetime(2024, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=-5))))
        == "05/01/2024"
    )
    assert format_date(None) == ""


def test_format_datetime():
    assert format_datetime(datetime(2023, 11, 28, 18, 30, tzinfo=UTC)) == "01:30 29/11/2023"
    assert format_datetime(None) == ""


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from(["Asia/Ho_Chi_Minh", "UTC", "America/New_York"]),
)
def test_vietnamese_dates_are_babels_without_babel(moment, tz_name):
    """The numeric Vietnamese patterns are written without Babel: the same text as Babel's."""
    aware = moment.replace(tzinfo=ZoneInfo(tz_name))
    local = aware.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert format_date(aware) == babel_dates.format_datetime(
        local, "dd/MM/y", tzinfo=local.tzinfo, locale="vi"
    )
    assert format_datetime(aware) == babel_dates.format_datetime(
        local, "HH:mm dd/MM/y", tzinfo=local.tzinfo, locale="vi"
    )
    assert format_date(aware, locale="en") == babel_dates.format_datetime(
        local, "d MMMM y", tzinfo=local.tzinfo, locale="en"
    )


def test_vn_date_filters_in_templates():
    app = make_app()
    value = datetime(2023, 11, 28, 18, 30, tzinfo=UTC)
    with app.test_request_context():
        assert render_template_string("{{ d | vn_date }}", d=value) == "29/11/2023"
        assert render_template_string("{{ d | vn_datetime }}", d=value) == "01:30 29/11/2023"


def test_plain_text():
    assert plain_text("<p>Xin&nbsp;chào <b>bạn</b></p>\n<p>đọc</p>") == "Xin chào bạn đọc"
    assert plain_text("") == ""
    assert plain_text("<script>alert(1)</script>Chữ") == "Chữ"
