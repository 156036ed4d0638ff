"""The page editor through its routes: draft, preview, publish, revisions, conflicts, pages.

The article page of ``sample_content`` starts with the bulletin toolbar and
view in ``main``; the root page carries a probe note in ``header`` that the
article page inherits. Every change must land in the draft only, readers see
it after publishing, and a refused change leaves the database as it was.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.cache import MemoryBackend
from portal.extensions import db
from portal.models import AuditEntry, Page, PageDraft, PageRevision, Placement
from portal.models.events import OutboxEvent
from portal.testing import events_written, sample_content

from .admin_helpers import (
    csrf_of,
    described_by,
    field_errors,
    flashes,
    snapshot,
    text_of,
    version_of,
)

ROOT_NOTE = "Đầu trang của trang gốc"


@pytest.fixture
def site(app):
    """Ids of the sample site, with a note in the root page's header."""
    with app.app_context():
        created = sample_content()
        root, page = created["root"], created["article_page"]
        note = Placement(
            page_id=root.id,
            region="header",
            position=0,
            block_name="probe_note",
            settings={"text": ROOT_NOTE, "count": 1},
        )
        db.session.add(note)
        db.session.commit()
        rows = db.session.scalars(
            select(Placement).where(Placement.page_id == page.id).order_by(Placement.position)
        ).all()
        return {
            "root": root.id,
            "page": page.id,
            "article": created["article"].id,
            "toolbar": f"p{rows[0].id}",
            "view": f"p{rows[1].id}",
            "root_note": note.id,
        }


class Editor:
    """One admin's editor screen: opened once, then changes are posted from it.

    Posting does not re-open the screen, so a test can post from a stale one.
    """

    def __init__(self, client, page_id: int) -> None:
        self.client = client
        self.page_id = page_id
        self.base = f"/admin/pages/{page_id}"
        self.open()

    def open(self) -> str:
        response = self.client.get(self.base)
        assert response.status_code == 200
        self.html = response.get_data(as_text=True)
        self.csrf = csrf_of(self.html)
        self.version = version_of(self.html)
        return self.html

    def post(self, path: str, **data):
        return self.client.post(
            self.base + path, data={"csrf_token": self.csrf, "version": self.version, **data}
        )

    def change(self, path: str, **data):
        """Post and re-open, as the browser does after the redirect."""
        response = self.post(path, **data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.open()
        return response


def draft(app, page_id) -> dict | None:
    with app.app_context():
        row = db.session.get(PageDraft, page_id)
        return row.document if row is not None else None


def order(document: dict, region: str) -> list[str]:
    items = sorted(
        (i for i in document["placements"] if i["region"] == region), key=lambda i: i["position"]
    )
    return [i["block_name"] for i in items]


def live_rows(app, page_id) -> list[tuple]:
    with app.app_context():
        return [
            (p.id, p.region, p.position, p.block_name, p.settings, p.hidden)
            for p in db.session.scalars(
                select(Placement)
                .where(Placement.page_id == page_id)
                .order_by(Placement.region, Placement.position)
            )
        ]


def public_html(app, site) -> str:
    response = app.test_client().get(f"/bai-viet/{site['article']}", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def same_page(html: str) -> str:
    """HTML with placement ids blanked (a restored block may come back as a new row)."""
    return re.sub(r'id="block-\d+"', 'id="block-"', html)


def add_note(editor: Editor, text: str, region: str = "main", count: str = "2"):
    return editor.change(f"/add/probe_note?region={region}", text=text, count=count)


def key_of(app, page_id, block_name: str) -> str:
    document = draft(app, page_id)
    return next(i["key"] for i in document["placements"] if i["block_name"] == block_name)


# -- the editor screen ------------------------------------------------------------------


def test_editor_shows_regions_with_own_and_inherited_cards(app, admin_client, site):
    html = Editor(admin_client, site["page"]).html
    text = text_of(html)

    for region in ("header", "main", "footer"):
        assert f'id="region-{region}"' in html
    header = html[html.index('id="region-header"') : html.index('id="region-main"')]
    assert "Ghi chú thử" in header
    assert "Kế thừa từ" in text_of(header)
    main = html[html.index('id="region-main"') : html.index('id="region-footer"')]
    assert main.index(f'id="card-{site["toolbar"]}"') < main.index(f'id="card-{site["view"]}"')
    # Keyboard and no-JS controls next to each own card.
    assert "Xuống" in text_of(main) and "Chuyển vùng" in text_of(main)
    assert "Nhận khối từ trang cha" in text_of(main)  # main blocks inheritance on this page
    assert "Đang hiển thị bản đã xuất bản." in text


def test_editor_never_runs_block_code(app, admin_client, site):
    """A block that always raises and one whose plugin is gone still get a card."""
    with app.app_context():
        db.session.add_all(
            [
                Placement(
                    page_id=site["page"], region="main", position=5, block_name="probe_crash"
                ),
                Placement(
                    page_id=site["page"],
                    region="main",
                    position=6,
                    block_name="da_go_bo",
                    settings={"giu": "nguyen"},
                ),
            ]
        )
        db.session.commit()

    text = text_of(Editor(admin_client, site["page"]).html)

    assert "Khối luôn lỗi" in text
    assert "probe_crash" not in text, "cards speak in labels, not in block codes"
    assert "da_go_bo Thiếu plugin" in text
    assert "giu: nguyen" in text


# -- adding and configuring -------------------------------------------------------------


def test_add_block_goes_into_the_draft_not_live(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    live_before = live_rows(app, site["page"])

    add_note(editor, "Thông báo mới")

    document = draft(app, site["page"])
    assert order(document, "main") == ["bulletin_toolbar", "bulletin_view", "probe_note"]
    added = document["placements"][-1]
    assert added["settings"] == {"text": "Thông báo mới", "count": 2}
    assert added["id"] is None
    assert live_rows(app, site["page"]) == live_before
    assert "Thông báo mới" not in public_html(app, site)
    assert "Bản nháp chưa xuất bản." in text_of(editor.html)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "page.block.add"))
        assert entry.before is None
        assert entry.after["settings"] == {"text": "Thông báo mới", "count": 2}
        assert entry.after["region"] == "main"


def test_add_block_with_invalid_settings_changes_nothing(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    before = snapshot(app)

    response = editor.post("/add/probe_note?region=main", text="", count="42")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "text") == ["Hãy nhập nội dung ghi chú."]
    assert field_errors(html, "count") == ["Số lần nhắc từ 1 đến 9."]
    assert described_by(html, "text") == "text-errors"
    assert described_by(html, "count") == "count-errors"
    assert 'value="42"' in html  # what was typed stays in the form
    assert snapshot(app) == before


def test_configure_block(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Bản đầu")
    key = key_of(app, site["page"], "probe_note")

    form = admin_client.get(f"/admin/pages/{site['page']}/blocks/{key}").get_data(as_text=True)
    assert 'value="Bản đầu"' in form
    editor.change(f"/blocks/{key}", text="Bản sửa", count="3")

    item = next(i for i in draft(app, site["page"])["placements"] if i["key"] == key)
    assert item["settings"] == {"text": "Bản sửa", "count": 3}
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "page.block.configure")
        )
        assert entry.before["settings"]["text"] == "Bản đầu"
        assert entry.after["settings"]["text"] == "Bản sửa"


