"""The category tree in the admin: create, rename, move, reorder, delete (with its rules)."""

from __future__ import annotations

import re

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, field_errors, make_user, text_of
from sqlalchemy import select

from portal.content.demo import load_demo
from portal.content.page_drafts import add_block, change_draft, edit_version
from portal.extensions import db
from portal.models import Article, AuditEntry, Category, Page, PageDraft, Placement, User
from portal.models.events import OutboxEvent
from portal.testing import events_written


@pytest.fixture
def app_config():
    return {"PORTAL_CACHE_URL": "memory", "PORTAL_VIEW_COUNTER": False}


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo()


@pytest.fixture
def editor(app, demo):
    return client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))


def ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Category.slug, Category.id)).all())


def category(app, slug: str) -> Category | None:
    with app.app_context():
        found = db.session.scalar(select(Category).where(Category.slug == slug))
        if found is not None:
            db.session.expunge(found)
        return found


def siblings(app, parent_slug: str | None) -> list[str]:
    with app.app_context():
        parent = ids(app).get(parent_slug) if parent_slug else None
        query = select(Category.slug).order_by(Category.position, Category.name)
        query = query.where(
            Category.parent_id.is_(None) if parent is None else Category.parent_id == parent
        )
        return list(db.session.scalars(query))


def post_form(client, url: str, data: dict):
    page = client.get(url)
    assert page.status_code == 200, url
    return client.post(url, data={"csrf_token": csrf_of(page.get_data(as_text=True)), **data})


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_list_shows_the_tree_in_menu_order_with_article_counts(app, editor):
    html = editor.get("/admin/categories").get_data(as_text=True)
    names = re.findall(
        r'<th scope="row"[^>]*>.*?<a href="/admin/categories/\d+">([^<]+)</a>', html, re.S
    )
    assert names[:3] == ["Thời sự", "Chính trị", "Xã hội"]  # children right under their parent
    assert names.index("Kinh tế") == 3
    row = re.search(rf'id="chuyen-muc-{ids(app)["chinh-tri"]}".*?</tr>', html, re.S).group(0)
    assert "tree-row--depth-1" in row and "/chuyen-muc/chinh-tri" in row
    with app.app_context():
        count = len(
            list(
                db.session.scalars(
                    select(Article.id).where(Article.category_id == ids(app)["chinh-tri"])
                )
            )
        )
    assert f'<td class="nowrap">{count}</td>' in row
    first = re.search(rf'id="chuyen-muc-{ids(app)["thoi-su"]}".*?</tr>', html, re.S).group(0)
    assert re.search(r'value="up">\s*<button type="submit" class="small-button" disabled', first)


def test_create_makes_a_unique_slug_from_the_vietnamese_name(app, editor):
    response = post_form(editor, "/admin/categories/new", {"name": "Đời sống – Xã hội", "slug": "",
                                                           "parent_id": "0", "description": "Mô tả"})  # fmt: skip
    assert response.status_code == 302
    created = category(app, "doi-song-xa-hoi")
    assert created is not None and created.parent_id is None
    assert siblings(app, None)[-1] == "doi-song-xa-hoi"  # placed after its siblings

    again = post_form(editor, "/admin/categories/new", {"name": "Đời sống - xã hội", "slug": "",
                                                        "parent_id": str(ids(app)["thoi-su"])})  # fmt: skip
    assert again.status_code == 302
    assert category(app, "doi-song-xa-hoi-2").parent_id == ids(app)["thoi-su"]
    assert audit_actions(app)[-2:] == ["category.create", "category.create"]


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Thể Thao", "Gợi ý: “the-thao”"),
        ("kinh-te", "Đường dẫn này đã thuộc chuyên mục “Kinh tế”. Gợi ý: “kinh-te-2”"),
    ],
)
def test_a_bad_or_taken_slug_is_refused_with_a_suggestion(app, editor, slug, message):
    before = ids(app)
    response = post_form(
        editor, "/admin/categories/new", {"name": "Thể thao", "slug": slug, "parent_id": "0"}
    )
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response.get_data(as_text=True), "slug"))
    assert ids(app) == before


def test_rename_shows_at_once_on_reader_pages(app, editor):
    reader = app.test_client()
    assert "Kinh tế" in text_of(reader.get("/").get_data(as_text=True))  # menu now cached
    category_id = ids(app)["kinh-te"]
    response = post_form(editor, f"/admin/categories/{category_id}",
                         {"name": "Kinh tế – Đầu tư", "slug": "kinh-te", "parent_id": "0",
                          "description": "Mới"})  # fmt: skip
    assert response.status_code == 302
    home = text_of(reader.get("/").get_data(as_text=True))
    assert "Kinh tế – Đầu tư" in home
    assert "Kinh tế – Đầu tư" in text_of(reader.get("/chuyen-muc/kinh-te").get_data(as_text=True))


