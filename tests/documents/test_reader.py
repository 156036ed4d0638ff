"""The readers' pages of the legal documents: /van-ban, a document's page, its files.

Read-only checks share one SQLite site (built once for the module); what
depends on the database (search by number and by folded summary) runs on
SQLite and PostgreSQL in test_search.py.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

import blocks.documents
from portal.extensions import db
from portal.testing import count_queries, make_account, make_app, signed_in_client

from .reader_data import REFERENCE_SUMMARY, add_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = make_app(
        plugins=[("documents", blocks.documents)],
        instance_path=str(tmp_path_factory.mktemp("documents-reader")),
    )
    with app.app_context():
        docs = add_site()
    yield app, docs
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def get(app, path, status=200):
    response = app.test_client().get(path)
    assert response.status_code == status, (path, response.status_code)
    return response


def rows(html: str) -> list[str]:
    """The numbers in the list's table, in order."""
    return [
        unescape(n) for n in re.findall(r'<th scope="row"[^>]*><a href="[^"]+">([^<]+)</a>', html)
    ]


def notes(html: str) -> str:
    match = re.search(r'<div class="documents__notes" role="note">(.*?)</div>', html, re.S)
    return unescape(match.group(1)) if match else ""


def test_the_list_shows_published_documents_newest_first_twenty_a_page(site):
    app, _docs = site
    html = get(app, "/van-ban").get_data(as_text=True)
    first = rows(html)
    assert len(first) == 20
    # Newest by date of issue: the letter (2025-06-01), then decisions 24, 23 ...
    assert first[:3] == ["77/UBND-VX", "124/QĐ-UBND", "123/QĐ-UBND"]
    assert "999/QĐ-UBND" not in html and "998/QĐ-UBND" not in html  # draft, scheduled
    assert "Có <strong>26</strong> văn bản" in html
    second = rows(get(app, "/van-ban?trang=2").get_data(as_text=True))
    assert second == [f"{100 + n}/QĐ-UBND" for n in (5, 4, 3, 2, 1)] + ["30-CT/TW"]
    assert not set(first) & set(second)


def test_each_row_has_number_type_date_summary_and_status_in_an_accessible_table(site):
    app, docs = site
    html = get(app, "/van-ban?loai=chi-thi").get_data(as_text=True)
    assert rows(html) == ["30-CT/TW"]
    table = html[html.index('<table class="documents-table">') : html.index("</table>")]
    assert "<caption" in table and table.count('scope="col"') == 5
    assert f'href="/van-ban/{docs["reference"]}-chi-thi-30-ct-tw"' in table
    assert "Chỉ thị" in table and "18/02/1998" in table and REFERENCE_SUMMARY in table
    assert "Hết hiệu lực một phần" in table


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("loai=cong-van", ["77/UBND-VX"]),
        ("co-quan=bo-chinh-tri", ["30-CT/TW"]),
        ("linh-vuc=giao-duc", ["77/UBND-VX", "30-CT/TW"]),
        ("nam=1998", ["30-CT/TW"]),
        (
            "linh-vuc=y-te&nam=2024",
            [f"{100 + n}/QĐ-UBND" for n in (23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1)][:12],
        ),
    ],
)
def test_filters_narrow_the_list(site, query, expected):
    app, _docs = site
    assert rows(get(app, f"/van-ban?{query}").get_data(as_text=True)) == expected


def test_the_filter_form_works_without_javascript_and_keeps_the_choices(site):
    app, _docs = site
    html = get(app, "/van-ban?loai=cong-van&nam=2025").get_data(as_text=True)
    form = html[html.index('<form class="documents-filters"') : html.index("</form>")]
    assert 'method="get"' in form and 'action="/van-ban"' in form
    for name in ("q", "loai", "co-quan", "linh-vuc", "nam"):
        field_id = re.search(rf'name="{name}"', form)
        assert field_id, name
    assert '<option value="cong-van" selected>' in form
    assert '<option value="2025" selected>' in form
    assert '<option value="1998">' in form  # years come from published documents
    assert len(re.findall(r"<label for=", form)) == 5


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("loai=khong-co", "Không có loại văn bản đã chọn"),
        ("co-quan=%3Cscript%3E", "Không có cơ quan ban hành đã chọn"),
        ("linh-vuc=x", "Không có lĩnh vực đã chọn"),
        ("nam=abc", "Năm ban hành không hợp lệ"),
        ("trang=-3", "Số trang không hợp lệ"),
        ("trang=99", "Danh sách chỉ có 2 trang"),
        ("q=%2F%2F%2F", "Từ khóa chỉ có dấu câu"),
    ],
)
def test_bad_filter_values_give_the_normal_page_with_a_note(site, query, note):
    app, _docs = site
    html = get(app, f"/van-ban?{query}").get_data(as_text=True)
    assert note in notes(html)
    assert "<script>" not in html.split("<main", 1)[1]


