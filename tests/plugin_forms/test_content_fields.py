"""Settings that name the site's content are chosen from lists, checked on save, named on cards;
rich text is edited with the articles' editor and cleaned on save."""

from __future__ import annotations

import importlib.util
import re
import sys
from html import unescape

import pytest

from portal.extensions import db
from portal.models import Category, Page, PageDraft, Placement, Tag
from portal.testing import make_account, place_block, sample_content, signed_in_client

from .conftest import HERE, event_plan_plugin

CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="([^"]*)"')


def content_picks_plugin():
    name = "portal_test_forms.content_picks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "content_picks.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def app_plugins():
    return [("event_plan", event_plan_plugin()), ("content_picks", content_picks_plugin())]


@pytest.fixture
def site(app):
    with app.app_context():
        created = sample_content(blocks=[])
        db.session.add_all(
            [
                Category(name="Trong tỉnh", slug="trong-tinh", parent_id=created["category"].id),
                Page(
                    kind="static",
                    title="Giới thiệu",
                    path="/gioi-thieu",
                    parent_id=created["root"].id,
                    layout="one_column",
                    blocked_regions=[],
                ),
                Tag(name="Du lịch cộng đồng", slug="du-lich-cong-dong"),
            ]
        )
        db.session.commit()
        ids = {name: obj.id for name, obj in created.items()}
        ids["about"] = db.session.scalar(db.select(Page.id).where(Page.path == "/gioi-thieu"))
        return ids


@pytest.fixture
def admin(app):
    return signed_in_client(app, make_account(app, "admin"))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def options_of(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
    assert select, f"{name} is chosen from a list"
    return [
        (value, unescape(text))
        for value, text in re.findall(
            r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0)
        )
    ]


def form_fields(page_html: str, **values) -> dict[str, str]:
    return {
        "csrf_token": CSRF_RE.search(page_html).group(1),
        "version": VERSION_RE.search(page_html).group(1),
        "region": "main",
        **values,
    }


def draft_items(app, page_id: int) -> list[dict]:
    with app.app_context():
        draft = db.session.scalar(db.select(PageDraft).where(PageDraft.page_id == page_id))
        return draft.document["placements"] if draft is not None else []


def test_content_settings_are_selects_of_the_sites_content(admin, site):
    html = admin.get(f"/admin/pages/{site['root']}/add/content_picks?region=main").get_data(
        as_text=True
    )
    assert options_of(html, "category") == [
        ("", "— Chuyên mục của trang —"),
        ("thoi-su", "Thời sự"),
        ("trong-tinh", "— Trong tỉnh"),
    ]
    assert options_of(html, "more") == [
        ("", "— Không có —"),
        (str(site["root"]), "Trang chủ (/)"),
        (str(site["about"]), "Giới thiệu (/gioi-thieu)"),
    ]
    assert ("du-lich-cong-dong", "Du lịch cộng đồng") in options_of(html, "tag")
    menus = options_of(html, "menu")
    assert ("lien-ket", "Liên kết hữu ích (lien-ket)") in menus
    assert ("nhap", "Bản thử (nhap), chưa xuất bản") in menus
    # The default code is offered even before a menu has it: the block draws its own links.
    assert menus[0][0] == "header" and "chưa có trình đơn này" in menus[0][1]


