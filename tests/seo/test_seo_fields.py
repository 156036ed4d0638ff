"""Meta description, share image, canonical URL override and noindex: what readers' pages
say in their head, what sitemaps leave out, and what the forms accept."""

from __future__ import annotations

import re

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, field_errors, make_user
from lxml import html as lxml_html
from sqlalchemy import select

from portal.content import articles, pages, seo
from portal.content.pages import PageFields
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, Page, User
from portal.site import article_url

from .conftest import BASE


def head_of(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return lxml_html.fromstring(response.get_data(as_text=True))


def meta(tree, name: str) -> list[str]:
    return tree.xpath(f'//head/meta[@name="{name}" or @property="{name}"]/@content')


def canonical(tree) -> list[str]:
    return tree.xpath('//head/link[@rel="canonical"]/@href')


def url_of_article(app, article_id: int) -> str:
    with app.test_request_context():
        return article_url(db.session.get(Article, article_id))


def set_fields(app, model, item_id: int, **values) -> None:
    """Change SEO fields through the content layer, as the admin does (events purge caches)."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        if admin is None:
            admin = User(email="seo-admin@example.org", name="Quản trị", role="admin")
            admin.set_password("mat-khau-dai-1")
            db.session.add(admin)
            db.session.commit()
        with unit_of_work(Actor.of_user(admin)):
            item = db.session.get(model, item_id)
            if model is Article:
                articles.save_article(item, values, admin, expected_version=None)
            else:
                fields = PageFields(
                    title=item.title,
                    kind=item.kind,
                    path=item.path,
                    parent_id=item.parent_id,
                    category_id=item.category_id,
                    language=item.language,
                    seo=values,
                )
                pages.update_properties(item, fields)


def test_an_article_without_seo_fields_keeps_todays_head(app, site):
    client = app.test_client()
    url = url_of_article(app, site["article"])
    tree = head_of(client, url)
    assert meta(tree, "description") == ["Sau 10 năm, tỉnh đã đạt nhiều kết quả quan trọng."]
    assert canonical(tree) == [BASE + url]
    assert meta(tree, "robots") == []
    assert meta(tree, "og:image") == []


def test_an_articles_seo_fields_are_in_its_head(app, site):
    set_fields(
        app,
        Article,
        site["article"],
        meta_description="  Mô tả   riêng cho máy tìm kiếm. ",
        social_image_id=site["image"],
        canonical_url="/gioi-thieu",
        noindex=True,
    )
    tree = head_of(app.test_client(), url_of_article(app, site["article"]))
    assert meta(tree, "description") == ["Mô tả riêng cho máy tìm kiếm."]
    assert meta(tree, "og:description") == ["Mô tả riêng cho máy tìm kiếm."]
    image = f"{BASE}/media/uploads/ab/0123456789abcdef01234567.jpg"
    assert meta(tree, "og:image") == [image]
    assert meta(tree, "twitter:image") == [image]
    assert meta(tree, "og:image:width") == ["1200"]
    assert canonical(tree) == [BASE + "/gioi-thieu"]
    assert meta(tree, "og:url") == [BASE + "/gioi-thieu"]
    assert meta(tree, "robots") == ["noindex"]


def test_a_static_pages_seo_fields_are_in_its_head(app, site):
    client = app.test_client()
    before = head_of(client, "/gioi-thieu")
    assert canonical(before) == [BASE + "/gioi-thieu"]
    set_fields(
        app,
        Page,
        site["about"],
        meta_description="Giới thiệu cổng thông tin.",
        social_image_id=site["image"],
        canonical_url="https://bac-kan.gov.vn/gioi-thieu?tu=cong",
        noindex=True,
    )
    tree = head_of(client, "/gioi-thieu")
    assert meta(tree, "description") == ["Giới thiệu cổng thông tin."]
    assert meta(tree, "og:image") == [f"{BASE}/media/uploads/ab/0123456789abcdef01234567.jpg"]
    assert meta(tree, "og:image:alt") == ["Ruộng bậc thang Pác Nặm"]
    assert canonical(tree) == ["https://bac-kan.gov.vn/gioi-thieu?tu=cong"]
    assert meta(tree, "robots") == ["noindex"]


@pytest.mark.parametrize(
    "value",
    [
        "/gioi-thieu",
        "https://bac-kan.gov.vn/tin/1",
        "http://localhost:5000/a?b=c",
        "",
    ],
)
def test_canonical_overrides_that_are_accepted(value):
    assert seo.canonical_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "gioi-thieu",
        "//evil.example.org/x",
        "javascript:alert(1)",
        "ftp://bac-kan.gov.vn/x",
        "https://",
        "https://bac kan.gov.vn/",
        "/a\nb",
        "https://[::1",
    ],
)
def test_canonical_overrides_that_are_refused(value):
    assert seo.canonical_problem(value)
    with pytest.raises(seo.SeoError) as refused:
        seo.clean({"canonical_url": value})
    assert refused.value.field == "canonical_url"


def test_the_page_form_refuses_a_bad_canonical_url_and_changes_nothing(app, site):
    client = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    url = f"/admin/pages/{site['about']}/properties"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="meta_description"' in html and 'name="noindex"' in html
    response = client.post(
        url,
        data={
            "csrf_token": csrf_of(html),
            "title": "Giới thiệu",
            "kind": "static",
            "path": "/gioi-thieu",
            "parent_id": str(site["root"]),
            "category_id": "0",
            "language": "vi",
            "translation_of_id": "0",
            "meta_description": "Mô tả mới",
            "social_image_id": "0",
            "canonical_url": "trang-khac",
        },
    )
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), "canonical_url")
    assert errors and "https://" in errors[0]
    with app.app_context():
        about = db.session.get(Page, site["about"])
        assert (about.meta_description, about.canonical_url) == ("", "")


def test_the_page_form_saves_the_seo_fields(app, site):
    client = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    url = f"/admin/pages/{site['about']}/properties"
    html = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_of(html),
            "title": "Giới thiệu",
            "kind": "static",
            "path": "/gioi-thieu",
            "parent_id": str(site["root"]),
            "category_id": "0",
            "language": "vi",
            "translation_of_id": "0",
            "meta_description": "Cổng thông tin của tỉnh.",
            "social_image_id": str(site["image"]),
            "canonical_url": "/gioi-thieu",
            "noindex": "y",
        },
    )
    assert response.status_code == 302, field_errors(response.get_data(as_text=True), "noindex")
    with app.app_context():
        about = db.session.get(Page, site["about"])
        assert (about.meta_description, about.social_image_id, about.noindex) == (
            "Cổng thông tin của tỉnh.",
            site["image"],
            True,
        )
    assert meta(head_of(app.test_client(), "/gioi-thieu"), "robots") == ["noindex"]


def test_the_article_form_saves_the_seo_fields_and_refuses_a_bad_canonical(app, site):
    client = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    url = f"/admin/articles/{site['article']}"
    html = client.get(url).get_data(as_text=True)
    tree = lxml_html.fromstring(html)
    form = {
        "csrf_token": csrf_of(html),
        "version": tree.xpath('//input[@name="version"]/@value')[0],
        "title": tree.xpath('//input[@name="title"]/@value')[0],
        "slug": tree.xpath('//input[@name="slug"]/@value')[0],
        "lead": "Sau 10 năm, tỉnh đã đạt nhiều kết quả quan trọng.",
        "body": "<p>Đoạn thứ nhất.</p>",
        "category_id": str(site["category"]),
        "author": "Nguyễn Văn A",
        "publish_date": "29/11/2023",
        "publish_time": "08:30",
        "intent": "save",
        "meta_description": "Mô tả cho Google.",
        "social_image_id": str(site["image"]),
        "canonical_url": "mailto:toa-soan@example.org",
    }
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert field_errors(refused.get_data(as_text=True), "canonical_url")
    with app.app_context():
        assert db.session.get(Article, site["article"]).meta_description == ""
    saved = client.post(url, data={**form, "canonical_url": ""})
    assert saved.status_code == 302
    with app.app_context():
        article = db.session.get(Article, site["article"])
        assert (article.meta_description, article.social_image_id) == (
            "Mô tả cho Google.",
            site["image"],
        )
    tree = head_of(app.test_client(), url_of_article(app, site["article"]))
    assert meta(tree, "description") == ["Mô tả cho Google."]


def test_noindex_articles_and_pages_are_left_out_of_the_sitemaps(app, site):
    client = app.test_client()
    article_loc = BASE + url_of_article(app, site["article"])

    def locs(url: str) -> set[str]:
        """The addresses a sitemap lists (none when there is no such sitemap: 404)."""
        response = client.get(url)
        if response.status_code == 404:
            return set()
        assert response.status_code == 200, url
        return set(re.findall(r"<loc>([^<]+)</loc>", response.get_data(as_text=True)))

    assert BASE + "/gioi-thieu" in locs("/sitemap-pages.xml")
    assert article_loc in locs("/sitemap-articles-1.xml")
    set_fields(app, Article, site["article"], noindex=True)
    set_fields(app, Page, site["about"], noindex=True)
    assert BASE + "/gioi-thieu" not in locs("/sitemap-pages.xml")
    assert article_loc not in locs("/sitemap-articles-1.xml")
    assert BASE + "/" in locs("/sitemap-pages.xml")  # the others stay