def test_move_under_another_parent_but_never_under_itself(app, editor):
    tree = ids(app)
    url = f"/admin/categories/{tree['thoi-su']}"
    for parent in ("thoi-su", "chinh-tri"):  # itself, its own child
        refused = post_form(
            editor, url, {"name": "Thời sự", "slug": "thoi-su", "parent_id": str(tree[parent])}
        )
        assert refused.status_code == 422
        assert "không thể nằm dưới chính nó" in " ".join(
            field_errors(refused.get_data(as_text=True), "parent_id")
        )
    assert category(app, "thoi-su").parent_id is None

    moved = post_form(editor, f"/admin/categories/{tree['xa-hoi']}",
                      {"name": "Xã hội", "slug": "xa-hoi", "parent_id": str(tree["kinh-te"])})  # fmt: skip
    assert moved.status_code == 302
    assert siblings(app, "kinh-te") == ["xa-hoi"]
    assert siblings(app, "thoi-su") == ["chinh-tri"]
    with app.app_context():
        positions = [
            c.position
            for c in db.session.scalars(
                select(Category).where(Category.parent_id == tree["thoi-su"])
            )
        ]
    assert positions == [0]  # the old siblings closed the gap


def test_changing_a_slug_updates_the_blocks_that_name_it(app, editor):
    tree = ids(app)
    with app.app_context():
        admin = db.session.get(User, make_user(app, "quantri@example.org", "admin"))
        home = db.session.scalar(select(Page).where(Page.path == "/"))
        change_draft(home, edit_version(home), admin,
                     add_block("article_list", "main", {"title": "Thể thao", "category": "giao-duc"}))  # fmt: skip
        db.session.commit()
        home_id = home.id
        live_before = [
            p.id
            for p in db.session.scalars(select(Placement))
            if p.settings.get("category") == "giao-duc"
        ]
    assert live_before  # the demo home page lists Giáo dục

    response = post_form(editor, f"/admin/categories/{tree['giao-duc']}",
                         {"name": "Giáo dục", "slug": "giao-duc-dao-tao", "parent_id": "0"})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        for placement_id in live_before:
            assert (
                db.session.get(Placement, placement_id).settings["category"] == "giao-duc-dao-tao"
            )
        draft = db.session.get(PageDraft, home_id)
        named = [i["settings"].get("category") for i in draft.document["placements"]]
        assert "giao-duc" not in named and named.count("giao-duc-dao-tao") >= 2
    reader = app.test_client()
    # The old address is kept as a redirect to the new one (portal.content.redirects).
    moved = reader.get("/chuyen-muc/giao-duc")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/chuyen-muc/giao-duc-dao-tao")
    assert reader.get("/chuyen-muc/giao-duc-dao-tao").status_code == 200


def test_reorder_with_up_and_down(app, editor):
    tree = ids(app)
    order = siblings(app, None)
    token = csrf_of(editor.get("/admin/categories").get_data(as_text=True))

    editor.post(
        f"/admin/categories/{tree['kinh-te']}/move", data={"csrf_token": token, "direction": "up"}
    )
    assert siblings(app, None) == ["kinh-te", "thoi-su", *order[2:]]
    editor.post(
        f"/admin/categories/{tree['kinh-te']}/move", data={"csrf_token": token, "direction": "up"}
    )
    assert siblings(app, None)[0] == "kinh-te"  # already first: nothing moves
    editor.post(
        f"/admin/categories/{tree['quoc-phong-an-ninh']}/move",
        data={"csrf_token": token, "direction": "down"},
    )
    editor.post(
        f"/admin/categories/{tree['chinh-tri']}/move",
        data={"csrf_token": token, "direction": "down"},
    )
    assert siblings(app, "thoi-su") == ["xa-hoi", "chinh-tri"]
    bad = editor.post(
        f"/admin/categories/{tree['chinh-tri']}/move",
        data={"csrf_token": token, "direction": "sideways"},
    )
    assert bad.status_code == 400
    with app.app_context():
        positions = list(
            db.session.scalars(
                select(Category.position)
                .where(Category.parent_id.is_(None))
                .order_by(Category.position)
            )
        )
    assert positions == list(range(len(order)))