def test_chosen_content_is_saved_and_named_on_the_card(app, admin, site):
    url = f"/admin/pages/{site['root']}/add/content_picks?region=main"
    html = admin.get(url).get_data(as_text=True)
    response = admin.post(
        url,
        data=form_fields(
            html,
            category="trong-tinh",
            more=str(site["about"]),
            tag="du-lich-cong-dong",
            menu="lien-ket",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    (item,) = [i for i in draft_items(app, site["root"]) if i["block_name"] == "content_picks"]
    assert item["settings"] == {
        "category": "trong-tinh",
        "more": site["about"],
        "tag": "du-lich-cong-dong",
        "menu": "lien-ket",
    }
    form = admin.get(f"/admin/pages/{site['root']}/blocks/{item['key']}").get_data(as_text=True)
    for name, value in (("category", "trong-tinh"), ("more", str(site["about"]))):
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', form, re.S).group(0)
        assert re.search(rf'<option selected value="{value}">', select), f"{name} is shown chosen"
    card = text_of(admin.get(f"/admin/pages/{site['root']}").get_data(as_text=True))
    assert (
        "Chuyên mục nguồn: Trong tỉnh · Trang “Xem thêm”: Giới thiệu · Thẻ: Du lịch cộng đồng · "
        "Trình đơn kèm theo: Liên kết hữu ích" in card
    )
    assert "trong-tinh" not in card and "du-lich-cong-dong" not in card


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "khong-co", "Không có chuyên mục nào có đường dẫn rút gọn “khong-co”"),
        ("more", "99999", "Không có trang “99999”"),
        ("more", "gioi-thieu", "Không có trang “gioi-thieu”"),
        ("tag", "khong-co", "Không có thẻ “khong-co”"),
        ("menu", "khong-co", "Không có trình đơn nào có mã “khong-co”"),
    ],
)
def test_values_that_name_nothing_are_refused_and_nothing_changes(
    app, admin, site, field, value, message
):
    key = (
        f"p{place_block(app, site['root'], 'main', 'content_picks', {'tag': 'du-lich-cong-dong'})}"
    )
    url = f"/admin/pages/{site['root']}/blocks/{key}"
    html = admin.get(url).get_data(as_text=True)
    fields = {"category": "", "more": "", "tag": "du-lich-cong-dong", "menu": "header"}
    response = admin.post(url, data=form_fields(html, **{**fields, field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in unescape(page)
    assert "Chưa lưu" in page
    assert draft_items(app, site["root"]) == [], "nothing reached the draft"


def test_a_stored_value_whose_content_is_gone_stays_visible(app, admin, site):
    key = (
        f"p{place_block(app, site['root'], 'main', 'content_picks', {'tag': 'du-lich-cong-dong'})}"
    )
    with app.app_context():
        db.session.execute(db.delete(Tag).where(Tag.slug == "du-lich-cong-dong"))
        db.session.commit()
    html = admin.get(f"/admin/pages/{site['root']}/blocks/{key}").get_data(as_text=True)
    assert ("du-lich-cong-dong", "du-lich-cong-dong (không còn thẻ này)") in options_of(html, "tag")
    card = text_of(admin.get(f"/admin/pages/{site['root']}").get_data(as_text=True))
    assert "Thẻ: du-lich-cong-dong (không còn thẻ này)" in card


def test_settings_saved_before_the_fields_existed_keep_working(app, site):
    """Rows written with slugs and codes by hand (imports, older versions) validate as before."""
    from portal.plugins import plugins_of

    block = plugins_of(app).block("content_picks")
    with app.app_context():
        clean, errors = block.validate_settings(
            {"category": "thoi-su", "more": str(site["about"]), "tag": "", "menu": "header"}
        )
    assert errors == {}
    assert clean == {"category": "thoi-su", "more": site["about"], "tag": "", "menu": "header"}


def test_the_rich_text_block_saves_sanitised_html(app, admin, site):
    url = f"/admin/pages/{site['root']}/add/rich_text?region=main"
    html = admin.get(url).get_data(as_text=True)
    response = admin.post(
        url,
        data=form_fields(
            html,
            title="Liên hệ",
            html='<p onclick="alert(1)" style="color:red">Gọi <b>0209</b></p>'
            '<script>alert(2)</script><a href="javascript:alert(3)">x</a>',
        ),
    )
    assert response.status_code == 302
    (item,) = [i for i in draft_items(app, site["root"]) if i["block_name"] == "rich_text"]
    saved = item["settings"]["html"]
    assert saved.startswith("<p>Gọi <b>0209</b></p>")
    for bad in ("onclick", "style", "<script", "alert(2)", "javascript:"):
        assert bad not in saved
    card = text_of(admin.get(f"/admin/pages/{site['root']}").get_data(as_text=True))
    assert "Liên hệ · Gọi 0209 x" in card


def test_the_rich_text_form_uses_the_articles_editor(admin, site, app):
    response = admin.get(f"/admin/pages/{site['root']}/add/rich_text?region=main")
    html = response.get_data(as_text=True)
    from portal.web.vendor import tinymce_version

    with app.test_request_context():
        installed = tinymce_version() is not None
    if not installed:
        pytest.skip("TinyMCE is not installed in node_modules (npm ci)")
    assert 'data-editor="tinymce"' in html
    assert re.search(r'<script src="/_vendor/tinymce/tinymce.min.js\?v=[\d.]+"></script>', html)
    assert '<script src="/static/admin-editor.js">' in html
    assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    # Other settings forms keep the strict policy and load no editor.
    other = admin.get(f"/admin/pages/{site['root']}/add/article_list?region=main")
    assert "tinymce" not in other.get_data(as_text=True)
    assert "style-src 'self';" in other.headers["Content-Security-Policy"]


def test_without_the_editor_the_rich_text_is_a_textarea(tmp_path, site, app, admin):
    app.config["PORTAL_NODE_MODULES"] = str(tmp_path)
    html = admin.get(f"/admin/pages/{site['root']}/add/rich_text?region=main").get_data(
        as_text=True
    )
    assert "_vendor/tinymce" not in html
    assert re.search(r'<textarea[^>]*data-editor=""[^>]*name="html"', html)
    assert "hãy nhập nội dung dạng HTML" in html


def test_region_and_block_codes_are_not_shown(app, admin, site):
    place_block(app, site["root"], "main", "site_header", {"show_today": False})
    html = admin.get(f"/admin/pages/{site['root']}").get_data(as_text=True)
    text = text_of(html)
    assert "Hiện ngày hôm nay: không" in text
    assert "<code>main</code>" not in html and "<code>site_header</code>" not in html
    picker = admin.get(f"/admin/pages/{site['root']}/add?region=main").get_data(as_text=True)
    assert "Thêm khối vào vùng “Nội dung chính”" in picker
    assert "<code>" not in picker
    form = admin.get(f"/admin/pages/{site['root']}/add/rich_text?region=main").get_data(
        as_text=True
    )
    assert "Vùng: Nội dung chính." in form
    response = admin.post(
        f"/admin/pages/{site['root']}/add/rich_text?region=main",
        data=form_fields(form, html="<p>x</p>"),
        follow_redirects=True,
    )
    assert "vùng “main”" not in response.get_data(as_text=True)


def test_the_demo_pages_speak_to_editors_in_their_language(app, admin):
    """Every card and region of every demo page: labels and names, no keys or codes."""
    from portal.content.demo import load_demo

    with app.app_context():
        load_demo()
        pages = list(db.session.scalars(db.select(Page.id)))
        placed = {
            row.block_name for row in db.session.scalars(db.select(Placement))
        }  # the demo's own blocks, each checked below
    assert {"site_header", "rich_text", "article_list", "category_menu"} <= placed
    raw = re.compile(
        r"show_today|show_lead|include_subcategories|\bTrue\b|\bFalse\b|<code>|"
        r"vùng (main|header|sidebar|footer)\b|“(thoi-su|kinh-te|header|footer)”|"
        r"Trình đơn: header|Lĩnh vực: cai-cach|&lt;p&gt;|<p>[^<]*&lt;"
    )
    for page_id in pages:
        html = admin.get(f"/admin/pages/{page_id}").get_data(as_text=True)
        cards = "".join(re.findall(r'<p class="card__settings">(.*?)</p>', html, re.S))
        headings = "".join(re.findall(r'<h2 id="region-[^"]*-title">(.*?)</h2>', html, re.S))
        found = raw.search(cards + headings)
        assert found is None, f"page {page_id} shows {found.group(0)!r}"
    home = text_of(admin.get(f"/admin/pages/{pages[0]}").get_data(as_text=True))
    assert "Hiện ngày hôm nay: có" in home
    assert "chuyên mục “Thời sự”" in home
    assert "Trình đơn: Menu chính" in home
