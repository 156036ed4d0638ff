"""Region inheritance down the page tree (DESIGN.md §5).

A page shows its ancestors' placements in a region (root first, then its own)
unless it blocks that region; an ancestor contributes only the regions its
own layout has. The ``marker`` probe block shows its text so the order can be
read back from the HTML.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal.extensions import db
from portal.models import Page, Placement
from portal.rendering import load_placements, resolve_regions
from portal.site import page_tree


@pytest.fixture
def app_plugins(test_plugin):
    return [
        ("render_probes", test_plugin("render_probes")),
        ("extra_layout", test_plugin("extra_layout")),
    ]


class RegionMarkers(HTMLParser):
    """Collects the texts of ``marker`` blocks per layout region, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.regions: dict[str, list[str]] = {}
        self._stack: list[str | None] = []  # region name (or None) per open element
        self._in_marker = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        region = next(
            (c.removeprefix("region--") for c in classes if c.startswith("region--")), None
        )
        if tag not in {"br", "img", "input", "meta", "link", "hr"}:
            self._stack.append(region)
        self._in_marker = tag == "span" and "marker" in classes

    def handle_endtag(self, tag):
        if self._stack:
            self._stack.pop()
        self._in_marker = False

    def handle_data(self, data):
        current = next((r for r in reversed(self._stack) if r), None)
        if self._in_marker and current:
            self.regions.setdefault(current, []).append(data)


def markers(html: str) -> dict[str, list[str]]:
    parser = RegionMarkers()
    parser.feed(html)
    return parser.regions


def add_page(title, *, parent=None, path=None, layout="one_column", blocked=("main",)):
    page = Page(
        kind="static" if parent else "home",
        title=title,
        path=path,
        parent_id=parent.id if parent else None,
        layout=layout,
        blocked_regions=list(blocked),
    )
    db.session.add(page)
    db.session.flush()
    return page


def place(page, region, text, position=0):
    db.session.add(
        Placement(
            page_id=page.id,
            region=region,
            position=position,
            block_name="marker",
            settings={"text": text},
        )
    )


@pytest.fixture
def site(app):
    """Root (header, footer, main) → child "/tin-tuc" → grandchild "/tin-tuc/moi"."""
    with app.app_context():
        root = add_page("Trang chủ", path="/", blocked=())
        place(root, "header", "đầu trang gốc")
        place(root, "footer", "chân trang gốc")
        place(root, "main", "nội dung gốc")
        child = add_page("Tin tức", parent=root, path="/tin-tuc")
        place(child, "main", "nội dung con")
        grandchild = add_page("Tin mới", parent=child, path="/tin-tuc/moi")
        place(grandchild, "main", "nội dung cháu")
        db.session.commit()
        return {"root": root.id, "child": child.id, "grandchild": grandchild.id}