def test_delete_is_refused_while_subcategories_or_pages_depend_on_it(app, editor):
    tree = ids(app)
    before = ids(app)
    for slug, reason in (
        ("thoi-su", "có 2 chuyên mục con"),
        ("van-hoa-du-lich", "đang gắn với chuyên mục này"),
    ):
        url = f"/admin/categories/{tree[slug]}/delete"
        page = editor.get(url).get_data(as_text=True)
        assert (
            reason in text_of(page)
            and "<button" not in page.split("<main", 1)[1].split("</form>")[-1]
        )
        refused = editor.post(
            url, data={"csrf_token": csrf_of(page), "move_to": str(tree["kinh-te"])}
        )
        assert refused.status_code == 409
        assert reason in text_of(refused.get_data(as_text=True))
    assert ids(app) == before


def test_delete_moves_the_articles_in_the_same_step(app, editor):
    tree = ids(app)
    with app.app_context():
        moving = {
            a.id: a.version
            for a in db.session.scalars(
                select(Article).where(Article.category_id == tree["chinh-tri"])
            )
        }
    assert moving
    url = f"/admin/categories/{tree['chinh-tri']}/delete"
    page = editor.get(url).get_data(as_text=True)
    assert f"Chuyên mục này có {len(moving)} bài viết" in text_of(page)

    unchosen = editor.post(url, data={"csrf_token": csrf_of(page), "move_to": "0"})
    assert unchosen.status_code == 422
    assert field_errors(unchosen.get_data(as_text=True), "move_to") == [
        "Hãy chọn chuyên mục nhận bài viết."
    ]
    assert category(app, "chinh-tri") is not None

    done = editor.post(url, data={"csrf_token": csrf_of(page), "move_to": str(tree["xa-hoi"])})
    assert done.status_code == 302
    assert category(app, "chinh-tri") is None
    with app.app_context():
        for article_id, version in moving.items():
            article = db.session.get(Article, article_id)
            assert article.category_id == tree["xa-hoi"]
            assert article.version == version + 1  # an open edit form of it is now stale
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "category.delete"))
        assert sorted(entry.before["moved_articles"]) == sorted(moving)
    assert app.test_client().get("/chuyen-muc/chinh-tri").status_code == 404
    assert siblings(app, "thoi-su") == ["xa-hoi"]


def test_an_empty_category_is_deleted_without_a_target(app, editor):
    created = post_form(editor, "/admin/categories/new", {"name": "Tạm thời", "parent_id": "0"})
    assert created.status_code == 302
    url = f"/admin/categories/{ids(app)['tam-thoi']}/delete"
    page = editor.get(url).get_data(as_text=True)
    assert "không có bài viết nào" in text_of(page) and 'name="move_to"' not in page
    assert editor.post(url, data={"csrf_token": csrf_of(page)}).status_code == 302
    assert category(app, "tam-thoi") is None


# -- what each change writes: audit entries and exactly its events ------------------------


def last_event_tags(app) -> set[str]:
    with app.app_context():
        row = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.id.desc()).limit(1))
        return set(row.tags)


def tree_state(app) -> list[tuple]:
    """Every category and where every article is: what a refused change must leave alone."""
    with app.app_context():
        db.session.expire_all()
        return [
            *db.session.execute(
                select(Category.id, Category.slug, Category.parent_id, Category.position).order_by(
                    Category.id
                )
            ).all(),
            *db.session.execute(
                select(Article.id, Article.category_id, Article.version).order_by(Article.id)
            ).all(),
        ]


def test_creating_is_audited_and_announced(app, editor):
    with events_written(app) as events:
        response = post_form(
            editor, "/admin/categories/new", {"name": "Thể thao", "parent_id": "0"}
        )
    assert response.status_code == 302
    created = ids(app)["the-thao"]
    assert events == [("created", "category", created)]
    assert last_event_tags(app) == {"categories", f"category:{created}"}
    assert audit_actions(app)[-1] == "category.create"


def test_editing_announces_the_category_its_parents_and_the_pages_it_touched(app, editor):
    tree = ids(app)
    with events_written(app) as events:
        response = post_form(editor, f"/admin/categories/{tree['xa-hoi']}",
                             {"name": "Xã hội", "slug": "xa-hoi", "parent_id": str(tree["kinh-te"])})  # fmt: skip
    assert response.status_code == 302
    assert events == [("edited", "category", tree["xa-hoi"])]
    assert last_event_tags(app) == {
        "categories",
        "articles",
        f"category:{tree['xa-hoi']}",
        f"category:{tree['thoi-su']}",  # the old parent
        f"category:{tree['kinh-te']}",  # the new one
    }
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert entry.action == "category.update"
        assert (entry.before["parent_id"], entry.after["parent_id"]) == (
            tree["thoi-su"],
            tree["kinh-te"],
        )
        assert entry.user_name.endswith("<bientap@example.org>")  # the unit's actor

    with app.app_context():
        home = db.session.scalar(select(Page.id).where(Page.path == "/"))
    with events_written(app) as renamed:
        post_form(editor, f"/admin/categories/{tree['giao-duc']}",
                  {"name": "Giáo dục", "slug": "giao-duc-moi", "parent_id": "0"})  # fmt: skip
    # The old address redirects to the new one (docs/seo-and-redirects.md).
    assert [event for event in renamed if event[1] == "category"] == [
        ("edited", "category", tree["giao-duc"])
    ]
    assert [event[:2] for event in renamed if event[1] == "redirect"] == [("created", "redirect")]
    assert f"page:{home}" in last_event_tags(app)  # its blocks now name the new slug

    with events_written(app) as unchanged:
        post_form(editor, f"/admin/categories/{tree['giao-duc']}",
                  {"name": "Giáo dục", "slug": "giao-duc-moi", "parent_id": "0"})  # fmt: skip
    assert unchanged == []


