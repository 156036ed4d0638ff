"""The pure rules of portal.page_meta, and its configuration keys."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from portal.config import build_config
from portal.extensions import db
from portal.models import Page
from portal.page_meta import (
    full_title,
    json_ld_script,
    page_meta,
    page_number,
    trim_description,
)
from portal.testing import make_app

from .conftest import BASE_URL, Head


def test_descriptions_are_cut_at_a_word():
    assert trim_description("  Ngắn   gọn  ") == "Ngắn gọn"
    long_text = "Bắc Kạn " * 40
    cut = trim_description(long_text)
    assert len(cut) <= 160 and cut.endswith("Kạn…")
    assert trim_description("x" * 200) == "x" * 159 + "…"


@pytest.mark.parametrize(
    ("raw", "number"),
    [("2", 2), ("abc", 1), ("0", 1), ("-4", 1), ("", 1), (None, 1), ("99999999", 1000)],
)
def test_page_number_from_the_query_string(raw, number):
    args = MultiDict() if raw is None else MultiDict({"trang": raw})
    assert page_number(args) == number


def test_titles_name_the_page_number_and_the_site():
    assert full_title("Thời sự", "Cổng", 2) == "Thời sự – Trang 2 – Cổng"
    assert full_title("Thời sự", "Cổng") == "Thời sự – Cổng"
    assert full_title(None, "Cổng") == "Cổng"
    assert full_title("Cổng", "Cổng") == "Cổng"


def test_json_ld_cannot_close_its_script_element():
    data = {"headline": "</script><script>alert(1)</script> & <!-- \u2028"}
    html = str(json_ld_script(data))
    inner = html.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner and "\u2028" not in inner
    assert json.loads(inner) == data
    assert str(json_ld_script({})) == ""


def test_organization_type_is_configurable(tmp_path):
    app = make_app(config={"PORTAL_ORGANIZATION_TYPE": "NewsMediaOrganization"})
    with app.app_context():
        db.session.add(Page(kind="home", title="Trang chủ", path="/", layout="one_column"))
        db.session.commit()
    head = Head(app.test_client().get("/").get_data(as_text=True))
    graph = json.loads(head.json_ld[0])["@graph"]
    assert [node["@type"] for node in graph] == ["NewsMediaOrganization"]


def test_an_unknown_organization_type_stops_start_up_with_a_clear_message(tmp_path):
    with pytest.raises(RuntimeError, match="PORTAL_ORGANIZATION_TYPE.*GovernmentOrganization"):
        build_config(str(tmp_path), {"PORTAL_ORGANIZATION_TYPE": "Company"})
    config = build_config(str(tmp_path), {"PORTAL_SITE_DESCRIPTION": "Mô tả riêng"})
    assert config["PORTAL_SITE_DESCRIPTION"] == "Mô tả riêng"
    assert config["PORTAL_ORGANIZATION_TYPE"] == "GovernmentOrganization"


def test_tag_pages_have_their_own_title_canonical_and_trail(meta_site):
    """``render_page(tag=...)`` (the tag pages at /the/<slug>): anything with name and slug."""
    tag = SimpleNamespace(name="Du lịch", slug="du-lich")
    site = meta_site.app.config["PORTAL_SITE_NAME"]
    with meta_site.app.test_request_context("/the/du-lich?trang=2&utm_source=zalo"):
        meta = page_meta(None, tag=tag)
    assert meta.title == f"Du lịch – Trang 2 – {site}"
    assert meta.canonical == f"{BASE_URL}/the/du-lich?trang=2"
    assert meta.description == f"Các bài viết gắn thẻ “Du lịch” trên {site}."
    crumbs = meta.json_ld["@graph"][1]["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Trang chủ", "Du lịch"]
    assert crumbs[-1]["item"] == meta.canonical


def test_search_query_is_cleaned_before_it_reaches_the_head(meta_site, client):
    hostile = "a\x00b\x1b" + "chỉ thị " * 2000
    response = client.get("/tim-kiem", query_string={"q": hostile})
    assert response.status_code == 200
    head = Head(response.get_data(as_text=True))
    assert "\x00" not in head.title and "\x1b" not in head.title
    assert head.one("robots") == "noindex,follow"
    assert len(head.canonical) < 1000


@pytest.mark.parametrize("path", ["/lich-tiep-dan/a\\b", "/lich-tiep-dan/a b", "/lich-tiep-dan//x"])
def test_odd_plugin_page_paths_give_a_quoted_canonical_url(meta_site, path):
    with meta_site.app.test_request_context(path):
        page = Page(kind="plugin", title="Lịch", path=None)
        meta = page_meta(page, title="Lịch")
    assert meta.canonical.startswith(BASE_URL + "/lich-tiep-dan/")
    assert "\\" not in meta.canonical and " " not in meta.canonical
