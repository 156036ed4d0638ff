"""Documents in the site search, on SQLite and PostgreSQL: by number as typed, by folded summary.

The documents are written with their content events, so what is found was
indexed by the outbox's ``search`` consumer, as on a real site.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from portal import SearchQuery, search
from portal.extensions import db
from portal.models import Page, Placement

from .reader_data import ACTOR, add_document, add_vocabularies, event


def numbers(html: str) -> list[str]:
    return [
        unescape(n) for n in re.findall(r'<th scope="row"[^>]*><a href="[^"]+">([^<]+)</a>', html)
    ]


def test_documents_are_found_by_number_summary_and_on_the_search_page(app):
    from portal import content_changed, unit_of_work

    with app.app_context():
        ids = add_vocabularies()
        reference = add_document(
            ids, type="chi-thi", issuer="bo-chinh-tri", number="30-CT/TW", issued_on=date(1998, 2, 18),
            summary="Về xây dựng và thực hiện Quy chế dân chủ ở cơ sở", field="giao-duc",
        )  # fmt: skip
        add_document(
            ids, number="30/QĐ-UBND", issued_on=date(2024, 3, 1),
            summary="Chỉ thị về CT năm TW và số 30 rời nhau", field="y-te",
        )  # fmt: skip
        draft = add_document(
            ids,
            number="31-CT/TW",
            issued_on=date(2024, 3, 2),
            summary="Chỉ thị nháp",
            state="draft",
        )
        hits = search(SearchQuery("30-CT/TW", kinds=("document",))).hits
        assert [hit.object_id for hit in hits] == [reference]
        assert hits[0].title.startswith("Chỉ thị 30-CT/TW: Về xây dựng")
        assert hits[0].url.endswith("-chi-thi-30-ct-tw")
        folded = search(SearchQuery("chi thi 30", kinds=("document",))).hits
        assert reference in [hit.object_id for hit in folded]
        assert draft not in [hit.object_id for hit in folded]
        assert [h.object_id for h in search(SearchQuery("quy che dan chu")).hits] == [reference]

        # Unpublishing removes it from the index (the event's consumer asks the provider).
        from blocks.documents.models import Document

        with unit_of_work(ACTOR):
            db.session.get(Document, reference).state = "draft"
            content_changed(event("unpublished", reference))
        assert search(SearchQuery("30-CT/TW", kinds=("document",))).hits == []

    client = app.test_client()
    html = client.get("/van-ban?q=30%2FQĐ-UBND").get_data(as_text=True)
    assert numbers(html) == ["30/QĐ-UBND"]
    html = client.get("/van-ban?q=chi+thi&linh-vuc=giao-duc").get_data(as_text=True)
    assert numbers(html) == []  # the reference is unpublished now; the other is "y-te"
    html = client.get("/van-ban?q=roi+nhau&linh-vuc=y-te").get_data(as_text=True)
    assert numbers(html) == ["30/QĐ-UBND"]
    search_page_finds_documents_and_filters_by_kind(app, reference)  # same app: one database set-up


def search_page_finds_documents_and_filters_by_kind(app, reference: int):
    """/tim-kiem lists documents marked "Văn bản" and narrows to one kind with ?loai=."""
    from blocks.documents.models import Document
    from portal import content_changed, unit_of_work

    with app.app_context():
        with unit_of_work(ACTOR):  # published again, with its event: back in the index
            db.session.get(Document, reference).state = "published"
            content_changed(event("published", reference))
        root = Page(
            kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[]
        )
        db.session.add(root)
        db.session.flush()
        page = Page(kind="search", title="Tìm kiếm", path="/tim-kiem", parent_id=root.id,
                    layout="one_column", blocked_regions=["main"])  # fmt: skip
        db.session.add(page)
        db.session.flush()
        db.session.add_all([
            Placement(page_id=page.id, region="main", position=0, block_name="search_filters", settings={}),
            Placement(page_id=page.id, region="main", position=1, block_name="search_results", settings={}),
        ])  # fmt: skip
        db.session.commit()
    client = app.test_client()
    html = client.get("/tim-kiem?q=chi+thi+30").get_data(as_text=True)
    assert f'href="/van-ban/{reference}-chi-thi-30-ct-tw"' in html
    assert '<span class="search-hit__kind">Văn bản</span>' in html
    assert '<option value="document">Văn bản</option>' in html
    only = client.get("/tim-kiem?q=chi+thi+30&loai=document").get_data(as_text=True)
    assert f"/van-ban/{reference}-" in only and '<option value="document" selected>' in only
    articles = client.get("/tim-kiem?q=chi+thi+30&loai=article").get_data(as_text=True)
    assert f"/van-ban/{reference}-" not in articles
    bad = client.get("/tim-kiem?q=chi+thi+30&loai=khong-co").get_data(as_text=True)
    assert "Không có loại nội dung đã chọn" in bad and f"/van-ban/{reference}-" in bad
