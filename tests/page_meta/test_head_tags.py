"""Every reader page kind says what it is in its head: title, description, canonical URL,
Open Graph, Twitter card and JSON-LD, with absolute URLs on PORTAL_BASE_URL only."""

from __future__ import annotations

import json
import re

import pytest

from portal.testing import count_queries

from .conftest import BASE_URL, HOSTILE_TITLE, Head

#: Page kinds and how to reach them (article URLs come from the fixture).
KINDS = {
    "home": "/",
    "category": "category_url",
    "category page 2": "category_url?trang=2",
    "article": "article_url",
    "static": "/gioi-thieu",
    "search": "/tim-kiem",
    "search results": "/tim-kiem?q=du+l%E1%BB%8Bch",
    "plugin": "/lich-tiep-dan",
}


def url_of(meta_site, kind: str) -> str:
    target = KINDS[kind]
    name, _, query = target.partition("?")
    if not name.startswith("/"):
        name = getattr(meta_site, name)
    return f"{name}?{query}" if query else name


def head_of(client, url: str, status: int = 200, **kwargs) -> Head:
    response = client.get(url, **kwargs)
    assert response.status_code == status, url
    return Head(response.get_data(as_text=True))


def graph_of(head: Head) -> dict[str, dict]:
    """The JSON-LD nodes of the page by @type (one script, one @graph)."""
    assert len(head.json_ld) == 1, head.json_ld
    data = json.loads(head.json_ld[0])
    assert data["@context"] == "https://schema.org"
    return {node["@type"]: node for node in data["@graph"]}


def urls_in(value) -> list[str]:
    """Every string in a JSON document that looks like a URL."""
    if isinstance(value, dict):
        return [url for item in value.values() for url in urls_in(item)]
    if isinstance(value, list):
        return [url for item in value for url in urls_in(item)]
    if isinstance(value, str) and ("://" in value or value.startswith("/")):
        return [value]
    return []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_reader_page_kind_has_full_metadata(meta_site, client, kind):
    head = head_of(client, url_of(meta_site, kind))
    assert head.lang == "vi"
    canonical = head.canonical
    assert canonical is not None and canonical.startswith(BASE_URL + "/")
    description = head.one("description")
    assert 0 < len(description) <= 160
    assert head.one("og:site_name") == meta_site.app.config["PORTAL_SITE_NAME"]
    assert head.one("og:locale") == "vi_VN"
    assert head.one("og:type") == ("article" if kind == "article" else "website")
    assert head.one("og:title")
    assert head.one("og:description") == description
    assert head.one("og:url") == canonical
    assert head.one("twitter:card") in {"summary", "summary_large_image"}
    assert head.one("twitter:title") == head.one("og:title")
    assert head.one("twitter:description") == description

    graph = graph_of(head)
    org = graph["GovernmentOrganization"]
    assert org["name"] == meta_site.app.config["PORTAL_SITE_NAME"]
    assert org["url"] == BASE_URL + "/"
    assert org["logo"]["url"].startswith(BASE_URL + "/")
    if kind == "home":
        assert "BreadcrumbList" not in graph
    else:
        crumbs = graph["BreadcrumbList"]["itemListElement"]
        assert crumbs[0]["item"] == BASE_URL + "/"
        assert crumbs[-1]["item"] == canonical
        assert [c["position"] for c in crumbs] == list(range(1, len(crumbs) + 1))
    assert ("NewsArticle" in graph) == (kind == "article")
    for url in urls_in(graph):
        assert url.startswith(BASE_URL + "/") or url == "https://schema.org", url


def test_titles_are_unique_per_page_number(meta_site, client):
    first = head_of(client, meta_site.category_url)
    second = head_of(client, meta_site.category_url + "?trang=2")
    site = meta_site.app.config["PORTAL_SITE_NAME"]
    assert first.title == f"Thời sự – {site}"
    assert second.title == f"Thời sự – Trang 2 – {site}"
    assert first.canonical == f"{BASE_URL}/chuyen-muc/thoi-su"
    assert second.canonical == f"{BASE_URL}/chuyen-muc/thoi-su?trang=2"
    assert first.one("description") == "Tin thời sự trong tỉnh và trong nước."
    home = head_of(client, "/")
    assert home.title == site
    assert home.one("description") == meta_site.app.config["PORTAL_SITE_DESCRIPTION"]


def test_canonical_url_drops_tracking_and_unknown_parameters(meta_site, client):
    head = head_of(
        client,
        meta_site.category_url + "?utm_source=zalo&trang=3&fbclid=abc&x=1",
    )
    assert head.canonical == f"{BASE_URL}/chuyen-muc/thoi-su?trang=3"
    article = head_of(client, meta_site.article_url + "?utm_medium=social&trang=2")
    assert article.canonical == BASE_URL + meta_site.article_url
    assert "Trang 2" not in article.title  # an article has no page 2


