"""category_menu: main navigation from the category tree, marking where the reader is."""

from __future__ import annotations

import re

import pytest

from blocks.category_menu import CategoryMenu
from portal.extensions import db
from portal.testing import render_block


@pytest.fixture
def app_config(app_config):
    """The categories only: the built-in plugins that add entries of their own are off."""
    return {**app_config, "PORTAL_DISABLED_PLUGINS": ["documents", "questions", "site_profile"]}


@pytest.fixture
def tree(app, make):
    """Thời sự (Trong tỉnh, Trong nước), Kinh tế — positions decide the order, not names."""
    with app.app_context():
        news = make.category("Thời sự", position=1)
        local = make.category("Trong tỉnh", parent=news, position=1)
        national = make.category("Trong nước", parent=news, position=2)
        economy = make.category("Kinh tế", position=2)
        home = make.page("home", "Trang chủ", path="/", blocked_regions=[])
        article = make.article("Khai mạc kỳ họp thứ 12", local)
        db.session.commit()
        return {
            "news": news.id,
            "local": local.id,
            "national": national.id,
            "economy": economy.id,
            "home": home.id,
            "article": article.id,
        }


def links(html: str) -> list[tuple[str, str | None]]:
    """(text, aria-current) of every link, in document order."""
    found = re.findall(
        r'<a class="category-menu__(?:sub)?link" href="[^"]+"(?: aria-current="(\w+)")?>([^<]+)</a>',
        html,
    )
    return [(text, current or None) for current, text in found]


def get(model, id_):
    return db.session.get(model, id_)


def test_top_level_menu_in_tree_order_with_home_first(app, tree):
    from portal.models import Page

    with app.app_context():
        html = render_block(app, "category_menu", page=get(Page, tree["home"]))
    assert '<nav class="category-menu" aria-label="Danh mục chính">' in html
    assert links(html) == [("Trang chủ", "page"), ("Thời sự", None), ("Kinh tế", None)]
    assert 'href="/chuyen-muc/thoi-su"' in html


def test_depth_two_nests_sub_categories_and_marks_the_current_one(app, tree):
    from portal.models import Category

    with app.app_context():
        local = get(Category, tree["local"])
        html = render_block(app, "category_menu", {"depth": 2}, category=local)
    assert links(html) == [
        ("Trang chủ", None),
        ("Thời sự", "true"),  # an ancestor of the current category
        ("Trong tỉnh", "page"),  # the category page being shown
        ("Trong nước", None),
        ("Kinh tế", None),
    ]
    # The sub-categories are a list nested inside their parent's item.
    # The sub-categories are a list nested inside their parent's item, after the button
    # that opens it (aria-expanded; hidden until the script makes it work).
    assert re.search(
        r"Thời sự</a>\s*<button type=\"button\" class=\"category-menu__expand\" "
        r"aria-expanded=\"false\" aria-controls=\"(menu-[\w-]+)\" hidden>.*?</button>\s*"
        r"<ul class=\"category-menu__sublist\" id=\"\1\"[^>]*>.*Trong tỉnh.*Trong nước.*</ul>\s*</li>",
        html,
        re.S,
    )


def test_depth_one_hides_sub_categories_but_marks_the_parent(app, tree):
    from portal.models import Category

    with app.app_context():
        html = render_block(app, "category_menu", category=get(Category, tree["local"]))
    assert "Trong tỉnh" not in html
    assert ("Thời sự", "true") in links(html)


def test_on_an_article_its_category_is_marked_but_not_as_the_page(app, tree):
    from portal.models import Article, Category

    with app.app_context():
        html = render_block(
            app,
            "category_menu",
            {"depth": 2},
            category=get(Category, tree["local"]),
            article=get(Article, tree["article"]),
        )
    assert ("Trong tỉnh", "true") in links(html)
    assert 'aria-current="page"' not in html


def test_without_home_link(app, tree):
    with app.app_context():
        html = render_block(app, "category_menu", {"show_home": False})
    assert [text for text, _ in links(html)] == ["Thời sự", "Kinh tế"]


def test_ships_collapsed_for_phones_and_works_without_javascript(app, tree):
    """The <details> ships closed (no layout shift on phones when a script would close it);
    wide screens show the list through CSS (::details-content), whatever its state."""
    with app.app_context():
        html = render_block(app, "category_menu")
    assert re.search(r"<details[^>]*data-category-menu", html)
    assert not re.search(r"<details[^>]*\bopen\b", html)
    assert "<summary" in html
    css = (CategoryMenu.static_dir() / "category_menu.css").read_text(encoding="utf-8")
    assert "::details-content { content-visibility: visible;" in css


def test_menu_and_breadcrumb_share_one_category_query(app, client, tree, make, count_queries):
    """Two menus (inherited from the home page) and a breadcrumb: the tree is read once."""
    from portal.models import Page, Placement

    with app.app_context():
        home = get(Page, tree["home"])
        for position, depth in enumerate((2, 1)):
            db.session.add(
                Placement(
                    page_id=home.id,
                    region="header",
                    position=position,
                    block_name="category_menu",
                    settings={"depth": depth},
                )
            )
        make.page("category", "Chuyên mục", parent=home, placements=[("main", "breadcrumb", {})])
        db.session.commit()
    with count_queries() as statements:
        response = client.get("/chuyen-muc/trong-tinh")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('aria-label="Danh mục chính"') == 2
    assert 'aria-label="Bạn đang ở đây"' in html
    category_reads = [s for s in statements if re.search(r"(FROM|JOIN) categories\b", s)]
    assert len(category_reads) == 1, category_reads


def test_settings_validation(app):
    with app.app_context():
        assert CategoryMenu.validate_settings({"depth": 2})[1] == {}
        clean, errors = CategoryMenu.validate_settings({"depth": 3})
        assert clean == {} and "depth" in errors
        assert CategoryMenu.validate_settings(CategoryMenu.default_settings()) == (
            {"menu": "header", "show_home": True, "depth": 1},
            {},
        )
