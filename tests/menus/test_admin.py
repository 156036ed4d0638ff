"""The "Trình đơn" screen: adding items (with their checks), the keyboard buttons, drag and
drop's order, publishing; CSRF and roles; the warning for a target that is gone."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from blocks.menus import store
from blocks.menus.models import Menu, MenuEntry, MenuVersion
from portal import Actor
from portal.content import pages as page_content
from portal.content.unit_of_work import unit_of_work
from portal.extensions import db
from portal.models import Page

from .helpers import client_as, csrf_of, notices, post

EDIT = "/admin/trinh-don/header"


@pytest.fixture
def database_url():
    """SQLite only: the screens do not depend on the database."""
    return None


def draft(app) -> list[tuple[str, str | None]]:
    """(label, parent label) of the header's draft items, in menu order."""
    with app.app_context():
        header = db.session.scalar(select(Menu).where(Menu.slug == "header"))
        return [
            (node.entry.label, parent)
            for root in store.draft_tree(header)
            for node, parent in [(root, None)] + [(c, root.entry.label) for c in root.children]
        ]


def entry_id(app, label: str) -> int:
    with app.app_context():
        return db.session.scalar(select(MenuEntry.id).where(MenuEntry.label == label))


def add(editor, site, label, target, **extra):
    return post(
        editor,
        f"{EDIT}/them",
        {"label": label, "target": target, **extra},
        from_url=EDIT,
    )


def test_an_editor_builds_arranges_and_publishes_a_menu(app, site, menu, editor):
    assert "Trình đơn" in editor.get("/admin/").get_data(as_text=True)  # in the admin menu
    for label, target in [
        ("Thời sự", f"category:{site['news']}"),
        ("Kinh tế", f"category:{site['economy']}"),
        ("Giới thiệu", f"page:{site['about']}"),
    ]:
        assert add(editor, site, label, target).status_code == 302
    answer = add(editor, site, "Chính phủ", "external", url="https://chinhphu.vn", new_tab="1")
    assert answer.status_code == 302
    # The keyboard path: each button is a form that posts one move.
    move = f"{EDIT}/muc/{entry_id(app, 'Kinh tế')}/di-chuyen"
    assert post(editor, move, {"direction": "indent"}, from_url=EDIT).status_code == 302
    move = f"{EDIT}/muc/{entry_id(app, 'Chính phủ')}/di-chuyen"
    assert post(editor, move, {"direction": "up"}, from_url=EDIT).status_code == 302
    assert draft(app) == [
        ("Thời sự", None),
        ("Kinh tế", "Thời sự"),
        ("Chính phủ", None),
        ("Giới thiệu", None),
    ]
    html = editor.get(EDIT).get_data(as_text=True)
    assert "Bản nháp có thay đổi chưa xuất bản." in html
    assert 'href="https://chinhphu.vn"' in html  # the preview shows the draft as readers will
    assert post(editor, f"{EDIT}/xuat-ban", {}, from_url=EDIT).status_code == 302
    html = editor.get(EDIT).get_data(as_text=True)
    assert "Đã xuất bản trình đơn “Menu chính” (phiên bản 1)." in notices(html)
    reader = app.test_client().get("/").get_data(as_text=True)
    assert 'href="https://chinhphu.vn" target="_blank" rel="noopener">Chính phủ' in reader


def test_a_move_that_would_make_a_third_level_is_refused_with_a_message(app, site, menu, editor):
    add(editor, site, "Thời sự", f"category:{site['news']}")
    add(editor, site, "Kinh tế", f"category:{site['economy']}")
    add(editor, site, "Giới thiệu", f"page:{site['about']}", parent=str(entry_id(app, "Kinh tế")))
    first = f"{EDIT}/muc/{entry_id(app, 'Thời sự')}/di-chuyen"
    answer = post(editor, first, {"direction": "indent"}, from_url=EDIT)
    assert answer.status_code == 302
    html = editor.get(EDIT).get_data(as_text=True)
    assert any("không có mục nào ở trên" in text for text in notices(html))
    second = f"{EDIT}/muc/{entry_id(app, 'Kinh tế')}/di-chuyen"
    post(editor, second, {"direction": "indent"}, from_url=EDIT)
    html = editor.get(EDIT).get_data(as_text=True)
    assert any("có mục con" in text for text in notices(html))
    assert draft(app) == [("Thời sự", None), ("Kinh tế", None), ("Giới thiệu", "Kinh tế")]


