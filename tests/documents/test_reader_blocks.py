"""The blocks "Văn bản mới" and "Văn bản theo lĩnh vực", their cache, the menu entry,
the compliance item, and the demo's documents (SQLite: nothing here depends on the database)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

import blocks.documents
from blocks.documents.blocks import DocumentsByField, DocumentsLatest
from portal import content_changed, db, menu_items, unit_of_work
from portal.compliance import compliance_checks
from portal.testing import (
    assert_block_contract,
    make_app,
    place_block,
    render_page,
    sample_content,
)

from .reader_data import ACTOR, add_document, add_vocabularies, event


@pytest.fixture
def database_url():
    """SQLite only: what these tests check does not depend on the database."""
    return None


def titles(html: str, block_class: str = "documents-block") -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'<span class="documents-block__number">([^<]+)</span>', html)
    ]


def test_the_blocks_keep_the_block_contract():
    assert_block_contract(DocumentsLatest, sample_settings=[{"title": "Văn bản", "count": 3}])
    assert_block_contract(DocumentsByField, sample_settings=[{"field": "giao-duc", "count": 3}])


def test_the_blocks_show_the_newest_and_are_purged_by_a_change(tmp_path):
    app = make_app(
        plugins=[("documents", blocks.documents)],
        config={"PORTAL_CACHE_URL": "memory"},
        instance_path=str(tmp_path),
    )
    with app.app_context():
        sample_content(blocks=[])
        ids = add_vocabularies()
        for day in range(1, 5):
            add_document(ids, number=f"{day}/QĐ-UBND", issued_on=date(2025, 1, day),
                         summary=f"Quyết định {day}", field="giao-duc" if day % 2 else "y-te")  # fmt: skip
    place_block(app, "/", "main", "documents_latest", {"title": "Văn bản mới", "count": 3})
    place_block(
        app, "/", "main", "documents_by_field", {"title": "", "field": "giao-duc", "count": 5}
    )
    client = app.test_client()
    html = render_page(client, "/")
    latest, by_field = html.split('class="documents-block"')[1:3]
    assert titles(latest) == [
        "Quyết định 4/QĐ-UBND",
        "Quyết định 3/QĐ-UBND",
        "Quyết định 2/QĐ-UBND",
    ]
    assert titles(by_field) == ["Quyết định 3/QĐ-UBND", "Quyết định 1/QĐ-UBND"]
    assert ">Văn bản lĩnh vực Giáo dục</h2>" in by_field
    assert 'href="/van-ban?linh-vuc=giao-duc"' in by_field
    assert "/_blocks/documents_latest/documents.css?v=" in html

    with app.app_context():
        from blocks.documents.models import Document

        with unit_of_work(ACTOR):  # behind the plugin's back: no event, the cache stays
            db.session.get(Document, 1).issued_on = date(2025, 2, 1)
        assert titles(render_page(client, "/").split('class="documents-block"')[1])[0] == (
            "Quyết định 4/QĐ-UBND"
        )
        add_document(
            ids, number="9/QĐ-UBND", issued_on=date(2025, 3, 1), summary="Mới", field="giao-duc"
        )  # fmt: skip  (its event purges the tag "documents")
    html = render_page(client, "/")
    latest, by_field = html.split('class="documents-block"')[1:3]
    assert titles(latest) == [
        "Quyết định 9/QĐ-UBND",
        "Quyết định 1/QĐ-UBND",
        "Quyết định 4/QĐ-UBND",
    ]
    assert titles(by_field)[:2] == ["Quyết định 9/QĐ-UBND", "Quyết định 1/QĐ-UBND"]

    with app.app_context(), unit_of_work(ACTOR):  # unpublishing with its event: out of both
        db.session.get(Document, 5).state = "draft"
        content_changed(event("unpublished", 5))
    assert "9/QĐ-UBND" not in render_page(client, "/")


def test_a_field_that_is_gone_shows_editors_why_and_readers_nothing(app):
    with app.app_context():
        sample_content(blocks=[])
        add_vocabularies()
    place_block(app, "/", "main", "documents_by_field", {"field": "giao-duc"})
    with app.app_context():
        from blocks.documents.models import Field

        db.session.delete(db.session.scalar(db.select(Field).where(Field.slug == "giao-duc")))
        db.session.commit()
    client = app.test_client()
    assert "documents-block" not in render_page(client, "/")
    assert "Không còn lĩnh vực “giao-duc”" in render_page(client, "/", as_editor=True)


def test_settings_refuse_an_unknown_field_when_saved_from_the_admin(app):
    from portal.blocks import SettingsContext

    with app.app_context():
        add_vocabularies()
        block = DocumentsByField()
        _clean, errors = block.validate_settings({"field": "khong-co"}, SettingsContext())
        assert "Không có lĩnh vực “khong-co”" in str(errors)
        clean, errors = block.validate_settings({"field": "y-te", "count": 2}, SettingsContext())
        assert not errors and clean["field"] == "y-te"
        _clean, errors = block.validate_settings({"field": "y-te", "count": 99}, SettingsContext())
        assert "từ 1 đến 20" in str(errors)


def test_menu_entry_and_compliance_item(app):
    with app.test_request_context("/"):
        assert [(i.label, i.url) for i in menu_items("main") if i.url == "/van-ban"] == [
            ("Văn bản", "/van-ban")
        ]
        check = next(c for c in compliance_checks() if c.key == "documents")
        assert not check.met and check.fix_url == "/admin/van-ban"
        ids = add_vocabularies()
        add_document(ids, number="1/QĐ-UBND", issued_on=date(2025, 1, 1), summary="Một")
        add_document(
            ids, number="2/QĐ-UBND", issued_on=date(2025, 1, 2), summary="Hai", state="draft"
        )
        check = next(c for c in compliance_checks() if c.key == "documents")
        assert check.met and check.detail.startswith("1 văn bản đã công bố")


def test_the_demo_loads_at_least_thirty_documents_once(app):
    from blocks.documents.demo import load_demo
    from blocks.documents.models import Document, DocumentFile, DocumentRelation
    from portal import Actor, SearchQuery, search

    actor = Actor.system("Nội dung mẫu")
    with app.app_context():
        first = load_demo(actor)
        count = db.session.scalar(db.select(db.func.count()).select_from(Document))
        assert count >= 30 and first == f"{count} văn bản"
        assert db.session.scalar(db.select(db.func.count()).select_from(DocumentFile)) == count
        relations = db.session.scalar(db.select(db.func.count()).select_from(DocumentRelation))
        assert relations >= 10 and relations % 2 == 0  # both directions
        assert db.session.scalar(db.select(db.func.count(db.distinct(Document.type_id)))) >= 6
        assert db.session.scalar(db.select(db.func.count(db.distinct(Document.issuer_id)))) >= 5
        assert db.session.scalar(db.select(db.func.count(db.distinct(Document.status)))) == 3
        assert search(SearchQuery("30-CT/TW", kinds=("document",))).total >= 1
        assert load_demo(actor) is None  # nothing missing: nothing added
        assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == count
    client = app.test_client()
    listing = client.get("/van-ban").get_data(as_text=True)
    assert f"Có <strong>{count}</strong> văn bản" in listing
    first_document = re.search(r'<th scope="row"[^>]*><a href="([^"]+)"', listing).group(1)
    page = client.get(first_document).get_data(as_text=True)
    download = client.get(unescape(re.search(r'href="(/van-ban/tep/[^"]+)"', page).group(1)))
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-1.4") and b"/Type /Page " in download.data
