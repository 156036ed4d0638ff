"""The page editor: settings forms with the page's context, cards that speak in labels."""

from __future__ import annotations

import re
from html import unescape

import pytest

from portal.extensions import db
from portal.models import Category, PageDraft, Placement
from portal.testing import make_account, place_block, sample_content, signed_in_client

CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="([^"]*)"')


@pytest.fixture
def site(app):
    with app.app_context():
        created = sample_content(blocks=[])
        db.session.add(
            Category(name="Trong tỉnh", slug="trong-tinh", parent_id=created["category"].id)
        )
        db.session.commit()
        return {name: obj.id for name, obj in created.items()}


@pytest.fixture
def admin(app):
    return signed_in_client(app, make_account(app, "admin"))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def editor_html(admin, page_id: int) -> str:
    response = admin.get(f"/admin/pages/{page_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def raw_placement(app, page_id: int, block_name: str, settings: dict) -> str:
    """A row stored before forms had a context (no validation): its editor key."""
    with app.app_context():
        row = Placement(
            page_id=page_id, region="main", position=50, block_name=block_name, settings=settings
        )
        db.session.add(row)
        db.session.commit()
        return f"p{row.id}"


def test_the_article_list_offers_the_sites_categories_in_a_select(admin, site):
    html = admin.get(f"/admin/pages/{site['root']}/add/article_list?region=main").get_data(
        as_text=True
    )
    select = re.search(r'<select[^>]*name="category".*?</select>', html, re.S)
    assert select, "the category is chosen from a list"
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    assert options == [
        ("", "— Chuyên mục của trang đang xem —"),
        ("thoi-su", "Thời sự"),
        ("trong-tinh", "— Trong tỉnh"),
    ]


def test_choosing_a_category_saves_its_slug(app, admin, site):
    form_url = f"/admin/pages/{site['root']}/add/article_list?region=main"
    html = admin.get(form_url).get_data(as_text=True)
    response = admin.post(
        form_url,
        data={
            "csrf_token": CSRF_RE.search(html).group(1),
            "version": VERSION_RE.search(html).group(1),
            "region": "main",
            "title": "Tin trong tỉnh",
            "category": "trong-tinh",
            "count": "5",
            "style": "list",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with app.app_context():
        draft = db.session.scalar(db.select(PageDraft).where(PageDraft.page_id == site["root"]))
        (item,) = [i for i in draft.document["placements"] if i["block_name"] == "article_list"]
    assert item["settings"]["category"] == "trong-tinh"
    assert item["settings"]["count"] == 5


def test_a_stored_slug_is_selected_in_the_form(app, admin, site):
    placement = place_block(app, site["root"], "main", "article_list", {"category": "thoi-su"})
    html = admin.get(f"/admin/pages/{site['root']}/blocks/p{placement}").get_data(as_text=True)
    assert re.search(r'<option selected value="thoi-su">Thời sự</option>', html)


def test_a_slug_of_a_category_that_is_gone_stays_visible_and_is_refused_on_save(app, admin, site):
    key = raw_placement(app, site["root"], "article_list", {"category": "da-xoa"})
    url = f"/admin/pages/{site['root']}/blocks/{key}"
    html = admin.get(url).get_data(as_text=True)
    assert re.search(r'<option selected value="da-xoa">da-xoa \(không còn chuyên mục này\)', html)
    response = admin.post(
        url,
        data={
            "csrf_token": CSRF_RE.search(html).group(1),
            "version": VERSION_RE.search(html).group(1),
            "category": "da-xoa",
            "count": "10",
            "style": "list",
        },
    )
    assert response.status_code == 422
    assert "Không có chuyên mục nào có đường dẫn rút gọn “da-xoa”" in response.get_data(
        as_text=True
    )


def test_cards_name_settings_by_their_labels(app, admin, site):
    place_block(
        app, site["root"], "main", "site_header", {"title": "Cổng thông tin", "show_today": True}
    )
    place_block(
        app,
        site["root"],
        "main",
        "rich_text",
        {"title": "", "html": "<p>Xin <b>chào</b> bạn đọc</p>"},
    )
    place_block(
        app, site["root"], "main", "article_list", {"category": "thoi-su", "style": "cards"}
    )
    text = text_of(editor_html(admin, site["root"]))
    assert "Hiện ngày hôm nay: có" in text
    assert "show_today" not in text and "True" not in text
    assert "Xin chào bạn đọc" in text
    assert "<p>" not in text
    assert (
        "Tin mới nhất · 10 bài · chuyên mục “Thời sự” (cả chuyên mục con) · kiểu Lưới thẻ" in text
    )


def test_a_block_can_write_its_own_card_summary(app, admin, site):
    place_block(app, site["root"], "main", "event_plan_short", {"seats": 45, "day": "2031-01-02"})
    assert "45 chỗ, ngày 02/01/2031" in text_of(editor_html(admin, site["root"]))


def test_a_summary_that_fails_falls_back_to_the_labels(app, admin, site, caplog):
    place_block(app, site["root"], "main", "event_plan_bad_summary", {"seats": 45})
    text = text_of(editor_html(admin, site["root"]))
    assert "Số chỗ: 45" in text
    assert "summary boom" in caplog.text


def test_nested_groups_and_lists_are_shown_with_their_labels_and_saved_back(app, admin, site):
    from .test_typed_settings import STORED

    key = raw_placement(app, site["root"], "event_plan", STORED)
    url = f"/admin/pages/{site['root']}/blocks/{key}"
    html = admin.get(url).get_data(as_text=True)
    assert "<legend>Địa điểm</legend>" in html and "<legend>Diễn giả</legend>" in html
    assert 'name="speakers-0-name"' in html and 'value="Nguyễn Văn A"' in html
    assert 'name="speakers-0-since"' in html and 'value="2020-01-15"' in html
    assert 'name="venue-floor"' in html and 'value="3"' in html
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    fields.update(
        {
            "csrf_token": CSRF_RE.search(html).group(1),
            "venue-floor": "4",
            "note": STORED["note"],
            "public": "y",
        }
    )
    response = admin.post(url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    with app.app_context():
        draft = db.session.scalar(db.select(PageDraft).where(PageDraft.page_id == site["root"]))
        (item,) = [i for i in draft.document["placements"] if i["key"] == key]
    assert item["settings"] == {**STORED, "venue": {"city": "Chợ Mới", "floor": 4}}