def test_drag_and_drop_posts_the_whole_order(app, site, menu, editor):
    for label in ("A", "B", "C"):
        add(editor, site, label, f"category:{site['news']}")
    a, b, c = (entry_id(app, label) for label in "ABC")
    order = json.dumps([{"id": c, "children": [a]}, {"id": b, "children": []}])
    assert post(editor, f"{EDIT}/sap-xep", {"order": order}, from_url=EDIT).status_code == 302
    assert draft(app) == [("C", None), ("A", "C"), ("B", None)]
    three_levels = json.dumps([{"id": c, "children": [{"id": a, "children": [b]}]}])
    post(editor, f"{EDIT}/sap-xep", {"order": three_levels}, from_url=EDIT)
    post(editor, f"{EDIT}/sap-xep", {"order": "không phải JSON"}, from_url=EDIT)
    assert draft(app) == [("C", None), ("A", "C"), ("B", None)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"label": "Cổng Chính phủ", "target": "external", "url": "javascript:alert(1)"}, "http"),
        ({"label": "Cổng Chính phủ", "target": "external", "url": "chinhphu.vn"}, "https://"),
        ({"label": "  ", "target": "external", "url": "https://chinhphu.vn"}, "Hãy nhập nhãn"),
        ({"label": "Thời sự", "target": ""}, "Hãy chọn mục đích"),
    ],
)
def test_a_wrong_item_is_refused_shown_again_and_nothing_is_stored(
    app, site, menu, editor, data, message
):
    answer = post(editor, f"{EDIT}/them", data, from_url=EDIT)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html
    # What the editor typed is still there.
    if data.get("url"):
        assert f'value="{data["url"]}"' in html
    assert f'value="{data["label"]}"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MenuEntry)) == 0


def test_editing_an_item_keeps_the_input_when_refused(app, site, menu, editor):
    add(editor, site, "Chính phủ", "external", url="https://chinhphu.vn")
    url = f"{EDIT}/muc/{entry_id(app, 'Chính phủ')}"
    answer = post(
        editor, url, {"label": "Chính phủ", "target": "external", "url": "ftp://x"}, from_url=url
    )
    assert answer.status_code == 400
    assert 'value="ftp://x"' in answer.get_data(as_text=True)
    answer = post(
        editor,
        url,
        {"label": "Cổng Chính phủ", "target": "external", "url": "https://chinhphu.vn"},
        from_url=url,
    )
    assert answer.status_code == 302
    assert draft(app) == [("Cổng Chính phủ", None)]


def test_posts_need_the_csrf_token_and_a_menu_editor(app, site, menu, editor):
    answer = editor.post(f"{EDIT}/them", data={"label": "A", "target": f"category:{site['news']}"})
    assert answer.status_code == 400  # no CSRF token
    author = client_as(app, "author")
    assert author.get(EDIT).status_code == 403
    token = csrf_of(author.get("/admin/").get_data(as_text=True))
    answer = author.post(f"{EDIT}/xuat-ban", data={"csrf_token": token})
    assert answer.status_code == 403
    assert app.test_client().get(EDIT).status_code in (302, 401)  # signed out: sign in first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MenuEntry)) == 0
        assert db.session.scalar(select(func.count()).select_from(MenuVersion)) == 0


def test_creating_a_menu_checks_its_code(app, site, menu, editor):
    answer = post(
        editor,
        "/admin/trinh-don/",
        {"slug": "Chân Trang", "title": "Menu"},
        from_url="/admin/trinh-don/",
    )
    assert answer.status_code == 400
    assert "Mã trình đơn chỉ gồm chữ thường" in answer.get_data(as_text=True)
    answer = post(
        editor,
        "/admin/trinh-don/",
        {"slug": "header", "title": "Lần nữa"},
        from_url="/admin/trinh-don/",
    )
    assert "Đã có trình đơn mã “header”" in answer.get_data(as_text=True)
    answer = post(
        editor,
        "/admin/trinh-don/",
        {"slug": "footer", "title": "Menu chân trang"},
        from_url="/admin/trinh-don/",
    )
    assert answer.status_code == 302 and answer.location.endswith("/admin/trinh-don/footer")


def test_a_deleted_target_is_flagged_for_editors_and_left_out_for_readers(app, site, menu, editor):
    add(editor, site, "Giới thiệu", f"page:{site['about']}")
    add(editor, site, "Liên hệ", f"page:{site['contact']}")
    post(editor, f"{EDIT}/xuat-ban", {}, from_url=EDIT)
    reader = app.test_client()
    assert 'href="/gioi-thieu"' in reader.get("/").get_data(as_text=True)
    with app.app_context(), unit_of_work(Actor.system("Kiểm thử")):
        page_content.delete(db.session.get(Page, site["about"]))
    html = editor.get(EDIT).get_data(as_text=True)
    assert html.count("Mục đích không còn tồn tại") == 1
    assert "Giới thiệu" in html  # the item stays, for the editor to fix or delete
    listing = editor.get("/admin/trinh-don/").get_data(as_text=True)
    assert "1 mục đích không còn tồn tại" in listing
    home = reader.get("/").get_data(as_text=True)
    assert 'href="/gioi-thieu"' not in home and 'href="/lien-he"' in home
