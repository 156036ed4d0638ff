"""Drafts, publishing and comparing of page arrangements (portal.page_drafts)."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.content.page_drafts import (
    DraftConflict,
    DraftError,
    add_block,
    change_draft,
    compare,
    discard,
    discard_draft,
    edit_draft,
    edit_version,
    get_draft,
    live_document,
    move_block,
    publish,
    publish_draft,
    remove_block,
    restore,
    restore_revision,
    set_hidden,
    set_inheritance,
    set_layout,
    shift_block,
    update_settings,
)
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import AuditEntry, PageDraft, PageRevision, Placement, User
from portal.models.events import OutboxEvent
from portal.testing import events_written, sample_content


def item(key, region, position, name="probe", settings=None, hidden=False, id=None):
    return {
        "key": key,
        "id": id,
        "region": region,
        "position": position,
        "block_name": name,
        "settings": settings or {},
        "hidden": hidden,
    }


def doc(*items, layout="one_column", blocked=()):
    return {"layout": layout, "blocked_regions": list(blocked), "placements": list(items)}


def live(key_id, region, position, **kwargs):
    return item(f"p{key_id}", region, position, id=key_id, **kwargs)


# -- compare ----------------------------------------------------------------------------


def test_compare_same_document_is_empty():
    document = doc(live(1, "main", 0), live(2, "main", 1))
    diff = compare(document, copy.deepcopy(document))
    assert diff.empty
    assert (diff.added, diff.removed, diff.moved, diff.reconfigured) == ([], [], [], [])


def test_blocks_shifted_by_an_addition_or_removal_above_are_not_moved():
    old = doc(live(1, "main", 0), live(2, "main", 1), live(3, "main", 2))
    added_on_top = doc(
        item("nabc", "main", 0, name="new"),
        live(1, "main", 1),
        live(2, "main", 2),
        live(3, "main", 3),
    )
    first_removed = doc(live(2, "main", 0), live(3, "main", 1))

    diff = compare(old, added_on_top)
    assert [i["key"] for i in diff.added] == ["nabc"]
    assert diff.moved == []

    diff = compare(old, first_removed)
    assert [i["id"] for i in diff.removed] == [1]
    assert diff.moved == []


def test_reordering_and_changing_region_are_moves():
    old = doc(live(1, "main", 0), live(2, "main", 1), live(3, "main", 2))
    new = doc(live(1, "main", 0), live(3, "main", 1), live(2, "footer", 0))

    diff = compare(old, new)

    moved = {(before["id"], before["region"], after["region"]) for before, after in diff.moved}
    # Only the block that left; the one below it merely shifted up.
    assert moved == {(2, "main", "footer")}

    swapped = doc(live(2, "main", 0), live(1, "main", 1), live(3, "main", 2))
    assert {before["id"] for before, _after in compare(old, swapped).moved} == {1, 2}


def test_reconfigured_lists_the_changed_setting_names():
    old = doc(live(1, "main", 0, settings={"a": 1, "b": 2, "c": "x"}))
    new = doc(live(1, "main", 0, settings={"a": 1, "b": 3, "d": True, "c": "x"}))

    diff = compare(old, new)

    ((changed_item, names),) = diff.reconfigured
    assert changed_item["id"] == 1
    assert names == ["b", "d"]


def test_compare_layout_inheritance_and_visibility():
    old = doc(live(1, "main", 0), blocked=["main"])
    new = doc(live(1, "main", 0, hidden=True), layout="main_sidebar", blocked=["header", "main"])

    diff = compare(old, new)

    assert diff.layout == ("one_column", "main_sidebar")
    assert diff.inheritance == ["Vùng “Đầu trang”: chặn khối kế thừa từ trang cha"]
    assert [i["id"] for i in diff.visibility] == [1]
    assert not diff.empty
    diff = compare(new, old)
    assert diff.inheritance == ["Vùng “Đầu trang”: nhận khối kế thừa từ trang cha"]


def test_draft_items_and_published_rows_are_matched_by_id():
    """A live row keeps its identity in a draft (key p<id>); a new item is only added."""
    live_doc = doc(live(7, "main", 0))
    draft_doc = doc(live(7, "main", 1), item("n1", "main", 0, name="note"))
    diff = compare(live_doc, draft_doc)
    assert [i["key"] for i in diff.added] == ["n1"]
    assert diff.removed == []
    assert diff.moved == []


# -- changing documents -------------------------------------------------------------------


def apply(change, document):
    document = copy.deepcopy(document)
    change(document)
    return document


def keys_in(document, region):
    return [
        i["key"]
        for i in sorted(document["placements"], key=lambda i: i["position"])
        if i["region"] == region
    ]


def test_move_block_puts_it_at_the_position_and_shifts_the_others():
    document = doc(live(1, "main", 0), live(2, "main", 1), live(3, "footer", 0))

    moved = apply(move_block("p3", "main", 1), document)
    assert keys_in(moved, "main") == ["p1", "p3", "p2"]
    assert [i["position"] for i in moved["placements"] if i["region"] == "main"] in (
        [0, 2, 1],
        [0, 1, 2],
    )
    assert keys_in(apply(move_block("p1", "main", 99), document), "main") == ["p2", "p1"]
    assert keys_in(apply(move_block("p2", "main", -5), document), "main") == ["p2", "p1"]


def test_shift_block_at_the_edges_stays():
    document = doc(live(1, "main", 0), live(2, "main", 1))
    assert keys_in(apply(shift_block("p1", -1), document), "main") == ["p1", "p2"]
    assert keys_in(apply(shift_block("p2", 1), document), "main") == ["p1", "p2"]
    assert keys_in(apply(shift_block("p1", 1), document), "main") == ["p2", "p1"]


def test_changes_to_an_unknown_key_are_refused():
    document = doc(live(1, "main", 0))
    for change in (
        move_block("p9", "main", 0),
        shift_block("p9", 1),
        set_hidden("p9", True),
        remove_block("p9"),
        update_settings("p9", {}),
    ):
        with pytest.raises(DraftError):
            change(copy.deepcopy(document))


def test_set_layout_keeps_every_placement_and_inheritance_toggles():
    document = doc(live(1, "sidebar", 0), live(2, "main", 0), layout="main_sidebar")
    changed = apply(set_layout("one_column"), document)
    assert changed["placements"] == document["placements"]
    assert changed["layout"] == "one_column"

    blocked = apply(set_inheritance("header", True), document)
    assert blocked["blocked_regions"] == ["header"]
    assert apply(set_inheritance("header", True), blocked)["blocked_regions"] == ["header"]
    assert apply(set_inheritance("header", False), blocked)["blocked_regions"] == []


# -- drafts in the database -----------------------------------------------------------------


@pytest.fixture
def world(app):
    """The sample site and an admin; returns ids."""
    with app.app_context():
        created = sample_content()
        admin = User(email="quantri@example.org", name="Quản Trị", role="admin")
        admin.set_password("mat-khau-dai-1")
        db.session.add(admin)
        db.session.commit()
        return {"page": created["article_page"].id, "admin": admin.id, "root": created["root"].id}


def objects(world):
    from portal.models import Page

    return db.session.get(Page, world["page"]), db.session.get(User, world["admin"])


def test_edit_version_counts_revisions_and_draft_changes(app, world):
    with app.app_context():
        page, admin = objects(world)
        assert edit_version(page) == "0.0"
        change_draft(page, "0.0", admin, set_hidden(f"p{live_ids(page)[0]}", True))
        db.session.commit()
        assert edit_version(page) == "1.1"
        change_draft(page, "1.1", admin, set_inheritance("header", True))
        db.session.commit()
        assert edit_version(page) == "1.2"
        publish(page, "1.2", admin)
        db.session.commit()
        assert edit_version(page) == "2.0"


def live_ids(page):
    return [
        p.id
        for p in db.session.scalars(
            select(Placement).where(Placement.page_id == page.id).order_by(Placement.position)
        )
    ]


def test_first_change_records_the_live_state_as_revision_one(app, world):
    with app.app_context():
        page, admin = objects(world)
        before = live_document(page)
        change_draft(page, "0.0", admin, add_block("probe", "main", {"x": 1}))
        db.session.commit()
        revision = db.session.scalar(select(PageRevision).where(PageRevision.page_id == page.id))
        assert (revision.number, revision.document) == (1, before)
        assert get_draft(page).updated_by_name == "Quản Trị"


def test_every_change_renumbers_positions(app, world):
    with app.app_context():
        page, admin = objects(world)
        first, second = live_ids(page)
        # Gaps and duplicates, as an old import might leave them.
        db.session.execute(update(Placement).where(Placement.id == first).values(position=5))
        db.session.execute(update(Placement).where(Placement.id == second).values(position=5))
        db.session.commit()

        draft = change_draft(page, "0.0", admin, add_block("probe", "sidebar", {}))
        db.session.commit()

        positions = {(i["region"], i["position"]) for i in draft.document["placements"]}
        assert positions == {("main", 0), ("main", 1), ("sidebar", 0)}


def test_stale_version_raises_conflict_and_writes_nothing(app, world):
    with app.app_context():
        page, admin = objects(world)
        change_draft(page, "0.0", admin, set_layout("main_sidebar"))
        db.session.commit()

        for stale in ("0.0", "1.0", "1.2", "2.1", "rác"):
            with pytest.raises(DraftConflict) as raised:
                change_draft(page, stale, admin, set_layout("one_column"))
            db.session.rollback()
            assert "Quản Trị" in str(raised.value)
        draft = get_draft(page)
        assert (draft.version, draft.document["layout"]) == (1, "main_sidebar")
        with pytest.raises(DraftConflict):
            publish(page, "1.0", admin)
        db.session.rollback()
        with pytest.raises(DraftConflict):
            discard_draft(page, "0.0")
        db.session.rollback()
        assert get_draft(page) is not None


def test_a_bad_change_writes_nothing(app, world):
    with app.app_context():
        page, admin = objects(world)
        with pytest.raises(DraftError):
            change_draft(page, "0.0", admin, remove_block("p999"))
        db.session.rollback()
        assert get_draft(page) is None
        assert db.session.scalars(select(PageRevision)).all() == []


def test_publish_keeps_ids_of_existing_placements(app, world):
    with app.app_context():
        page, admin = objects(world)
        toolbar, view = live_ids(page)
        change_draft(page, "0.0", admin, add_block("probe", "main", {"x": 1}))
        change_draft(page, "1.1", admin, move_block(f"p{view}", "footer", 0))
        change_draft(page, "1.2", admin, update_settings(f"p{toolbar}", {"show_print": False}))
        db.session.commit()

        revision = publish(page, "1.3", admin, "ghi chú")
        db.session.commit()

        rows = {
            p.id: p
            for p in db.session.scalars(select(Placement).where(Placement.page_id == page.id))
        }
        assert toolbar in rows and view in rows
        assert (rows[view].region, rows[view].position) == ("footer", 0)
        assert rows[toolbar].settings == {"show_print": False}
        (new_id,) = set(rows) - {toolbar, view}
        assert rows[new_id].block_name == "probe"
        # The revision holds the published rows, with their ids.
        assert {i["id"] for i in revision.document["placements"]} == set(rows)
        assert {i["key"] for i in revision.document["placements"]} == {f"p{i}" for i in rows}
        assert revision.document == live_document(page)
        assert (revision.number, revision.note, revision.published_by_name) == (
            2,
            "ghi chú",
            "Quản Trị",
        )
        assert get_draft(page) is None


def test_publish_touches_only_changed_rows(app, world):
    with app.app_context():
        page, admin = objects(world)
        toolbar, view = live_ids(page)
        versions = {p.id: p.version for p in db.session.scalars(select(Placement))}
        change_draft(page, "0.0", admin, set_hidden(f"p{view}", True))
        db.session.commit()
        publish(page, "1.1", admin)
        db.session.commit()
        after = {p.id: p.version for p in db.session.scalars(select(Placement))}
        assert after[toolbar] == versions[toolbar]  # same row version: caches stay valid
        assert after[view] == versions[view] + 1


def test_restore_refused_while_a_draft_exists_and_for_unknown_numbers(app, world):
    with app.app_context():
        page, admin = objects(world)
        change_draft(page, "0.0", admin, remove_block(f"p{live_ids(page)[0]}"))
        db.session.commit()
        with pytest.raises(DraftError, match="bản nháp"):
            restore(page, 1, admin)
        db.session.rollback()
        publish(page, "1.1", admin)
        db.session.commit()
        with pytest.raises(DraftError, match="số 7"):
            restore(page, 7, admin)
        db.session.rollback()

        revision = restore(page, 1, admin)
        db.session.commit()

        assert revision.number == 3
        assert [p["block_name"] for p in live_document(page)["placements"]] == [
            "bulletin_toolbar",
            "bulletin_view",
        ]


# -- two writers at the same moment ---------------------------------------------------------


def test_a_write_between_the_check_and_the_save_is_a_conflict(app_factory):
    """The version check is repeated by the UPDATE itself (a second connection sneaks in)."""
    app = app_factory()
    with app.app_context():
        created = sample_content()
        admin = User(email="a@example.org", name="A", role="admin", password_hash="x")
        db.session.add(admin)
        db.session.commit()
        page = created["article_page"]
        change_draft(page, "0.0", admin, set_layout("main_sidebar"))
        db.session.commit()

        def sneaky_change(document):
            with Session(db.engine) as other:
                other.execute(
                    update(PageDraft).where(PageDraft.page_id == page.id).values(version=2)
                )
                other.commit()
            document["layout"] = "one_column"

        with pytest.raises(DraftConflict):
            change_draft(page, "1.1", admin, sneaky_change)
        db.session.rollback()
        db.session.expire_all()
        assert get_draft(page).document["layout"] == "main_sidebar"


def test_two_first_drafts_at_the_same_moment_conflict(app_factory):
    app = app_factory()
    with app.app_context():
        created = sample_content()
        admin = User(email="a@example.org", name="A", role="admin", password_hash="x")
        db.session.add(admin)
        db.session.commit()
        page = created["article_page"]
        document = live_document(page)

        def sneaky_change(changed):
            with Session(db.engine) as other:
                other.add(PageDraft(page_id=page.id, document=document, version=1))
                other.commit()
            changed["layout"] = "main_sidebar"

        with pytest.raises(DraftConflict):
            change_draft(page, "0.0", admin, sneaky_change)
        db.session.rollback()
        db.session.expire_all()
        assert get_draft(page).document["layout"] == "one_column"


# -- in a unit of work: audit entries and events ------------------------------------------


def written_tags(app) -> list[set[str]]:
    with app.app_context():
        return [set(row.tags) for row in db.session.scalars(select(OutboxEvent))]


def test_editor_actions_refuse_to_run_outside_a_unit_of_work(app, world):
    with app.app_context():
        page, admin = objects(world)
        for action in (
            lambda: edit_draft(
                page, "0.0", admin, set_layout("main_sidebar"), action="a", summary="s"
            ),
            lambda: publish_draft(page, "0.0", admin),
            lambda: discard(page, "0.0"),
            lambda: restore_revision(page, 1, admin),
        ):
            with pytest.raises(RuntimeError, match="unit_of_work"):
                action()
        assert get_draft(page) is None


def test_publishing_the_root_announces_every_page_that_inherits_from_it(app, world):
    from portal.models import Page

    with app.app_context():
        grandchild = Page(kind="static", title="Cháu", path="/chau", parent_id=world["page"])
        other_root_child = Page(kind="static", title="Khác", path="/khac", parent_id=world["root"])
        db.session.add_all([grandchild, other_root_child])
        db.session.commit()
        heirs = {world["page"], grandchild.id, other_root_child.id}
    with events_written(app) as drafted, app.app_context():
        admin = db.session.get(User, world["admin"])
        root = db.session.get(Page, world["root"])
        with unit_of_work(Actor.of_user(admin)):
            edit_draft(
                root,
                "0.0",
                admin,
                set_layout("main_sidebar"),
                action="page.layout",
                summary="Bố cục",
            )
    assert drafted == []  # a draft is not seen by readers

    with events_written(app) as events, app.app_context():
        root = db.session.get(Page, world["root"])
        admin = db.session.get(User, world["admin"])
        with unit_of_work(Actor.of_user(admin)):
            revision = publish_draft(root, edit_version(root), admin, "Bố cục mới")
        number = revision.number
    assert events == [("published", "page", world["root"])]
    assert written_tags(app)[-1] == {f"page:{i}" for i in {world["root"], *heirs}}
    with app.app_context():
        actions = [a.action for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["page.layout", "page.publish"]
        assert db.session.get(Page, world["root"]).layout == "main_sidebar"
        assert number == 2


def test_a_stale_publish_in_a_unit_writes_nothing(app, world):
    from portal.models import Page

    with app.app_context():
        page, admin = objects(world)
        with unit_of_work(Actor.of_user(admin)):
            edit_draft(
                page, "0.0", admin, set_layout("main_sidebar"), action="page.layout", summary="s"
            )
    with events_written(app) as events, app.app_context():
        page, admin = objects(world)
        with pytest.raises(DraftConflict), unit_of_work(Actor.of_user(admin)):
            publish_draft(page, "1.0", admin)  # the screen saw no draft
    assert events == []
    with app.app_context():
        page = db.session.get(Page, world["page"])
        assert get_draft(page) is not None and page.layout == "one_column"
        assert (
            db.session.scalar(
                select(PageRevision.number).order_by(PageRevision.number.desc()).limit(1)
            )
            == 1
        )
        assert [a.action for a in db.session.scalars(select(AuditEntry))] == ["page.layout"]
