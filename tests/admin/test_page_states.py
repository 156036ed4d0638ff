"""Pages have a state: a page made in the admin starts as a draft readers do not see;
a page can be taken off the site and put back (confirmed first, audited, announced);
menus and sitemaps leave out what readers cannot open. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from menus.helpers import make_site
from sqlalchemy import select

from blocks.menus import store
from portal import Actor
from portal.content import pages as page_content
from portal.content.unit_of_work import unit_of_work
from portal.extensions import db
from portal.models import AuditEntry, Page
from portal.testing import events_written

from .admin_helpers import client_signed_in_as, csrf_of, make_user

ACTOR = Actor.system("Kiểm thử")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PORTAL_DISABLED_PLUGINS": ["documents", "questions", "site_profile"]}


@pytest.fixture
def site(app):
    with app.app_context():
        return make_site()


@pytest.fixture
def admin(app, site):
    return client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))


def published(app, page_id: int) -> bool:
    with app.app_context():
        db.session.expire_all()
        return db.session.get(Page, page_id).published


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def set_state(client, page_id: int, value: str, **extra):
    token = csrf_of(client.get(f"/admin/pages/{page_id}").get_data(as_text=True))
    return client.post(
        f"/admin/pages/{page_id}/state", data={"csrf_token": token, "published": value, **extra}
    )


def test_a_new_page_is_a_draft_readers_cannot_open_and_editors_preview(app, site, admin):
    token = csrf_of(admin.get("/admin/pages/new").get_data(as_text=True))
    response = admin.post(
        "/admin/pages/new",
        data={
            "csrf_token": token,
            "title": "Tuyển dụng",
            "kind": "static",
            "path": "/tuyen-dung",
            "parent_id": str(site["home"]),
            "category_id": "0",
            "language": "vi",
            "translation_of_id": "0",
            "layout": "one_column",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        page = db.session.scalar(select(Page).where(Page.path == "/tuyen-dung"))
        page_id = page.id
        assert page.published is False
    assert app.test_client().get("/tuyen-dung").status_code == 404
    assert admin.get(f"/admin/pages/{page_id}/preview").status_code == 200
    editor_html = admin.get(f"/admin/pages/{page_id}").get_data(as_text=True)
    assert "Trang chưa đưa lên trang web" in editor_html
    assert "Chưa đưa lên trang web" in admin.get("/admin/pages").get_data(as_text=True)

    assert set_state(admin, page_id, "1").status_code == 302

    assert published(app, page_id)
    assert app.test_client().get("/tuyen-dung").status_code == 200
    assert audit_actions(app)[-1] == "page.republish"


def test_taking_a_page_off_the_site_asks_first_then_404s_and_comes_back(app, site, admin):
    reader = app.test_client()
    assert reader.get("/gioi-thieu").status_code == 200

    with events_written(app) as events:
        asked = set_state(admin, site["about"], "0")
    # Without confirmed=1 (no JavaScript): a page that asks, and nothing changed.
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Gỡ trang “Giới thiệu” khỏi trang web?" in html
    assert 'name="confirmed" value="1"' in html and 'name="published" value="0"' in html
    assert published(app, site["about"]) and events == []

    with events_written(app) as events:
        done = set_state(admin, site["about"], "0", confirmed="1")
    assert done.status_code == 302
    assert not published(app, site["about"])
    assert events == [("unpublished", "page", site["about"])]
    assert audit_actions(app)[-1] == "page.unpublish"
    assert reader.get("/gioi-thieu").status_code == 404

    with events_written(app) as events:
        assert set_state(admin, site["about"], "1").status_code == 302
    assert events == [("published", "page", site["about"])]
    assert reader.get("/gioi-thieu").status_code == 200


def test_the_root_page_and_default_templates_stay_and_others_may_not_try(app, site, admin):
    response = set_state(admin, site["home"], "0", confirmed="1")
    assert response.status_code == 302
    assert published(app, site["home"])
    assert "Không thể gỡ trang gốc" in admin.get("/admin/pages").get_data(as_text=True)
    # Nor the default category page: every category without its own page uses it.
    with app.app_context():
        default = db.session.scalar(select(Page.id).where(Page.kind == "category"))
    set_state(admin, default, "0", confirmed="1")
    assert published(app, default)
    assert "Không thể gỡ mẫu trang mặc định" in admin.get(f"/admin/pages/{default}").get_data(
        as_text=True
    )
    editor = client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))
    token = csrf_of(editor.get("/admin/").get_data(as_text=True))
    refused = editor.post(
        f"/admin/pages/{site['about']}/state",
        data={"csrf_token": token, "published": "0", "confirmed": "1"},
    )
    assert refused.status_code == 403
    assert published(app, site["about"])
    assert set_state(admin, site["about"], "maybe").status_code == 400


def test_menus_and_sitemaps_leave_out_an_unpublished_page(app, site):
    with app.app_context():
        menu = store.create_menu(ACTOR, slug="footer", title="Chân trang")
        store.add_item(
            ACTOR, menu, label="Giới thiệu", kind="page", target_id=site["about"], url="",
            new_tab=False,
        )  # fmt: skip
        store.publish(ACTOR, menu)
    reader = app.test_client()
    assert 'href="/gioi-thieu"' in reader.get("/").get_data(as_text=True)
    sitemap = reader.get("/sitemap-pages.xml")
    assert sitemap.status_code == 200 and "/gioi-thieu</loc>" in sitemap.get_data(as_text=True)

    with app.app_context(), unit_of_work(ACTOR):
        page_content.set_published(db.session.get(Page, site["about"]), False)

    assert 'href="/gioi-thieu"' not in reader.get("/").get_data(as_text=True)
    pages_map = reader.get("/sitemap-pages.xml").get_data(as_text=True)
    assert "/gioi-thieu</loc>" not in pages_map and "/lien-he</loc>" in pages_map


def test_existing_pages_stay_published_through_the_migration(app, site):
    with app.app_context():
        assert all(db.session.scalars(select(Page.published)))
