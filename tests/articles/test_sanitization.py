"""XSS vectors through the body, the image caption, the title and the lead.

The body is rich text: it is cleaned with an allow-list when it is saved, so
what is stored is already harmless. Title, lead and caption are plain text:
they are stored as typed and escaped wherever they are shown. Both are checked
on the reader's article page and on the admin screens, by parsing the HTML
and looking for anything that could run or hide content.
"""

from __future__ import annotations

import io
import json
import re
from html import unescape
from html.parser import HTMLParser

from .conftest import article_fields, load, png_bytes, post_article

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<a href="javascript:alert(1)">liên kết</a>',
    '<a href="JaVaScRiPt:alert(1)">liên kết</a>',
    '<a href="&#106;avascript:alert(1)">liên kết</a>',
    '<a href="java\tscript:alert(1)">liên kết</a>',
    '<a href=" javascript:alert(1)">liên kết</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">liên kết</a>',
    '<a href="vbscript:msgbox(1)">liên kết</a>',
    "<svg onload=alert(1)><circle r=10></circle></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    '<div style="display:none">nội dung ẩn</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff">phủ trang</p>',
    "<p hidden>đoạn bị giấu</p>",
    '<p class="visually-hidden">đoạn bị giấu bằng lớp</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<object data="javascript:alert(1)"></object>',
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>Gửi</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<style>body{display:none}</style>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<table background="javascript:alert(1)"><tr><td>ô</td></tr></table>',
    '<a href="https://baobackan.vn" target="_blank" onclick="steal()">nguồn hợp lệ</a>',
    "{{ 7*7 }} {% raw %}",
]
#: Attribute values that would run something or load a document if followed.
DANGEROUS_URL = re.compile(r"^(javascript|vbscript|data:text|data:image/svg)", re.I)
FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "base", "style", "noscript"}


def own_file(url: str | None) -> bool:
    """A path on this site (``/static/…``), not a protocol-relative ``//host/…`` URL."""
    return bool(url) and url.startswith("/") and not url.startswith("//")


