"""The HTML sitemap ("Sơ đồ trang web"): the category tree and the static pages, nested."""

from __future__ import annotations

from lxml import html as lxml_html


def test_the_site_map_page_lists_categories_and_static_pages_nested(site):
    response = site.get("/so-do-trang")
    assert response.status_code == 200
    page = lxml_html.fromstring(response.data)
    block = page.find_class("site-map")[0]
    navs = block.findall(".//nav")
    # No title on the demo's placement: the headings come right below the page's <h1>.
    assert [nav.get("aria-labelledby") for nav in navs] == [
        nav.find("h2").get("id") for nav in navs
    ]
    assert [nav.find("h2").text_content() for nav in navs] == ["Chuyên mục", "Trang thông tin"]

    def tree(ul):
        return [
            (
                li.find("a").text_content(),
                li.find("a").get("href"),
                tree(li.find("ul")) if li.find("ul") is not None else [],
            )
            for li in ul.findall("li")
        ]

    assert tree(navs[0].find("ul")) == [
        (
            "Trang chủ",
            "/",
            [
                (
                    "Thời sự",
                    "/chuyen-muc/thoi-su",
                    [("Chính trị & Xã hội", "/chuyen-muc/chinh-tri", [])],
                ),
                ("Du lịch", "/chuyen-muc/du-lich", []),
            ],
        )
    ]
    assert tree(navs[1].find("ul")) == [
        ("Giới thiệu", "/gioi-thieu", [("Lịch sử", "/gioi-thieu/lich-su", [])]),
        ("Sơ đồ trang web", "/so-do-trang", []),
    ]
    assert b"Ch\xc3\xadnh tr\xe1\xbb\x8b &amp; X\xc3\xa3 h\xe1\xbb\x99i" in response.data  # escaped


def test_the_site_map_speaks_english_on_english_pages(site_app):
    from portal.testing import render_block

    with site_app.app_context():
        html = render_block(site_app, "site_map", locale="en", path="/en/site-map")
    assert ">Sections</h2>" in html and ">Information pages</h2>" in html and ">Home</a>" in html
