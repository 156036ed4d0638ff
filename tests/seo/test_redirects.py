"""Old addresses: kept by the content layer when addresses change, answered 301 or 410
by the 404 handler, chains collapsed, loops refused, caches told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.content import categories, pages, redirects
from portal.content.pages import PageFields
from portal.content.redirects import RedirectError, RedirectFields
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, Category, OutboxEvent, Page, Redirect
from portal.site import article_url
from portal.testing import count_queries


def add(app, old: str, new: str = "", status: int = 301) -> None:
    with app.app_context(), unit_of_work(Actor.system()):
        redirects.add(RedirectFields(old_path=old, new_path=new, status=status))


def kept(app) -> dict[str, tuple[int, str]]:
    with app.app_context():
        return {r.old_path: (r.status, r.new_path) for r in db.session.scalars(select(Redirect))}


def move_page(app, page_id: int, path: str) -> None:
    with app.app_context(), unit_of_work(Actor.system()):
        page = db.session.get(Page, page_id)
        fields = PageFields(title=page.title, kind=page.kind, path=path, parent_id=page.parent_id)
        pages.update_properties(page, fields)


def test_an_articles_old_slug_already_redirects_by_its_id(app, site):
    """Article addresses carry the id: no redirect row is needed when the slug changes."""
    with app.test_request_context():
        article = db.session.get(Article, site["article"])
        old = article_url(article)
        article.slug = "ten-moi"
        db.session.commit()
        new = article_url(article)
    response = app.test_client().get(old)
    assert response.status_code == 301
    assert response.headers["Location"].endswith(new)
    assert kept(app) == {}


def test_a_category_slug_change_redirects_the_old_address(app, site):
    with app.app_context(), unit_of_work(Actor.system()):
        category = db.session.get(Category, site["category"])
        categories.edit(category, name="Thời sự", slug="thoi-su-trong-tinh")
    assert kept(app) == {"/chuyen-muc/thoi-su": (301, "/chuyen-muc/thoi-su-trong-tinh")}
    response = app.test_client().get("/chuyen-muc/thoi-su?trang=2")
    assert response.status_code == 301
    assert response.headers["Location"] == "/chuyen-muc/thoi-su-trong-tinh?trang=2"


def test_a_page_path_change_redirects_and_moving_back_undoes_it(app, site):
    client = app.test_client()
    move_page(app, site["about"], "/ve-chung-toi")
    assert kept(app) == {"/gioi-thieu": (301, "/ve-chung-toi")}
    response = client.get("/gioi-thieu/")
    assert (response.status_code, response.headers["Location"]) == (301, "/ve-chung-toi")
    assert client.get("/ve-chung-toi").status_code == 200

    move_page(app, site["about"], "/lich-su")
    # Chains collapsed: every old address goes straight to the page.
    assert kept(app) == {"/gioi-thieu": (301, "/lich-su"), "/ve-chung-toi": (301, "/lich-su")}

    move_page(app, site["about"], "/gioi-thieu")
    # The first address is live again: its row goes; the others lead to it.
    assert kept(app) == {"/ve-chung-toi": (301, "/gioi-thieu"), "/lich-su": (301, "/gioi-thieu")}
    assert client.get("/gioi-thieu").status_code == 200
    assert client.get("/lich-su").headers["Location"] == "/gioi-thieu"


def test_a_gone_address_answers_410_with_a_clear_page(app, site):
    add(app, "/tin-cu/2019", status=410)
    response = app.test_client().get("/tin-cu/2019")
    assert response.status_code == 410
    text = response.get_data(as_text=True)
    assert "Trang đã bị gỡ bỏ" in text
    assert "gỡ bỏ vĩnh viễn" in text
    assert "public" in response.headers["Cache-Control"]
    assert app.test_client().get("/tin-cu/2020").status_code == 404


def test_a_redirect_to_another_site_and_one_with_a_vietnamese_path(app, site):
    add(app, "/cong-cu", "https://dichvucong.gov.vn/p/home")
    add(app, "/giới-thiệu", "/gioi-thieu")
    client = app.test_client()
    assert client.get("/cong-cu").headers["Location"] == "https://dichvucong.gov.vn/p/home"
    response = client.get("/gi%E1%BB%9Bi-thi%E1%BB%87u")
    assert (response.status_code, response.headers["Location"]) == (301, "/gioi-thieu")


def test_chains_are_collapsed_both_ways(app, site):
    add(app, "/a", "/b")
    add(app, "/b", "/c")
    assert kept(app) == {"/a": (301, "/c"), "/b": (301, "/c")}
    add(app, "/z", "/a")  # a target that redirects: the final address is kept
    assert kept(app)["/z"] == (301, "/c")
    add(app, "/c", status=410)  # what led to it is gone too
    assert kept(app) == {"/a": (410, ""), "/b": (410, ""), "/z": (410, ""), "/c": (410, "")}
    assert app.test_client().get("/a").status_code == 410


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("gioi-thieu-cu", "/gioi-thieu", "old_path", "bắt đầu bằng một dấu “/”"),
        ("//evil.example.org", "/gioi-thieu", "old_path", "bắt đầu bằng một dấu “/”"),
        ("/", "/gioi-thieu", "old_path", "trang chủ"),
        ("/a b", "/gioi-thieu", "old_path", "dấu cách"),
        ("/x", "/x/", "new_path", "trùng với đường dẫn cũ"),
        ("/x", "", "new_path", "Hãy nhập địa chỉ mới"),
        ("/x", "javascript:alert(1)", "new_path", "https://"),
        ("/b", "/a", "new_path", "vòng lặp"),
        ("/a", "/c", "old_path", "đã có chuyển hướng"),
    ],
)
def test_bad_redirects_are_refused_and_change_nothing(app, site, old, new, field, words):
    add(app, "/a", "/b")
    before = kept(app)
    with pytest.raises(RedirectError) as refused:
        add(app, old, new)
    assert refused.value.field == field
    assert words in str(refused.value)
    assert kept(app) == before


def test_an_edit_that_would_loop_is_refused(app, site):
    add(app, "/a", "/b")
    add(app, "/c", "/d")
    with app.app_context():
        row = db.session.scalar(select(Redirect).where(Redirect.old_path == "/c"))
        with pytest.raises(RedirectError, match="vòng lặp"), unit_of_work(Actor.system()):
            redirects.update(row, RedirectFields(old_path="/b", new_path="/a"))
    assert kept(app) == {"/a": (301, "/b"), "/c": (301, "/d")}


def test_every_change_announces_the_addresses_it_touches(app, site):
    add(app, "/a", "/b")
    add(app, "/b", "/c")
    with app.app_context():
        events = list(
            db.session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.subject == "redirect")
                .order_by(OutboxEvent.id)
            )
        )
        assert [sorted(event.tags) for event in events] == [
            ["path:/a"],
            ["path:/a", "path:/b"],
        ]
        row = db.session.scalar(select(Redirect).where(Redirect.old_path == "/a"))
        with unit_of_work(Actor.system()):
            redirects.delete(row)
        last = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.id.desc()).limit(1))
        assert (last.action, last.subject, sorted(last.tags)) == (
            "deleted",
            "redirect",
            ["path:/a"],
        )
    assert app.test_client().get("/a").status_code == 404


def test_a_page_that_exists_never_looks_redirects_up(app, site):
    add(app, "/a", "/gioi-thieu")
    client = app.test_client()
    client.get("/gioi-thieu")  # trees and caches warmed
    with count_queries(app) as statements:
        assert client.get("/gioi-thieu", headers={"Cookie": "x=1"}).status_code == 200
    assert not [s for s in statements if "redirects" in s]
    with count_queries(app) as statements:
        assert client.get("/a").status_code == 301
    assert [s for s in statements if "redirects" in s]