def test_moving_under_its_own_child_changes_nothing_and_writes_no_event(app, editor):
    """The form hides such parents; the content layer refuses them too (a stale form)."""
    from portal.content import categories
    from portal.content.categories import CategoryError
    from portal.content.unit_of_work import unit_of_work

    tree = ids(app)
    before, audit_before = tree_state(app), audit_actions(app)
    with events_written(app) as events, app.app_context():
        thoi_su = db.session.get(Category, tree["thoi-su"])
        for parent in ("thoi-su", "chinh-tri"):
            with (
                pytest.raises(CategoryError, match="không thể nằm dưới chính nó"),
                unit_of_work(),
            ):
                categories.edit(thoi_su, name="Thời sự", slug="thoi-su", parent_id=tree[parent])
    assert events == []
    assert tree_state(app) == before and audit_actions(app) == audit_before


def test_reordering_is_audited_and_announced(app, editor):
    tree = ids(app)
    token = csrf_of(editor.get("/admin/categories").get_data(as_text=True))
    with events_written(app) as events:
        editor.post(
            f"/admin/categories/{tree['kinh-te']}/move",
            data={"csrf_token": token, "direction": "up"},
        )
    assert events == [("edited", "category", tree["kinh-te"])]
    assert audit_actions(app)[-1] == "category.reorder"

    first = siblings(app, None)[0]
    before = tree_state(app)
    with events_written(app) as nothing:
        editor.post(
            f"/admin/categories/{tree[first]}/move", data={"csrf_token": token, "direction": "up"}
        )
        editor.post(
            f"/admin/categories/{tree[first]}/move", data={"csrf_token": token, "direction": "left"}
        )
    assert nothing == []
    assert tree_state(app) == before


def test_deleting_with_articles_is_refused_without_a_target_and_announced_with_one(app, editor):
    tree = ids(app)
    url = f"/admin/categories/{tree['chinh-tri']}/delete"
    token = csrf_of(editor.get(url).get_data(as_text=True))
    before, audit_before = tree_state(app), audit_actions(app)

    with events_written(app) as refused:
        assert editor.post(url, data={"csrf_token": token, "move_to": "0"}).status_code == 422
        parent = f"/admin/categories/{tree['thoi-su']}/delete"
        assert editor.post(parent, data={"csrf_token": token}).status_code == 409
    assert refused == []
    assert tree_state(app) == before and audit_actions(app) == audit_before

    with app.app_context():
        moved = set(
            db.session.scalars(select(Article.id).where(Article.category_id == tree["chinh-tri"]))
        )
    with events_written(app) as events:
        response = editor.post(url, data={"csrf_token": token, "move_to": str(tree["kinh-te"])})
    assert response.status_code == 302
    assert events == [("deleted", "category", tree["chinh-tri"])]
    assert last_event_tags(app) == {
        "categories",
        "articles",
        f"category:{tree['chinh-tri']}",
        f"category:{tree['kinh-te']}",
        *(f"article:{i}" for i in moved),
    }
    assert audit_actions(app)[-1] == "category.delete"


def test_the_content_layer_refuses_a_delete_with_articles_and_no_target(app, demo):
    from portal.content import categories
    from portal.content.categories import CategoryError
    from portal.content.unit_of_work import Actor, unit_of_work

    before = tree_state(app)
    with events_written(app) as events, app.app_context():
        chinh_tri = db.session.get(Category, ids(app)["chinh-tri"])
        for target in (None, chinh_tri.id):  # no target; itself
            with (
                pytest.raises(CategoryError, match="Hãy chọn chuyên mục nhận bài viết."),
                unit_of_work(Actor.system("thử")),
            ):
                categories.delete(chinh_tri, move_articles_to=target)
    assert events == []
    assert tree_state(app) == before