def test_configure_with_invalid_settings_changes_nothing(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Bản đầu")
    key = key_of(app, site["page"], "probe_note")
    before = snapshot(app)

    response = editor.post(f"/blocks/{key}", text="x" * 41, count="1")

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "text") == ["Ghi chú tối đa 40 ký tự."]
    assert snapshot(app) == before


# -- moving, hiding, removing -----------------------------------------------------------


def test_move_up_and_down(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Ghi chú")
    key = key_of(app, site["page"], "probe_note")

    editor.change(f"/blocks/{key}/move", direction="up")
    assert order(draft(app, site["page"]), "main") == [
        "bulletin_toolbar",
        "probe_note",
        "bulletin_view",
    ]
    editor.change(f"/blocks/{site['toolbar']}/move", direction="down")
    assert order(draft(app, site["page"]), "main") == [
        "probe_note",
        "bulletin_toolbar",
        "bulletin_view",
    ]
    # Moving past the end keeps the block where it is.
    editor.change(f"/blocks/{site['view']}/move", direction="down")
    assert order(draft(app, site["page"]), "main")[-1] == "bulletin_view"
    positions = [i["position"] for i in draft(app, site["page"])["placements"]]
    assert sorted(positions) == [0, 1, 2]


def test_move_to_another_region_and_position(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Chân", region="footer")

    # The drag-and-drop and region-menu form: region + position.
    editor.change(f"/blocks/{site['view']}/move", region="footer", position="0")

    document = draft(app, site["page"])
    assert order(document, "main") == ["bulletin_toolbar"]
    assert order(document, "footer") == ["bulletin_view", "probe_note"]
    # A region the layout does not have is refused, and nothing changes.
    before = snapshot(app)
    assert editor.post(f"/blocks/{site['view']}/move", region="sidebar").status_code == 400
    assert snapshot(app) == before


def test_hide_and_show(app, admin_client, site):
    editor = Editor(admin_client, site["page"])

    editor.change(f"/blocks/{site['toolbar']}/visibility", hidden="1")
    item = next(i for i in draft(app, site["page"])["placements"] if i["key"] == site["toolbar"])
    assert item["hidden"] is True
    assert "Đang ẩn" in text_of(editor.html)

    editor.change(f"/blocks/{site['toolbar']}/visibility", hidden="0")
    item = next(i for i in draft(app, site["page"])["placements"] if i["key"] == site["toolbar"])
    assert item["hidden"] is False


def test_remove_takes_the_row_away_only_when_published(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    toolbar_id = int(site["toolbar"][1:])

    editor.change(f"/blocks/{site['toolbar']}/remove", confirmed="1")

    assert order(draft(app, site["page"]), "main") == ["bulletin_view"]
    assert toolbar_id in [row[0] for row in live_rows(app, site["page"])]
    editor.change("/publish")
    assert [row[3] for row in live_rows(app, site["page"])] == ["bulletin_view"]


def test_removing_a_block_asks_first_and_changes_nothing_until_confirmed(app, admin_client, site):
    """Without JavaScript the server asks on a page of its own; the dialog of
    admin-editing.js adds ``confirmed=1`` itself (tests/browser/test_editing_safety.py)."""
    editor = Editor(admin_client, site["page"])
    before = snapshot(app)
    asked = editor.post(f"/blocks/{site['toolbar']}/remove")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Gỡ khối “Thanh công cụ bản tin”" in html
    assert 'name="confirmed" value="1"' in html and f'value="{editor.version}"' in html
    assert snapshot(app) == before and draft(app, site["page"]) is None
    editor.change(f"/blocks/{site['toolbar']}/remove", confirmed="1")
    assert "bulletin_toolbar" not in order(draft(app, site["page"]), "main")


def test_missing_plugin_block_can_be_moved_hidden_and_removed(app, admin_client, site):
    with app.app_context():
        gone = Placement(
            page_id=site["page"],
            region="main",
            position=2,
            block_name="da_go_bo",
            settings={"giu": "nguyen"},
        )
        db.session.add(gone)
        db.session.commit()
        key = f"p{gone.id}"
    editor = Editor(admin_client, site["page"])

    response = admin_client.get(f"/admin/pages/{site['page']}/blocks/{key}")
    assert response.status_code == 302
    assert any("thiếu plugin" in m for m in flashes(admin_client))
    editor.change(f"/blocks/{key}/move", direction="up")
    editor.change(f"/blocks/{key}/visibility", hidden="1")
    assert order(draft(app, site["page"]), "main") == [
        "bulletin_toolbar",
        "da_go_bo",
        "bulletin_view",
    ]
    editor.change("/publish")
    row = next(r for r in live_rows(app, site["page"]) if r[3] == "da_go_bo")
    assert row[0] == gone.id and row[4] == {"giu": "nguyen"} and row[5] is True
    # Readers see nothing of it; the page still renders.
    assert "da_go_bo" not in public_html(app, site)

    editor.change(f"/blocks/{key}/remove", confirmed="1")
    editor.change("/publish")
    assert "da_go_bo" not in [r[3] for r in live_rows(app, site["page"])]


# -- layout and inheritance ----------------------------------------------------------


def test_layout_change_keeps_blocks_of_lost_regions_as_unplaced(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    editor.change("/layout", layout="main_sidebar")
    add_note(editor, "Cột phụ", region="sidebar")
    editor.change("/publish")
    assert "Cột phụ" in public_html(app, site)
    note_id = next(r[0] for r in live_rows(app, site["page"]) if r[3] == "probe_note")

    editor.change("/layout", layout="one_column")

    html = editor.html
    assert 'id="region-sidebar"' not in html
    unplaced = html[html.index('id="region-unplaced"') :]
    assert "Chưa đặt vào vùng" in text_of(unplaced)
    assert f'id="card-p{note_id}"' in unplaced
    assert draft(app, site["page"])["layout"] == "one_column"

    editor.change("/publish")
    # The row is kept with its region and settings; readers do not see it.
    row = next(r for r in live_rows(app, site["page"]) if r[0] == note_id)
    assert row[1] == "sidebar" and row[4] == {"text": "Cột phụ", "count": 2}
    assert "Cột phụ" not in public_html(app, site)

    # Back to a layout with a sidebar: the block is in place again.
    editor.change("/layout", layout="main_sidebar")
    editor.change("/publish")
    assert "Cột phụ" in public_html(app, site)


def test_unknown_layout_is_refused(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    before = snapshot(app)
    editor.post("/layout", layout="ba_cot")
    assert snapshot(app) == before
    assert "Bố cục này không tồn tại." in flashes(admin_client)


def test_inheritance_toggle(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    assert ROOT_NOTE in public_html(app, site)

    editor.change("/inheritance", region="header", blocked="1")

    assert "header" in draft(app, site["page"])["blocked_regions"]
    header = editor.html[
        editor.html.index('id="region-header"') : editor.html.index('id="region-main"')
    ]
    assert "Kế thừa từ" not in text_of(header)
    assert "Vùng này không nhận khối từ trang cha." in text_of(header)
    assert ROOT_NOTE in public_html(app, site)  # not published yet

    editor.change("/publish")
    assert ROOT_NOTE not in public_html(app, site)

    editor.change("/inheritance", region="header", blocked="0")
    editor.change("/publish")
    assert ROOT_NOTE in public_html(app, site)


# -- picker -------------------------------------------------------------------------------


def test_picker_offers_article_blocks_only_on_article_pages(app, admin_client, site):
    on_article = admin_client.get(f"/admin/pages/{site['page']}/add?region=main")
    on_home = admin_client.get(f"/admin/pages/{site['root']}/add?region=main")

    assert on_article.status_code == on_home.status_code == 200
    assert "/add/bulletin_view?" in on_article.get_data(as_text=True)
    assert "/add/probe_note?" in on_home.get_data(as_text=True)
    assert "bulletin_view" not in on_home.get_data(as_text=True)
    # Nor can it be added by posting directly.
    root_editor = Editor(admin_client, site["root"])
    before = snapshot(app)
    assert root_editor.post("/add/bulletin_view?region=main").status_code == 404
    assert snapshot(app) == before
    assert admin_client.get(f"/admin/pages/{site['page']}/add?region=sidebar").status_code == 400


# -- preview and publish ------------------------------------------------------------------


class RecordingCache(MemoryBackend):
    """The in-process cache, also counting writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def set(self, key, value, timeout, tags=frozenset()):
        self.writes.append(key)
        super().set(key, value, timeout, tags)


def test_preview_shows_the_draft_to_the_admin_only_and_skips_the_cache(app, admin_client, site):
    cache = RecordingCache()
    app.extensions["portal.cache"] = cache
    public_before = public_html(app, site)
    assert cache.writes  # readers' pages are cached (the probe note allows it)
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Chỉ trong bản nháp")
    cache.writes.clear()

    preview = admin_client.get(f"/admin/pages/{site['page']}/preview")

    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Chỉ trong bản nháp" in html
    assert "Bạn đang xem trước bản nháp của trang" in text_of(html)
    assert ROOT_NOTE in html  # inherited blocks are part of the preview
    assert cache.writes == []
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert public_html(app, site) == public_before


def test_publish_makes_the_draft_live_in_one_revision(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    kept_ids = {r[0] for r in live_rows(app, site["page"])}
    add_note(editor, "Đã xuất bản")
    editor.change(f"/blocks/{site['toolbar']}/move", direction="down")

    editor.change("/publish", note="Thêm ghi chú")

    with app.app_context():
        revisions = db.session.scalars(
            select(PageRevision)
            .where(PageRevision.page_id == site["page"])
            .order_by(PageRevision.number)
        ).all()
        assert [(r.number, r.note) for r in revisions] == [
            (1, "Trạng thái trước lần chỉnh sửa đầu tiên"),
            (2, "Thêm ghi chú"),
        ]
        assert db.session.get(PageDraft, site["page"]) is None
    rows = live_rows(app, site["page"])
    assert [r[3] for r in rows] == ["bulletin_view", "bulletin_toolbar", "probe_note"]
    assert kept_ids <= {r[0] for r in rows}  # existing placements keep their ids
    assert "Đã xuất bản" in public_html(app, site)
    assert "Đã xuất bản trang" in " ".join(flashes(admin_client)) or "Đã xuất bản" in editor.html


def test_compare_lists_moved_added_removed_and_reconfigured(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Mới")
    editor.change(f"/blocks/{site['view']}/move", region="footer", position="0")
    editor.change(f"/blocks/{site['toolbar']}/remove", confirmed="1")
    editor.change("/publish")
    editor.change(f"/blocks/{site['view']}/move", region="main", position="0")
    key = next(f"p{r[0]}" for r in live_rows(app, site["page"]) if r[3] == "probe_note")
    editor.change(f"/blocks/{key}", text="Mới hơn", count="2")

    draft_vs_live = text_of(
        admin_client.get(f"/admin/pages/{site['page']}/revisions/compare?a=live&b=draft").get_data(
            as_text=True
        )
    )
    one_vs_two = text_of(
        admin_client.get(f"/admin/pages/{site['page']}/revisions/compare?a=1&b=2").get_data(
            as_text=True
        )
    )

    assert (
        "Chuyển “Nội dung bản tin”: vùng “Chân trang” vị trí 1 → vùng “Nội dung chính” vị trí 1"
        in draft_vs_live
    )
    assert "Cấu hình lại “Ghi chú thử” (Nội dung ghi chú)" in draft_vs_live
    assert "Thêm" not in draft_vs_live and "Gỡ" not in draft_vs_live
    assert "Thêm “Ghi chú thử” vào vùng “Nội dung chính”" in one_vs_two
    assert "Gỡ “Thanh công cụ bản tin” khỏi vùng “Nội dung chính”" in one_vs_two
    assert (
        "Chuyển “Nội dung bản tin”: vùng “Nội dung chính” vị trí 2 → vùng “Chân trang” vị trí 1"
        in one_vs_two
    )
    assert (
        admin_client.get(f"/admin/pages/{site['page']}/revisions/compare?a=9&b=live").status_code
        == 404
    )


def test_restore_brings_the_previous_state_back(app, admin_client, site):
    public_before = public_html(app, site)
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Sẽ bị thu hồi")
    editor.change(f"/blocks/{site['toolbar']}/remove", confirmed="1")
    editor.change("/publish")
    assert "Sẽ bị thu hồi" in public_html(app, site)

    editor.change("/revisions/1/restore")

    # Restoring makes a draft: readers see nothing until it is published.
    assert "Sẽ bị thu hồi" in public_html(app, site)
    assert "Sẽ bị thu hồi" not in str(draft(app, site["page"]))
    editor.change("/publish")
    assert same_page(public_html(app, site)) == same_page(public_before)
    with app.app_context():
        numbers = db.session.scalars(
            select(PageRevision.number).where(PageRevision.page_id == site["page"])
        ).all()
        assert sorted(numbers) == [1, 2, 3]
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "page.restore")
            )
            == 1
        )


def test_restore_is_refused_while_a_draft_exists(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Bản nháp")
    editor.change("/publish")
    add_note(editor, "Bản nháp thứ hai")
    before = snapshot(app)

    editor.post("/revisions/1/restore")

    assert snapshot(app) == before
    assert any("bản nháp chưa xuất bản" in m for m in flashes(admin_client))
    revisions = admin_client.get(f"/admin/pages/{site['page']}/revisions").get_data(as_text=True)
    assert "/revisions/1/restore" not in revisions


def test_discard_throws_the_draft_away(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    live_before = live_rows(app, site["page"])
    add_note(editor, "Bỏ đi")

    editor.change("/discard", confirmed="1")

    assert draft(app, site["page"]) is None
    assert live_rows(app, site["page"]) == live_before


# -- two admins at once ----------------------------------------------------------------------


def test_second_settings_save_gets_a_conflict_with_the_typed_values(
    app, admin_client, second_admin_client, site
):
    mine = Editor(admin_client, site["page"])
    add_note(mine, "Của tôi")
    key = key_of(app, site["page"], "probe_note")
    form_a = admin_client.get(f"/admin/pages/{site['page']}/blocks/{key}").get_data(as_text=True)
    theirs = Editor(second_admin_client, site["page"])
    theirs.change(f"/blocks/{key}", text="Của người kia", count="5")
    before = snapshot(app)

    response = admin_client.post(
        f"/admin/pages/{site['page']}/blocks/{key}",
        data={
            "csrf_token": csrf_of(form_a),
            "version": version_of(form_a),
            "text": "Tôi gõ lại",
            "count": "7",
        },
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert "Trang đã được thay đổi bởi người khác (Hai)" in text
    assert 'value="Tôi gõ lại"' in html and 'value="7"' in html
    assert f'href="/admin/pages/{site["page"]}/blocks/{key}">tải lại bản mới nhất</a>' in html
    assert "Của người kia" in text  # their settings, shown for comparison
    assert snapshot(app) == before

    # Saving again from the conflict screen is a deliberate choice, and works.
    response = admin_client.post(
        f"/admin/pages/{site['page']}/blocks/{key}",
        data={"csrf_token": csrf_of(html), "version": version_of(html), "text": "Tôi gõ lại"},
    )
    assert response.status_code == 302
    item = next(i for i in draft(app, site["page"])["placements"] if i["key"] == key)
    assert item["settings"]["text"] == "Tôi gõ lại"


def test_second_add_gets_a_conflict_too(app, admin_client, second_admin_client, site):
    form = admin_client.get(f"/admin/pages/{site['page']}/add/probe_note?region=main").get_data(
        as_text=True
    )
    add_note(Editor(second_admin_client, site["page"]), "Người kia thêm trước")
    before = snapshot(app)

    response = admin_client.post(
        f"/admin/pages/{site['page']}/add/probe_note?region=main",
        data={"csrf_token": csrf_of(form), "version": version_of(form), "text": "Tôi thêm"},
    )

    assert response.status_code == 409
    assert 'value="Tôi thêm"' in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/blocks/{view}/move", {"direction": "up"}),
        ("/blocks/{view}/move", {"region": "footer", "position": "0"}),
        ("/blocks/{view}/visibility", {"hidden": "1"}),
        ("/blocks/{view}/remove", {"confirmed": "1"}),
        ("/layout", {"layout": "main_sidebar"}),
        ("/inheritance", {"region": "header", "blocked": "1"}),
        ("/publish", {}),
        ("/discard", {"confirmed": "1"}),
    ],
)
def test_stale_screen_changes_nothing(app, admin_client, second_admin_client, site, path, data):
    mine = Editor(admin_client, site["page"])
    add_note(mine, "Bản nháp của tôi")  # there is a draft, so publish/discard are possible
    theirs = Editor(second_admin_client, site["page"])
    theirs.change(f"/blocks/{site['toolbar']}/move", direction="down")
    before = snapshot(app)

    response = mine.post(path.format(view=site["view"]), **data)

    assert response.status_code == 302
    assert snapshot(app) == before
    assert any("Trang đã được thay đổi bởi người khác (Hai)" in m for m in flashes(admin_client))
    # Reloading shows their change, and from there mine goes through.
    mine.open()
    assert order(draft(app, site["page"]), "main")[0] == "bulletin_view"


def test_screen_opened_before_someone_published_is_stale(
    app, admin_client, second_admin_client, site
):
    mine = Editor(admin_client, site["page"])  # no draft yet
    theirs = Editor(second_admin_client, site["page"])
    add_note(theirs, "Xuất bản rồi")
    theirs.change("/publish")  # the draft is gone again, but the page is not what I saw
    before = snapshot(app)

    mine.post(f"/blocks/{site['toolbar']}/remove", confirmed="1")

    assert snapshot(app) == before
    assert any("người khác" in m for m in flashes(admin_client))


def test_missing_version_is_a_bad_request(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    before = snapshot(app)
    response = admin_client.post(
        f"/admin/pages/{site['page']}/blocks/{site['view']}/remove",
        data={"csrf_token": editor.csrf, "confirmed": "1"},
    )
    assert response.status_code == 400
    assert snapshot(app) == before


# -- pages: create, edit, delete -------------------------------------------------------------


def page_form(client, url="/admin/pages/new"):
    return csrf_of(client.get(url).get_data(as_text=True))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"path": "/"}, "path", "Đường dẫn này đã thuộc trang “Trang chủ”."),
        ({"path": "/admin"}, "path", "Đường dẫn này đã được hệ thống dùng"),
        ({"path": "/admin/trang"}, "path", "Đường dẫn này đã được hệ thống dùng"),
        ({"path": "/bai-viet/1"}, "path", "Đường dẫn này đã được hệ thống dùng"),
        ({"path": "/Giới thiệu"}, "path", "Đường dẫn bắt đầu bằng “/”"),
        ({"path": "gioi-thieu"}, "path", "Đường dẫn bắt đầu bằng “/”"),
        ({"path": "/gioi--thieu"}, "path", "Đường dẫn bắt đầu bằng “/”"),
        ({"path": ""}, "path", "Loại trang này cần một đường dẫn"),
        ({"title": ""}, "title", "Hãy nhập tiêu đề."),
        (
            {"kind": "article", "category_id": "0"},
            "category_id",
            "Chuyên mục này đã có trang cùng loại: “Trang bài viết”.",
        ),
        ({"parent_id": "9999"}, "parent_id", "Hãy chọn trang cha trong danh sách"),
    ],
)
def test_create_page_validation(app, admin_client, site, data, field, message):
    before = snapshot(app)
    values = {
        "title": "Giới thiệu",
        "kind": "static",
        "path": "/gioi-thieu",
        "parent_id": str(site["root"]),
        "category_id": "0",
        "layout": "one_column",
        **data,
    }

    response = admin_client.post(
        "/admin/pages/new", data={"csrf_token": page_form(admin_client), **values}
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = field_errors(html, field)
    assert errors and errors[0].startswith(message), errors
    assert f"{field}-errors" in described_by(html, field)
    assert snapshot(app) == before


def test_create_page(app, admin_client, site):
    response = admin_client.post(
        "/admin/pages/new",
        data={
            "csrf_token": page_form(admin_client),
            "title": "Giới thiệu",
            "kind": "static",
            "path": "/gioi-thieu",
            "parent_id": str(site["root"]),
            "category_id": "0",
            "layout": "main_sidebar",
        },
    )

    assert response.status_code == 302
    with app.app_context():
        page = db.session.scalar(select(Page).where(Page.path == "/gioi-thieu"))
        assert (page.parent_id, page.layout, page.kind) == (site["root"], "main_sidebar", "static")
        assert page.blocked_regions == ["main", "sidebar"]
    assert response.headers["Location"] == f"/admin/pages/{page.id}"
    # The new page shows the root's header to readers straight away.
    assert ROOT_NOTE in app.test_client().get("/gioi-thieu").get_data(as_text=True)


def test_create_the_first_page_of_an_empty_site(app, admin_client):
    response = admin_client.post(
        "/admin/pages/new",
        data={
            "csrf_token": page_form(admin_client),
            "title": "Trang chủ",
            "kind": "home",
            "path": "/",
            "parent_id": "0",
            "category_id": "0",
            "layout": "one_column",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        (page,) = db.session.scalars(select(Page)).all()
        assert page.parent_id is None and page.path == "/"


def test_new_page_form_ignores_a_bad_parent_in_the_link(admin_client, site):
    assert admin_client.get("/admin/pages/new?parent=abc&kind=zzz").status_code == 200


def test_rename_and_move_a_page(app, admin_client, site):
    with app.app_context():
        other = Page(kind="static", title="Tin tức", path="/tin-tuc", parent_id=site["root"])
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    url = f"/admin/pages/{site['page']}/properties"
    token = page_form(admin_client, url)

    response = admin_client.post(
        url,
        data={
            "csrf_token": token,
            "title": "Mẫu bài viết",
            "kind": "article",
            "path": "",
            "parent_id": str(other_id),
            "category_id": "0",
        },
    )

    assert response.status_code == 302
    with app.app_context():
        page = db.session.get(Page, site["page"])
        assert (page.title, page.parent_id) == ("Mẫu bài viết", other_id)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "page.update"))
        assert entry.before["title"] == "Trang bài viết"
        assert entry.after["parent_id"] == other_id
    # A page cannot be put under itself or its own children.
    form = admin_client.get(f"/admin/pages/{other_id}/properties").get_data(as_text=True)
    parent_select = form[
        form.index('id="parent_id"') : form.index("</select>", form.index('id="parent_id"'))
    ]
    assert f'value="{site["page"]}"' not in parent_select
    assert f'value="{other_id}"' not in parent_select


def test_delete_rules(app, admin_client, site):
    with app.app_context():
        child = Page(kind="static", title="Con", path="/con", parent_id=site["page"])
        db.session.add(child)
        db.session.commit()
        child_id = child.id
    before = snapshot(app)
    token = page_form(admin_client, f"/admin/pages/{site['page']}/delete")

    root = admin_client.post(f"/admin/pages/{site['root']}/delete", data={"csrf_token": token})
    parent = admin_client.post(f"/admin/pages/{site['page']}/delete", data={"csrf_token": token})

    assert root.status_code == parent.status_code == 409
    assert "Không thể xóa trang gốc" in text_of(root.get_data(as_text=True))
    assert "Trang này có 1 trang con." in text_of(parent.get_data(as_text=True))
    assert snapshot(app) == before

    leaf = admin_client.post(f"/admin/pages/{child_id}/delete", data={"csrf_token": token})
    assert leaf.status_code == 302
    with app.app_context():
        assert db.session.get(Page, child_id) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "page.delete"))
        assert entry.before["title"] == "Con"


def test_deleting_a_page_removes_its_placements_draft_and_revisions(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Sắp xóa")
    editor.change("/publish")
    add_note(editor, "Nháp")

    admin_client.post(f"/admin/pages/{site['page']}/delete", data={"csrf_token": editor.csrf})

    with app.app_context():
        for model in (Placement, PageDraft, PageRevision):
            column = model.page_id
            count = db.session.scalar(
                select(func.count()).select_from(model).where(column == site["page"])
            )
            assert count == 0, model.__name__
        # Other pages are untouched.
        assert db.session.get(Placement, site["root_note"]) is not None


# -- what each action writes: audit entries, revisions and exactly its events --------------


def audit_actions(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [
            (a.action, a.subject_id)
            for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def last_event_tags(app) -> set[str]:
    """The tags of the newest core event (plugins' own purges, e.g. the menus', left out)."""
    with app.app_context():
        row = db.session.scalar(
            select(OutboxEvent)
            .where(OutboxEvent.subject.not_like("plugin:%"))
            .order_by(OutboxEvent.id.desc())
            .limit(1)
        )
        return set(row.tags)


@pytest.mark.parametrize(
    ("path", "data", "action"),
    [
        ("/add/probe_note?region=main", {"text": "Mới", "count": "1"}, "page.block.add"),
        ("/blocks/{note}", {"text": "Bản sửa", "count": "3"}, "page.block.configure"),
        ("/blocks/{view}/move", {"direction": "up"}, "page.block.move"),
        ("/blocks/{view}/visibility", {"hidden": "1"}, "page.block.visibility"),
        ("/blocks/{view}/remove", {"confirmed": "1"}, "page.block.remove"),
        ("/layout", {"layout": "main_sidebar"}, "page.layout"),
        ("/inheritance", {"region": "header", "blocked": "1"}, "page.inheritance"),
    ],
)
def test_a_draft_change_is_audited_and_announces_nothing(
    app, admin_client, site, path, data, action
):
    """Readers see nothing of a draft, so no cache is purged and no event is written."""
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Bản đầu")
    note = key_of(app, site["page"], "probe_note")
    before = audit_actions(app)

    with events_written(app) as events:
        editor.change(path.format(view=site["view"], note=note), **data)

    assert events == []
    assert audit_actions(app) == [*before, (action, site["page"])]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert entry.user_name == "Quản Trị Một <quantri@example.org>"
        assert entry.summary.endswith("(bản nháp)")


def test_publishing_writes_a_revision_an_audit_entry_and_one_page_event(app, admin_client, site):
    editor = Editor(admin_client, site["root"])
    add_note(editor, "Đầu trang mới", region="header")

    with events_written(app) as events:
        editor.change("/publish", note="Đầu trang")

    assert events == [("published", "page", site["root"])]
    # The article page inherits the root's header: its cached blocks go too.
    assert last_event_tags(app) == {f"page:{site['root']}", f"page:{site['page']}"}
    assert audit_actions(app)[-1] == ("page.publish", site["root"])
    with app.app_context():
        notes = db.session.scalars(
            select(PageRevision.note).where(PageRevision.page_id == site["root"])
        ).all()
    assert "Đầu trang" in notes
    assert "Đầu trang mới" in public_html(app, site)


def test_discarding_is_audited_and_announces_nothing(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Bỏ đi")

    with events_written(app) as events:
        editor.change("/discard", confirmed="1")

    assert events == []
    assert audit_actions(app)[-1] == ("page.discard", site["page"])


def test_restoring_makes_a_draft_and_publishing_it_one_page_event(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Sẽ bị thu hồi")
    editor.change("/publish")

    with events_written(app) as events:
        editor.change("/revisions/1/restore")
    assert events == []  # a draft: readers see nothing yet
    assert audit_actions(app)[-1] == ("page.restore", site["page"])
    assert "Sẽ bị thu hồi" in public_html(app, site)

    with events_written(app) as events:
        editor.change("/publish")
    assert events == [("published", "page", site["page"])]
    assert last_event_tags(app) == {f"page:{site['page']}"}
    assert "Sẽ bị thu hồi" not in public_html(app, site)


@pytest.mark.parametrize("path", ["/publish", "/discard", "/blocks/{view}/remove"])
def test_a_stale_draft_writes_no_event(app, admin_client, second_admin_client, site, path):
    mine = Editor(admin_client, site["page"])
    add_note(mine, "Bản nháp của tôi")
    Editor(second_admin_client, site["page"]).change(
        f"/blocks/{site['toolbar']}/move", direction="down"
    )
    before = snapshot(app)

    with events_written(app) as events:
        mine.post(path.format(view=site["view"]), confirmed="1")

    assert events == []
    assert snapshot(app) == before


def test_a_refused_restore_writes_no_event(app, admin_client, site):
    editor = Editor(admin_client, site["page"])
    add_note(editor, "Bản nháp")
    before = snapshot(app)

    with events_written(app) as events:
        for number in (1, 99):  # a draft exists; no such revision
            admin_client.post(
                f"/admin/pages/{site['page']}/revisions/{number}/restore",
                data={"csrf_token": editor.csrf, "confirmed": "1"},
            )

    assert events == []
    assert snapshot(app) == before


def test_creating_a_page_is_audited_and_announced(app, admin_client, site):
    with events_written(app) as events:
        response = admin_client.post(
            "/admin/pages/new",
            data={
                "csrf_token": page_form(admin_client),
                "title": "Giới thiệu",
                "kind": "static",
                "path": "/gioi-thieu",
                "parent_id": str(site["root"]),
                "category_id": "0",
                "layout": "one_column",
            },
        )

    assert response.status_code == 302
    with app.app_context():
        page_id = db.session.scalar(select(Page.id).where(Page.path == "/gioi-thieu"))
    assert events == [("created", "page", page_id)]
    assert audit_actions(app)[-1] == ("page.create", page_id)


def test_changing_properties_announces_the_page_and_its_heirs(app, admin_client, site):
    url = f"/admin/pages/{site['root']}/properties"
    values = {"title": "Gốc mới", "kind": "home", "path": "/", "parent_id": "0", "category_id": "0"}

    with events_written(app) as events:
        response = admin_client.post(
            url, data={"csrf_token": page_form(admin_client, url), **values}
        )

    assert response.status_code == 302
    assert events == [("edited", "page", site["root"])]
    assert last_event_tags(app) == {f"page:{site['root']}", f"page:{site['page']}"}
    assert audit_actions(app)[-1] == ("page.update", site["root"])

    with events_written(app) as unchanged:  # the same values again: nothing to say
        admin_client.post(url, data={"csrf_token": page_form(admin_client, url), **values})
    assert unchanged == []
    assert audit_actions(app)[-1] == ("page.update", site["root"])
    assert len([a for a in audit_actions(app) if a[0] == "page.update"]) == 1


def test_deleting_a_page_is_audited_and_announced_and_a_refused_delete_is_not(
    app, admin_client, site
):
    with app.app_context():
        child = Page(kind="static", title="Con", path="/con", parent_id=site["page"])
        db.session.add(child)
        db.session.commit()
        child_id = child.id
    token = page_form(admin_client, f"/admin/pages/{child_id}/delete")
    before = snapshot(app)

    with events_written(app) as refused:
        admin_client.post(f"/admin/pages/{site['root']}/delete", data={"csrf_token": token})
        admin_client.post(f"/admin/pages/{site['page']}/delete", data={"csrf_token": token})
    assert refused == []
    assert snapshot(app) == before

    with events_written(app) as events:
        admin_client.post(f"/admin/pages/{child_id}/delete", data={"csrf_token": token})
    # (The menus plugin may add its own purge: a menu item could point at the page.)
    core_events = [event for event in events if not event[1].startswith("plugin:")]
    assert core_events == [("deleted", "page", child_id)]
    assert last_event_tags(app) == {f"page:{child_id}"}
    assert audit_actions(app)[-1] == ("page.delete", child_id)


def test_the_content_functions_refuse_to_run_outside_a_unit_of_work(app, site):
    from portal.content import pages

    with app.app_context():
        page = db.session.get(Page, site["page"])
        with pytest.raises(RuntimeError, match="unit_of_work"):
            pages.delete(page)


def test_the_content_layer_refuses_a_page_under_its_own_subtree_or_a_taken_path(app, site):
    """The form hides such choices; a stale form or another writer meets the same rules."""
    from portal.content import pages
    from portal.content.pages import PageError, PageFields
    from portal.content.unit_of_work import Actor, unit_of_work

    before = snapshot(app)
    with events_written(app) as events, app.app_context():
        root = db.session.get(Page, site["root"])
        under_child = PageFields(title="Gốc", kind="home", path="/", parent_id=site["page"])
        taken = PageFields(title="Khác", kind="static", path="/", parent_id=site["root"])
        for attempt, field in (
            (lambda: pages.update_properties(root, under_child), "parent_id"),
            (lambda: pages.create(taken, layout_name="one_column"), "path"),
        ):
            with pytest.raises(PageError) as raised, unit_of_work(Actor.system("thử")):
                attempt()
            assert raised.value.field == field
    assert events == []
    assert snapshot(app) == before