class PageScanner(HTMLParser):
    """Everything suspicious in a page; ``inside_article`` marks the bulletin view's element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.depth_in_article = 0
        self.in_head = False
        # The text of the page's own JSON-LD script while it is read (None outside of one).
        self.json_ld: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth_in_article:
            self.depth_in_article += 1
        elif tag == "article" and "bulletin-view" in (attributes.get("class") or ""):
            self.depth_in_article = 1
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            compact = re.sub(r"[\x00-\x20]", "", unescape(value or ""))
            if DANGEROUS_URL.match(compact):
                self.problems.append(f"<{tag} {name}={value!r}>")
        # The site's own chrome draws its icons as inline SVG (the toolbar); the
        # article's text never has one.
        if tag in FORBIDDEN_TAGS and (tag != "svg" or self.depth_in_article):
            self.problems.append(f"<{tag}>")
        if tag == "head":
            self.in_head = True
        json_ld = attributes.get("type") == "application/ld+json" and "src" not in attributes
        if tag == "script" and json_ld and self.in_head:
            self.json_ld = []  # the page's structured data: checked to be JSON at its end
        elif tag == "script" and not own_file(attributes.get("src")):
            self.problems.append("<script> that is not one of the site's files")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("<meta http-equiv>")
        stylesheet = tag == "link" and "stylesheet" in (attributes.get("rel") or "")
        if stylesheet and not own_file(attributes.get("href")):
            self.problems.append(f"<link href={attributes.get('href')!r}>")
        decorated = {"style", "hidden"} & set(attributes) or (
            "class" in attributes and not attributes["class"].startswith("bulletin-view")
        )
        if self.depth_in_article and decorated:
            self.problems.append(f"<{tag}> with style/hidden/class inside the article")

    def handle_data(self, data):
        if self.json_ld is not None:
            self.json_ld.append(data)

    def handle_endtag(self, tag):
        if self.depth_in_article:
            self.depth_in_article -= 1
        if tag == "head":
            self.in_head = False
        if tag == "script" and self.json_ld is not None:
            try:
                json.loads("".join(self.json_ld))
            except ValueError:
                self.problems.append(
                    "a JSON-LD script whose text is not JSON (it was broken out of)"
                )
            self.json_ld = None


def scan(html: str) -> list[str]:
    scanner = PageScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def test_the_scanner_finds_what_it_looks_for():
    """The checks below mean something: unescaped vectors are caught."""
    for vector in VECTORS[:5] + VECTORS[11:17]:
        page = f'<article class="bulletin-view"><div>{vector}</div></article>'
        assert scan(page), vector
    # The page's own structured data passes; text breaking out of it does not.
    head = '<head><script type="application/ld+json">{}</script></head>'
    assert scan(head.format('{"name": "Bắc Kạn"}')) == []
    assert scan(head.format('{"name": "</script><script>alert(1)</script>"}'))


def publish_with(app, site, clients, **fields) -> int:
    """An article written through the form with these fields, then published by the editor."""
    response = post_article(
        clients["editor"],
        "/admin/articles/new",
        article_fields(site["category"], intent="publish", **fields),
        files={"image_file": (io.BytesIO(png_bytes()), "anh.png")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def reader_page(app, article_id: int) -> str:
    article = load(app, article_id)
    response = app.test_client().get(f"/bai-viet/{article.id}-{article.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


STORED_BODY_NEEDLES = (
    "<script", "onerror", "onload", "onclick", "ontoggle", "onfocus", "javascript:",
    "vbscript:", "style=", "hidden", "class=", "<iframe", "<svg", "<math", "<object",
    "<embed", "<form", "<input", "<base", "<meta", "<link", "<style", "data:text",
    "data:image/svg",
)  # fmt: skip


def test_body_vectors(app, site, clients):
    """Each vector in its own article: the stored body is clean, the reader page is safe."""
    problems = []
    for number, vector in enumerate(VECTORS):
        article_id = publish_with(
            app, site, clients, title=f"Bài số {number}",
            body=f"<p>Trước</p>{vector}<p>Sau</p>", image_alt="Ảnh",
        )  # fmt: skip
        stored = load(app, article_id).body_html
        problems += [f"{number} stored {needle}: {stored}" for needle in STORED_BODY_NEEDLES
                     if needle in stored.lower()]  # fmt: skip
        if not stored.startswith("<p>Trước</p>"):
            problems.append(f"{number}: the text around the vector was lost: {stored}")
        problems += [f"{number} shown: {p}" for p in scan(reader_page(app, article_id))]
    assert problems == []


def test_body_keeps_what_the_editor_produces(app, site, clients):
    body = (
        "<h2>Mục một</h2><p>Chữ <strong>đậm</strong>, <em>nghiêng</em>, "
        '<a href="https://backan.gov.vn/van-ban">liên kết</a>.</p>'
        '<ul><li>một</li></ul><ol start="3"><li>ba</li></ol><blockquote><p>trích</p></blockquote>'
        '<figure><img src="/media/uploads/ab/anh.jpg" alt="Ảnh" width="800" height="600">'
        "<figcaption>Chú thích</figcaption></figure>"
        '<table><thead><tr><th scope="col">Cột</th></tr></thead><tbody><tr><td colspan="2">Ô</td></tr></tbody></table>'
    )
    article_id = publish_with(app, site, clients, body=body, image_alt="Ảnh")
    stored = load(app, article_id).body_html
    for kept in ("<h2>Mục một</h2>", "<strong>đậm</strong>", "<em>nghiêng</em>",
                 'href="https://backan.gov.vn/van-ban"', "<ul><li>một</li></ul>",
                 '<ol start="3">', "<blockquote>", '<img src="/media/uploads/ab/anh.jpg" alt="Ảnh" width="800" height="600">',
                 "<figcaption>Chú thích</figcaption>", '<th scope="col">', '<td colspan="2">'):  # fmt: skip
        assert kept in stored, kept
    assert 'rel="noopener noreferrer"' in stored


def test_plain_text_field_vectors(app, site, clients):
    """Title, lead, alt text and caption are stored as typed and escaped wherever shown."""
    problems = []
    for number, vector in enumerate(VECTORS):
        article_id = publish_with(
            app, site, clients,
            title=f"Tiêu đề {number} {vector}", lead=f"Sapo {vector}",
            image_alt=f"Mô tả {vector}", image_caption=f"Chú thích {vector}",
        )  # fmt: skip
        article = load(app, article_id)
        stored = (article.title, article.lead, article.image_alt, article.image_caption)
        typed = tuple(f"{label} {vector}".strip() for label in
                      (f"Tiêu đề {number}", "Sapo", "Mô tả", "Chú thích"))  # fmt: skip
        if stored != typed:
            problems.append(f"{number}: stored {stored!r}")
        html = reader_page(app, article_id)
        if "Chú thích" not in html or "Sapo" not in html:
            problems.append(f"{number}: the caption or the lead is not shown")
        problems += [f"{number} reader page: {p}" for p in scan(html)]
        for url in ("/admin/articles", f"/admin/articles/{article_id}", "/admin/"):
            found = scan(clients["editor"].get(url).get_data(as_text=True))
            problems += [f"{number} {url}: {p}" for p in found]
    assert problems == []