def page_markers(client, path: str) -> dict[str, list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    return markers(response.get_data(as_text=True))


def update_page(app, page_id, *, blocked=None, layout=None, place_items=()):
    with app.app_context():
        page = db.session.get(Page, page_id)
        if blocked is not None:
            page.blocked_regions = list(blocked)
        if layout is not None:
            page.layout = layout
        for region, text, position in place_items:
            place(page, region, text, position)
        db.session.commit()


def test_root_header_and_footer_appear_on_child_pages(app, client, site):
    found = page_markers(client, "/tin-tuc")
    assert found["header"] == ["đầu trang gốc"]
    assert found["footer"] == ["chân trang gốc"]
    assert found["main"] == ["nội dung con"]  # the child blocks "main"
    html = client.get("/tin-tuc").get_data(as_text=True)
    assert 'data-inherited="1"' in html


def test_root_page_shows_its_own_placements_not_marked_inherited(app, client, site):
    found = page_markers(client, "/")
    assert found == {
        "header": ["đầu trang gốc"],
        "main": ["nội dung gốc"],
        "footer": ["chân trang gốc"],
    }
    assert 'data-inherited="1"' not in client.get("/").get_data(as_text=True)


def test_a_child_that_blocks_the_header_shows_only_its_own(app, client, site):
    update_page(
        app,
        site["child"],
        blocked=["main", "header"],
        place_items=[("header", "đầu trang riêng", 0)],
    )
    found = page_markers(client, "/tin-tuc")
    assert found["header"] == ["đầu trang riêng"]
    assert found["footer"] == ["chân trang gốc"]


def test_a_blocked_region_with_nothing_of_its_own_is_empty(app, client, site):
    update_page(app, site["child"], blocked=["main", "header"])
    found = page_markers(client, "/tin-tuc")
    assert "header" not in found
    assert found["footer"] == ["chân trang gốc"]


def test_grandchildren_inherit_through_their_parents(app, client, site):
    update_page(app, site["child"], place_items=[("header", "đầu trang con", 0)])
    update_page(app, site["grandchild"], place_items=[("header", "đầu trang cháu", 0)])
    found = page_markers(client, "/tin-tuc/moi")
    assert found["header"] == ["đầu trang gốc", "đầu trang con", "đầu trang cháu"]
    assert found["footer"] == ["chân trang gốc"]
    assert found["main"] == ["nội dung cháu"]


def test_a_parent_that_blocks_a_region_blocks_it_for_its_children_too(app, client, site):
    update_page(
        app, site["child"], blocked=["main", "header"], place_items=[("header", "đầu con", 0)]
    )
    update_page(app, site["grandchild"], place_items=[("header", "đầu cháu", 0)])
    assert page_markers(client, "/tin-tuc/moi")["header"] == ["đầu con", "đầu cháu"]


def test_order_is_ancestors_root_first_then_own_by_position(app, client, site):
    update_page(
        app,
        site["root"],
        place_items=[("header", "gốc thứ ba", 3), ("header", "gốc thứ hai", 2)],
    )
    update_page(
        app,
        site["child"],
        place_items=[("header", "con thứ hai", 2), ("header", "con thứ nhất", 1)],
    )
    update_page(app, site["grandchild"], place_items=[("header", "cháu", 0)])
    assert page_markers(client, "/tin-tuc/moi")["header"] == [
        "đầu trang gốc",
        "gốc thứ hai",
        "gốc thứ ba",
        "con thứ nhất",
        "con thứ hai",
        "cháu",
    ]


def test_an_ancestor_contributes_only_regions_its_layout_has(app, client, site):
    # The root (one column) has a placement left in "sidebar" from an earlier layout;
    # the child has a sidebar of its own, the grandchild inherits the child's.
    update_page(app, site["root"], place_items=[("sidebar", "cột phụ mồ côi của gốc", 0)])
    update_page(
        app,
        site["child"],
        layout="main_sidebar",
        place_items=[("sidebar", "cột phụ của con", 0)],
    )
    update_page(app, site["grandchild"], layout="main_sidebar")
    assert page_markers(client, "/tin-tuc")["sidebar"] == ["cột phụ của con"]
    assert page_markers(client, "/tin-tuc/moi")["sidebar"] == ["cột phụ của con"]
    assert "cột phụ mồ côi của gốc" not in client.get("/").get_data(as_text=True)


def test_a_plugin_layout_region_is_inherited_like_the_standard_ones(app, client, site):
    update_page(
        app, site["child"], layout="banner_layout", place_items=[("banner", "băng rôn con", 0)]
    )
    update_page(app, site["grandchild"], layout="banner_layout")
    found = page_markers(client, "/tin-tuc/moi")
    assert found["banner"] == ["băng rôn con"]
    assert found["header"] == ["đầu trang gốc"]


def test_resolve_regions_reports_where_each_placement_comes_from(app, site):
    update_page(app, site["child"], place_items=[("header", "đầu trang con", 0)])
    with app.test_request_context("/tin-tuc/moi"):
        tree = page_tree()
        grandchild = tree.by_id[site["grandchild"]]
        chain = [p.id for p in tree.ancestors(grandchild)] + [grandchild.id]
        resolved = resolve_regions(grandchild, ("header", "main", "footer"), load_placements(chain))
        header = [
            (item.placement.settings["text"], item.inherited_from) for item in resolved["header"]
        ]
        assert [text for text, _ in header] == ["đầu trang gốc", "đầu trang con"]
        assert header[0][1].id == site["root"]
        assert header[1][1].id == site["child"]
        assert [
            (item.placement.settings["text"], item.inherited_from) for item in resolved["main"]
        ] == [("nội dung cháu", None)]
        assert resolved["footer"][0].inherited_from.id == site["root"]
