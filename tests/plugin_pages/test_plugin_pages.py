"""A plugin's reader page is a real portal page; its menu entry and admin screen show."""

from __future__ import annotations

from portal import render_portal_page
from portal.extensions import db
from portal.testing import make_app

from .conftest import add_static_page, build_site, client_signed_in_as, make_user


def test_plugin_page_has_the_site_frame_and_inherited_blocks(app, client, site):
    response = client.get("/lich-tiep-dan")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # the plugin's content, in the main region, under the page's h1 and <title>
    main = html.split('id="noi-dung"', 1)[1].split("</main>", 1)[0]
    assert '<h1 class="page-title">Lịch tiếp công dân</h1>' in main
    assert 'class="reception-intro"' in main
    assert "<title>Lịch tiếp công dân – " in html
    assert '<meta name="description" content="Lịch tiếp dân">' in html
    # inherited from the root page: header, menu and footer blocks
    for name in ("site_header", "category_menu", "site_footer"):
        assert f'data-block="{name}" data-inherited="1"' in html, name
    assert 'class="region region--header"' in html and 'class="region region--footer"' in html
    # the root's main content is not inherited: the main region is the plugin's
    assert "Tin nổi bật của trang chủ" not in html
    # the layout of the page around it
    assert "layout--one_column" in html and "page--plugin" in html


def test_plugin_template_variables_reach_the_plugin_page(client, site):
    html = client.get("/lich-tiep-dan").get_data(as_text=True)
    assert "Đường dây nóng: 0209 3870 000" in html


def test_sub_pages_head_and_unknown_sub_paths(client, site):
    month = client.get("/lich-tiep-dan/thang-12")
    assert month.status_code == 200
    body = month.get_data(as_text=True)
    assert "Chủ tịch UBND tỉnh" in body and 'data-block="site_footer"' in body

    head = client.head("/lich-tiep-dan/thang-12")
    assert head.status_code == 200 and head.get_data() == b""

    for unknown in ("/lich-tiep-dan/thang-13", "/lich-tiep-dan/thang-12/them"):
        missing = client.get(unknown)
        assert missing.status_code == 404, unknown
        assert "Không tìm thấy trang" in missing.get_data(as_text=True)


