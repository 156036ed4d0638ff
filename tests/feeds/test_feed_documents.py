"""What the feeds say: valid RSS 2.0 and Atom, the right articles, dates with +07:00,
absolute links on PORTAL_BASE_URL, hostile text kept valid."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import feedparser
import pytest

from feeds.feed_helpers import BASE_URL, HOSTILE_TITLE, OTHER_HOST

FEEDS = {
    "/rss.xml": "rss",
    "/atom.xml": "atom",
    "/chuyen-muc/kinh-te/rss.xml": "rss",
    "/chuyen-muc/kinh-te/atom.xml": "atom",
    "/the/du-lich-cong-dong/rss.xml": "rss",
    "/the/du-lich-cong-dong/atom.xml": "atom",
}
PAGES = {"rss.xml": "/", "chuyen-muc": "/chuyen-muc/kinh-te", "the": "/the/du-lich-cong-dong"}
ATOM = "{http://www.w3.org/2005/Atom}"


def parsed(reader, url, **headers):
    response = reader.get(url, headers=headers)
    assert response.status_code == 200, url
    document = feedparser.parse(response.data)
    assert not document.bozo, f"{url}: {document.get('bozo_exception')}"
    return document, response


@pytest.mark.parametrize("url", sorted(FEEDS))
def test_every_feed_is_valid_with_local_dates_and_absolute_links(reader, url):
    # Asked through another host the site answers to: links still use PORTAL_BASE_URL.
    document, response = parsed(reader, url, Host=OTHER_HOST)
    kind = FEEDS[url]
    assert document.version == ("rss20" if kind == "rss" else "atom10")
    assert document.feed.language == "vi"
    page = PAGES[url.split("/")[1].replace("atom.xml", "rss.xml")]
    assert document.feed.link == BASE_URL + page
    self_links = [link.href for link in document.feed.links if link.rel == "self"]
    assert self_links == [BASE_URL + url]
    assert document.entries, url
    offset = "+0700" if kind == "rss" else "+07:00"
    for entry in document.entries:
        assert entry.link.startswith(BASE_URL + "/bai-viet/")
        assert entry.published.endswith(offset) and entry.published_parsed is not None
        if kind == "atom":
            assert entry.updated.endswith(offset)
        assert entry.id.startswith("tag:tin.backan.example,")
    body = response.get_data(as_text=True)
    assert OTHER_HOST not in body and "localhost" not in body
    built = document.feed.updated if kind == "atom" else document.feed.get("updated")
    assert built and built.endswith(offset)  # lastBuildDate / updated


def test_the_site_feed_lists_public_articles_newest_first(site_app, reader):
    document, _ = parsed(reader, "/rss.xml")
    slugs = [entry.link.rsplit("-", 1)[0] for entry in document.entries]
    titles = [entry.title for entry in document.entries]
    assert titles[0] == "Kinh tế tỉnh tăng trưởng"
    assert titles[2] == "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
    assert len(titles) == 3, slugs
    # The draft and the article scheduled for tomorrow are not there.
    assert "Bản nháp chưa đăng" not in titles and "Bài hẹn giờ ngày mai" not in titles
    first = document.entries[2]
    assert first.published == "Wed, 29 Nov 2023 08:30:00 +0700"
    assert first.author == "Nguyễn Văn A"
    assert [tag.term for tag in first.tags] == ["Thời sự"]
    assert first.summary == "Tóm tắt: Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
    assert "content" not in first  # summary is the default
    ids = site_app.site_ids
    assert (
        first.id
        == f"tag:tin.backan.example,{_created_day(site_app, ids['chi-thi-30'])}:article/{ids['chi-thi-30']}"
    )
    assert first.guidislink is False


def _created_day(app, article_id):
    from portal.extensions import db
    from portal.models import Article

    with app.app_context():
        return db.session.get(Article, article_id).created_at.date().isoformat()


def test_a_category_feed_holds_its_subcategories_and_nothing_else(reader):
    document, _ = parsed(reader, "/chuyen-muc/kinh-te/atom.xml")
    categories = sorted(entry.tags[0].label for entry in document.entries)
    assert categories == ["Kinh tế", "Nông nghiệp"]
    assert document.feed.title == "Kinh tế – Cổng thông tin điện tử tỉnh Bắc Kạn"
    document, _ = parsed(reader, "/chuyen-muc/thoi-su/rss.xml")
    assert [entry.title for entry in document.entries] == [
        "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
    ]
    assert document.feed.description == "Tin thời sự trong tỉnh"


def test_a_tag_feed_holds_the_public_articles_carrying_it(reader):
    document, _ = parsed(reader, "/the/du-lich-cong-dong/rss.xml")
    assert [entry.title[:6] for entry in document.entries] == ["Giá <b", "Bắc Kạ"]
    assert document.feed.title == "Du lịch cộng đồng – Cổng thông tin điện tử tỉnh Bắc Kạn"


def test_markup_emoji_and_control_characters_in_a_title_stay_valid(reader):
    expected = HOSTILE_TITLE.replace("\x01", "").replace("\x0b", "")
    for url in ("/rss.xml", "/atom.xml"):
        raw = reader.get(url).data
        root = ET.fromstring(raw)  # well-formed: a real XML parser reads it
        if url == "/rss.xml":
            titles = [item.findtext("title") for item in root.iter("item")]
        else:
            titles = [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
        assert expected in titles
        assert b"<b>" not in raw and b"&lt;b&gt;l" in raw
        assert b"\x01" not in raw and b"\x0b" not in raw


def test_the_main_image_is_an_enclosure_with_type_and_length(reader):
    rss = ET.fromstring(reader.get("/rss.xml").data)
    enclosures = {
        item.findtext("title")[:6]: item.find("enclosure").attrib
        for item in rss.iter("item")
        if item.find("enclosure") is not None
    }
    assert enclosures["Bắc Kạ"] == {
        "url": BASE_URL + "/media/ruong-bac-thang.jpg",
        "type": "image/jpeg",
        "length": "183456",
    }
    assert enclosures["Giá <b"]["type"] == "image/png"
    assert enclosures["Giá <b"]["url"] == BASE_URL + "/media/anh/cau-treo.png"
    media = {
        element.get("url"): element.attrib
        for element in rss.iter("{http://search.yahoo.com/mrss/}content")
    }
    main = media[BASE_URL + "/media/ruong-bac-thang.jpg"]
    assert main["width"] == "1200" and main["fileSize"] == "183456" and main["medium"] == "image"
    atom = feedparser.parse(reader.get("/atom.xml").data)
    links = [link for entry in atom.entries for link in entry.links if link.rel == "enclosure"]
    assert {
        "href": BASE_URL + "/media/ruong-bac-thang.jpg",
        "type": "image/jpeg",
        "length": "183456",
        "rel": "enclosure",
    } in links


@pytest.mark.parametrize(
    "url",
    [
        "/chuyen-muc/khong-co/rss.xml",
        "/chuyen-muc/khong-co/atom.xml",
        "/chuyen-muc/Thời-sự/rss.xml",
        "/chuyen-muc/" + "a" * 300 + "/rss.xml",
        "/the/khong-co/rss.xml",
        "/the/khong-co/atom.xml",
    ],
)
def test_an_unknown_slug_is_a_404(reader, url):
    assert reader.get(url).status_code == 404


def test_the_xml_says_what_it_is(reader):
    raw = reader.get("/rss.xml").get_data(as_text=True)
    assert raw.startswith("<?xml version='1.0' encoding='utf-8'?>")
    assert re.search(r'<atom:link href="https://tin\.backan\.example/rss\.xml" rel="self"', raw)


@pytest.mark.parametrize("url", ["/chuyen-muc/van-hoa/rss.xml", "/chuyen-muc/van-hoa/atom.xml"])
def test_a_feed_without_articles_is_valid_and_empty(reader, url):
    document, response = parsed(reader, url)
    assert document.entries == []
    assert document.feed.title == "Văn hóa – Cổng thông tin điện tử tỉnh Bắc Kạn"
    assert "Last-Modified" not in response.headers and response.headers["ETag"]