def test_article_page_open_graph_and_news_article(meta_site, client):
    head = head_of(client, meta_site.article_url)
    assert head.title.startswith("Bài viết số 5 về Bắc Kạn – ")
    assert head.one("description") == "Sapo của bài số 5: Bắc Kạn phát triển du lịch."
    image = f"{BASE_URL}/media/uploads/ab/anh-ho-ba-be.jpg"
    assert head.one("og:image") == image
    assert head.one("og:image:width") == "1200"
    assert head.one("og:image:height") == "675"
    assert head.one("og:image:alt") == "Hồ Ba Bể buổi sáng"
    assert head.one("article:published_time") == "2023-11-05T08:30:00+07:00"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", head.one("article:modified_time"))
    assert head.one("article:section") == "Thời sự"
    assert head.meta["article:tag"] == ["Chỉ thị 30", "Du lịch"]
    assert head.one("twitter:card") == "summary_large_image"
    assert head.one("twitter:image") == image

    article = graph_of(head)["NewsArticle"]
    assert article["headline"] == "Bài viết số 5 về Bắc Kạn"
    assert article["mainEntityOfPage"]["@id"] == head.canonical
    assert article["datePublished"] == "2023-11-05T08:30:00+07:00"
    assert article["dateModified"] == head.one("article:modified_time")
    assert article["image"] == [
        {"@type": "ImageObject", "url": image, "width": 1200, "height": 675}
    ]
    assert article["author"] == {"@type": "Person", "name": "Nguyễn Văn A"}
    assert article["publisher"] == {"@id": f"{BASE_URL}/#organization"}
    assert article["articleSection"] == "Thời sự"
    assert article["keywords"] == "Chỉ thị 30, Du lịch"
    crumbs = graph_of(head)["BreadcrumbList"]["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Trang chủ", "Thời sự", "Bài viết số 5 về Bắc Kạn"]
    assert crumbs[1]["item"] == f"{BASE_URL}/chuyen-muc/thoi-su"


def test_article_without_photo_gets_a_summary_card(meta_site, client):
    head = head_of(client, meta_site.hostile_url)
    assert "og:image" not in head.meta
    assert "twitter:image" not in head.meta
    assert head.one("twitter:card") == "summary"
    # No author: the organisation wrote it.
    assert graph_of(head)["NewsArticle"]["author"] == {"@id": f"{BASE_URL}/#organization"}


def test_a_title_cannot_break_out_of_the_json_ld_script(meta_site, client):
    response = client.get(meta_site.hostile_url)
    html = response.get_data(as_text=True)
    assert '<script>alert("x")' not in html
    assert "<script>alert(1)" not in html
    head = Head(html)
    assert len(head.json_ld) == 1  # the script element was not closed early
    article = graph_of(head)["NewsArticle"]
    assert article["headline"] == HOSTILE_TITLE
    assert article["description"] == "Sapo </script><script>alert(1)</script>"
    assert head.title.startswith(HOSTILE_TITLE)
    assert head.one("og:title") == HOSTILE_TITLE


def test_search_results_are_not_indexed_but_followed(meta_site, client):
    results = head_of(client, "/tim-kiem?q=du+l%E1%BB%8Bch&trang=2&utm_source=x")
    assert results.one("robots") == "noindex,follow"
    assert results.canonical == f"{BASE_URL}/tim-kiem?q=du+l%E1%BB%8Bch&trang=2"
    assert "“du lịch”" in results.title and "Trang 2" in results.title
    empty = head_of(client, "/tim-kiem")
    assert "robots" not in empty.meta
    assert empty.canonical == f"{BASE_URL}/tim-kiem"


def test_plugin_page_uses_its_title_and_description(meta_site, client):
    head = head_of(client, "/lich-tiep-dan?utm_campaign=x")
    assert head.canonical == f"{BASE_URL}/lich-tiep-dan"
    assert head.title.startswith("Lịch tiếp công dân – ")
    assert head.one("description") == "Lịch tiếp dân"
    crumbs = graph_of(head)["BreadcrumbList"]["itemListElement"]
    assert crumbs[-1] == {
        "@type": "ListItem",
        "position": 2,
        "name": "Lịch tiếp công dân",
        "item": f"{BASE_URL}/lich-tiep-dan",
    }


def test_404_page_is_noindex_with_the_organisation(client):
    head = head_of(client, "/khong-co-trang-nay", status=404)
    assert head.one("robots") == "noindex"
    assert head.canonical is None
    assert "og:url" not in head.meta
    assert head.title.startswith("Không tìm thấy trang – ")
    assert head.one("description")
    assert list(graph_of(head)) == ["GovernmentOrganization"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "localhost"},
        {"Host": "127.0.0.1:8080", "X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
    ],
)
def test_request_host_never_leaks_into_metadata(meta_site, client, headers):
    for kind in KINDS:
        html = client.get(url_of(meta_site, kind), headers=headers).get_data(as_text=True)
        head_html = html[: html.index("</head>")]
        for url in re.findall(r'(?:content|href)="(https?://[^"]*)"', head_html):
            assert url.startswith(BASE_URL + "/"), (kind, url)
        for url in urls_in(graph_of(Head(html))):
            assert "localhost" not in url and "127.0.0.1" not in url and "evil" not in url


def test_metadata_adds_no_query(meta_site, client):
    """The article's photo, attachments and tags come in one query (as the photo and
    attachments did before): the article page stays at its pinned count."""
    app = meta_site.app
    with count_queries(app) as statements:
        assert client.get(meta_site.article_url).status_code == 200
    tag_queries = [s for s in statements if "tags" in s]
    assert len(tag_queries) == 1, tag_queries
    assert "media_images" in tag_queries[0] and "attachments" in tag_queries[0]