def test_caching_headers_like_other_reader_pages(app, client, site, editor_client):
    reader_page = client.get("/lich-tiep-dan")
    home = client.get("/")
    for header in ("X-Content-Type-Options", "Content-Security-Policy"):
        assert reader_page.headers.get(header) == home.headers.get(header), header
    assert "Cookie" in reader_page.headers["Vary"]
    # Not kept whole (nothing tags the plugin's own content): asked for again every
    # time, answered 304 while unchanged.
    assert reader_page.headers["Cache-Control"] == "no-cache"
    again = client.get("/lich-tiep-dan", headers={"If-None-Match": reader_page.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # signed in: personal, like every page
    assert (
        editor_client.get("/lich-tiep-dan").headers["Cache-Control"]
        == (editor_client.get("/").headers["Cache-Control"])
    )


def test_an_admins_page_at_the_path_adds_its_own_blocks(app, client, site):
    with app.app_context():
        add_static_page("/lich-tiep-dan", title="Tiếp dân", main_html="<p>Ghi chú của tòa soạn</p>")
    html = client.get("/lich-tiep-dan").get_data(as_text=True)
    main = html.split('id="noi-dung"', 1)[1].split("</main>", 1)[0]
    assert main.index("reception-intro") < main.index("Ghi chú của tòa soạn")
    assert 'data-block="site_header" data-inherited="1"' in html


def test_nearest_page_up_the_path_gives_the_layout_and_blocks(app, client, site):
    with app.app_context():
        add_static_page("/lich-tiep-dan", title="Tiếp dân", main_html="<p>Ghi chú</p>")
    html = client.get("/lich-tiep-dan/thang-1").get_data(as_text=True)
    # a child of /lich-tiep-dan: its main is the plugin's, its header comes from the root
    assert "Ghi chú" not in html and "Chủ tịch UBND tỉnh" in html
    assert 'data-block="category_menu" data-inherited="1"' in html


def test_plugin_page_on_a_site_without_pages_still_renders(client):
    response = client.get("/lich-tiep-dan")
    assert response.status_code == 200
    assert "reception-intro" in response.get_data(as_text=True)


def test_menu_item_shows_in_the_header_menu(client, site):
    home = client.get("/").get_data(as_text=True)
    menu = home.split('class="category-menu"', 1)[1].split("</nav>", 1)[0]
    assert '<a class="category-menu__link" href="/lich-tiep-dan">Lịch tiếp dân</a>' in menu
    # after the categories
    assert menu.index("Thời sự") < menu.index("Lịch tiếp dân")
    # marked current on the plugin's own page
    page = client.get("/lich-tiep-dan").get_data(as_text=True)
    assert 'href="/lich-tiep-dan" aria-current="page">Lịch tiếp dân' in page


def test_admin_screen_shows_in_the_nav_for_admins_only(app, site):
    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    editor = client_signed_in_as(app, make_user(app, "bt@example.org", "editor"))
    dashboard = admin.get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/lich-tiep-dan/" >Lịch tiếp dân</a>' in dashboard
    screen = admin.get("/admin/lich-tiep-dan/")
    assert screen.status_code == 200
    assert '<a href="/admin/lich-tiep-dan/" aria-current="page">Lịch tiếp dân</a>' in (
        screen.get_data(as_text=True)
    )
    assert screen.headers["Cache-Control"] == admin.get("/admin/").headers["Cache-Control"]
    assert "Lịch tiếp dân" not in editor.get("/admin/").get_data(as_text=True)
    assert editor.get("/admin/lich-tiep-dan/").status_code == 403
    assert app.test_client().get("/admin/lich-tiep-dan/").status_code == 302


def test_switched_off_plugin_leaves_menu_admin_nav_and_variables(app, site):
    from portal.plugins import plugins_of

    admin = client_signed_in_as(app, make_user(app, "qt@example.org", "admin"))
    plugins = plugins_of(app)
    plugins.apply_switches({"reception"})
    try:
        assert "Lịch tiếp dân" not in app.test_client().get("/").get_data(as_text=True)
        assert "Lịch tiếp dân" not in admin.get("/admin/").get_data(as_text=True)
        with app.test_request_context("/"):
            from flask import render_template_string

            assert render_template_string("{{ reception_hotline | default('-') }}") == "-"
    finally:
        plugins.apply_switches(set())


def test_render_portal_page_from_a_request_context(app, site):
    with app.test_request_context("/bat-ky/trang-con"):
        html = render_portal_page("<p id='x'>Nội dung</p>", title="Tiêu đề")
    assert "<p id='x'>Nội dung</p>" in html
    assert 'data-block="site_header" data-inherited="1"' in html


def test_plugin_pages_of_different_paths_do_not_share_cached_menus(
    database_url, tmp_path, test_plugin
):
    app = make_app(
        database_url=database_url,
        plugins=[("reception", test_plugin("reception"))],
        config={"PORTAL_CACHE_URL": "memory"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        build_site()
    client = app.test_client()
    first = client.get("/lich-tiep-dan").get_data(as_text=True)
    other = client.get("/lich-tiep-dan/thang-1").get_data(as_text=True)
    assert 'href="/lich-tiep-dan" aria-current="page"' in first
    assert 'href="/lich-tiep-dan" aria-current="page"' not in other
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_breadcrumb_on_a_plugin_page_ends_with_its_title(app, client, site):
    from portal.models import Placement

    with app.app_context():
        db.session.add(
            Placement(page_id=site["root"], region="header", position=5, block_name="breadcrumb")
        )
        db.session.commit()
    html = client.get("/lich-tiep-dan/thang-12").get_data(as_text=True)
    assert (
        '<span class="breadcrumb__current" aria-current="page">Lịch tiếp công dân thang-12' in html
    )


def test_a_plugin_page_costs_the_queries_of_the_page_it_sits_under(app, client, site):
    """Page and category trees (one statement), placements of the chain and published menus
    for the menu: as on the home page."""
    from portal.testing import count_queries

    client.get("/")  # warm-up (first request of an app)
    with count_queries(app) as home:
        client.get("/")
    with count_queries(app) as plugin_page:
        response = client.get("/lich-tiep-dan")
    assert response.status_code == 200
    assert len(plugin_page) == len(home) == 3, "\n\n".join(plugin_page)