def test_a_bad_filter_is_ignored_and_the_others_apply(site):
    app, _docs = site
    html = get(app, "/van-ban?loai=khong-co&co-quan=bo-chinh-tri").get_data(as_text=True)
    assert rows(html) == ["30-CT/TW"]


def test_the_document_page_shows_every_field_files_and_related(site):
    app, docs = site
    response = get(app, f"/van-ban/{docs['reference']}-chi-thi-30-ct-tw")
    html = response.get_data(as_text=True)
    main = html.split("<main", 1)[1]
    assert '<h1 class="page-title">Chỉ thị 30-CT/TW</h1>' in main
    fields = dict(
        (unescape(re.sub("<[^>]+>", "", dt)), unescape(re.sub("<[^>]+>", "", dd)).strip())
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", main, re.S)
    )
    assert fields == {
        "Số, ký hiệu": "30-CT/TW",
        "Loại văn bản": "Chỉ thị",
        "Cơ quan ban hành": "Bộ Chính trị",
        "Người ký": "Đào Duy Tùng",
        "Lĩnh vực": "Giáo dục",
        "Ngày ban hành": "18/02/1998",
        "Ngày có hiệu lực": "18/02/1998",
        "Ngày hết hiệu lực": "—",
        "Tình trạng hiệu lực": "Hết hiệu lực một phần",
    }
    assert REFERENCE_SUMMARY in main
    assert re.search(r'href="/van-ban/tep/\d+/Ch%E1%BB%89%20th%E1%BB%8B%2030.pdf"', main)
    assert "(PDF, " in main
    assert f'href="/van-ban/{docs["letter"]}-cong-van-77-ubnd-vx"' in main  # related
    # The head: title, canonical URL and Open Graph of the document's own address.
    assert "<title>Chỉ thị 30-CT/TW" in html
    assert re.search(
        rf'<link rel="canonical" href="[^"]*/van-ban/{docs["reference"]}-chi-thi-30-ct-tw"', html
    )
    assert 'property="og:title" content="Chỉ thị 30-CT/TW"' in html
    assert f'content="{REFERENCE_SUMMARY}"' in html  # meta description


def test_other_slugs_redirect_to_the_canonical_address(site):
    app, docs = site
    for path in (f"/van-ban/{docs['reference']}", f"/van-ban/{docs['reference']}-sai-ten"):
        response = get(app, path, status=301)
        assert response.headers["Location"].endswith(
            f"/van-ban/{docs['reference']}-chi-thi-30-ct-tw"
        )


def test_unpublished_documents_are_not_found_for_readers_and_previewed_by_editors(site):
    app, docs = site
    for key in ("draft", "scheduled"):
        get(app, f"/van-ban/{docs[key]}", status=404)
    editor = signed_in_client(app, make_account(app, "editor"))
    response = editor.get(f"/van-ban/{docs['draft']}", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "chưa được công bố" in html and "Bản nháp chưa công bố" in html
    assert "no-store" in response.headers["Cache-Control"]
    get(app, "/van-ban/123456", status=404)


def test_a_file_is_downloaded_with_its_type_and_name(site):
    app, docs = site
    page = get(app, f"/van-ban/{docs['reference']}-chi-thi-30-ct-tw").get_data(as_text=True)
    href = unescape(re.search(r'href="(/van-ban/tep/[^"]+)"', page).group(1))
    response = get(app, href)
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment;")
        and "filename*=UTF-8''Ch%E1%BB%89%20th%E1%BB%8B%2030.pdf" in disposition
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"%PDF-1.4") and response.data.rstrip().endswith(b"%%EOF")
    get(app, "/van-ban/tep/987654/x.pdf", status=404)


def test_files_of_unpublished_documents_are_not_found(site, tmp_path):
    app, docs = site
    with app.app_context():
        from blocks.documents.models import Document, DocumentFile

        db.session.add(DocumentFile(document_id=docs["draft"], original_name="nhap.pdf",
                                    media_type="application/pdf", size=10, stored_key="ab/nhap.pdf"))  # fmt: skip
        db.session.commit()
        file_id = db.session.scalar(
            db.select(DocumentFile.id).where(DocumentFile.document_id == docs["draft"])
        )
        assert db.session.get(Document, docs["draft"]).state == "draft"
    get(app, f"/van-ban/tep/{file_id}/nhap.pdf", status=404)


def test_the_list_costs_a_fixed_number_of_queries(site):
    app, _docs = site
    client = app.test_client()
    client.get("/van-ban")  # warm the per-process caches (page tree, plugin settings)
    with count_queries(app) as first:
        assert client.get("/van-ban").status_code == 200
    with count_queries(app) as filtered:
        assert (
            client.get("/van-ban?loai=quyet-dinh&linh-vuc=y-te&nam=2024&trang=1").status_code == 200
        )
    # Years, the three vocabularies (which also give each row its type and issuer),
    # the count, the page of documents, and the page tree of the frame.
    assert len(first) == len(filtered) == 7, first
