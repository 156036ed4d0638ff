"""The documents admin: the form's messages, unique numbers, files checked by content,
the list's filters, the lists of types/issuers/fields, roles and CSRF."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from blocks.documents.models import Document, DocumentFile
from blocks.documents.validation import parse_date
from blocks.documents.workflow import InvalidDocument, save_document
from portal import db

from .conftest import (
    client_for,
    create_document,
    csrf_of,
    database_urls,
    documents_app,
    make_user,
    seed_lists,
    user,
    values,
)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HTML_AS_PDF = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def errors_of(html: str) -> dict[str, list[str]]:
    """Field id → its messages, as the form shows them."""
    found = re.findall(r'<ul class="errors" id="([^"]+)-errors">(.*?)</ul>', html, re.S)
    return {field: re.findall(r"<li>(.*?)</li>", items) for field, items in found}


def form_data(token: str, lists, **changes) -> dict:
    data = {
        "csrf_token": token,
        "type_id": str(lists.chi_thi),
        "number": "30-CT/TW",
        "issuer_id": str(lists.tinh_uy),
        "signer": "Nguyễn Văn A",
        "issued_on": "05/03/2024",
        "status": "in_force",
        "summary": "Về tăng cường công tác cải cách hành chính",
    }
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_dates_are_read_day_first_or_iso_and_impossible_ones_named():
    assert parse_date("05/03/2024").isoformat() == "2024-03-05"
    assert parse_date("5-3-2024").isoformat() == "2024-03-05"
    assert parse_date("2024-03-05").isoformat() == "2024-03-05"
    with pytest.raises(ValueError, match="“31/02/2024” không phải ngày có thật"):
        parse_date("31/02/2024")
    with pytest.raises(ValueError, match="ngày/tháng/năm"):
        parse_date("tháng ba")


def test_the_form_names_every_problem_and_keeps_what_was_typed(docs_app, lists, accounts):
    client = client_for(docs_app, accounts.editor)
    token = csrf_of(client.get("/admin/van-ban/moi").get_data(as_text=True))
    response = client.post(
        "/admin/van-ban/moi",
        data=form_data(
            token, lists, number="ba mươi", issued_on="31/02/2024", effective_on="01/01/2024",
            expires_on="", summary="", signer="Trần Thị Bình",
        ),
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = errors_of(html)
    assert errors["number"] == [
        "Số hiệu “BA MƯƠI” không đúng dạng: số thứ tự rồi ký hiệu, ví dụ 30-CT/TW hoặc 123/QĐ-UBND."
    ]
    assert errors["issued_on"] == ["“31/02/2024” không phải ngày có thật."]
    assert errors["summary"] == ["Hãy nhập trích yếu (nội dung tóm tắt) của văn bản."]
    assert 'value="Trần Thị Bình"' in html  # what was typed comes back
    response = client.post(
        "/admin/van-ban/moi",
        data=form_data(token, lists, issued_on="05/03/2024", effective_on="01/03/2024",
                       expires_on="04/03/2024"),
    )  # fmt: skip
    errors = errors_of(response.get_data(as_text=True))
    assert errors["effective_on"] == [
        "Ngày có hiệu lực (01/03/2024) không thể trước ngày ban hành (05/03/2024)."
    ]
    assert "expires_on" not in errors  # 04/03 is after 01/03: only the first rule is broken
    with docs_app.app_context():
        assert count(Document) == 0


@pytest.mark.parametrize("database_url", database_urls())
def test_a_number_is_unique_per_issuer_and_year(database_url, tmp_path):
    app = documents_app(tmp_path, database_url)
    lists = seed_lists(app)
    editor = make_user(app, "editor")
    first = create_document(app, lists, editor)
    # Same number: another issuer, or another year, is another document.
    create_document(app, lists, editor, issuer_id=lists.ubnd)
    create_document(app, lists, editor, issued_on=parse_date("02/01/2025"))
    with app.app_context():
        with pytest.raises(InvalidDocument) as refused:
            save_document(None, values(lists, number="30-ct/tw"), user(app, editor))
        assert refused.value.errors["number"] == (
            "Số hiệu 30-CT/TW của Tỉnh ủy năm 2024 đã có: Chỉ thị 30-CT/TW “Về tăng cường công "
            f"tác cải cách hành chính” (mã {first}, bản nháp). Hãy kiểm tra lại số hiệu hoặc "
            "sửa văn bản đã có."
        )
        assert count(Document) == 3
        # The database refuses it too (two saves at once both pass the check).
        row = db.session.get(Document, first)
        db.session.add(Document(**(values(lists).as_columns() | {"state": "draft"})))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert row.number == "30-CT/TW"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_files_are_checked_by_content_and_stored(docs_app, lists, accounts):
    client = client_for(docs_app, accounts.editor)
    token = csrf_of(client.get("/admin/van-ban/moi").get_data(as_text=True))
    data = form_data(token, lists)
    data["files"] = [(io.BytesIO(HTML_AS_PDF), "chi-thi-30.pdf")]
    response = client.post("/admin/van-ban/moi", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tệp HTML/XML không được đính kèm." in html
    assert 'value="Nguyễn Văn A"' in html
    storage = docs_app.instance_path + "/attachments/plugins/documents"
    with docs_app.app_context():
        assert count(Document) == 0
    data["files"] = [(io.BytesIO(PDF), "chi-thi-30.pdf"), (io.BytesIO(PDF), "phu-luc.pdf")]
    response = client.post("/admin/van-ban/moi", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with docs_app.app_context():
        files = db.session.scalars(sa.select(DocumentFile).order_by(DocumentFile.position)).all()
        assert [(f.original_name, f.media_type, f.size) for f in files] == [
            ("chi-thi-30.pdf", "application/pdf", len(PDF)),
            ("phu-luc.pdf", "application/pdf", len(PDF)),
        ]
        first, second = files[0].id, files[1].id
        document_id = files[0].document_id
        stored = f"{storage}/{files[1].stored_key}"
    download = client.get(f"/admin/van-ban/tep/{first}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    # Reorder (the second first) and remove the first.
    page = client.get(f"/admin/van-ban/{document_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = form_data(token, lists, version=version, file_id=[str(first), str(second)],
                     **{f"file_position_{first}": "2", f"file_position_{second}": "1"})  # fmt: skip
    assert client.post(f"/admin/van-ban/{document_id}", data=data).status_code == 302
    with docs_app.app_context():
        names = [f.original_name for f in db.session.get(Document, document_id).files]
        assert names == ["phu-luc.pdf", "chi-thi-30.pdf"]
        version = str(db.session.get(Document, document_id).version)
    data = form_data(token, lists, version=version, remove_file=str(second))
    assert client.post(f"/admin/van-ban/{document_id}", data=data).status_code == 302
    with docs_app.app_context():
        assert [f.id for f in db.session.get(Document, document_id).files] == [first]
    import os

    assert not os.path.exists(stored)  # the removed file is gone once the save is committed


def test_the_list_filters_and_finds_without_accents(docs_app, lists, accounts):
    create_document(docs_app, lists, accounts.editor)
    create_document(docs_app, lists, accounts.editor, type_id=lists.quyet_dinh,
                    number="123/QĐ-UBND", issuer_id=lists.ubnd,
                    summary="Phê duyệt quy hoạch giáo dục", field_id=lists.giao_duc)  # fmt: skip
    client = client_for(docs_app, accounts.editor)

    def titles(query: str) -> list[str]:
        html = client.get(f"/admin/van-ban/?{query}").get_data(as_text=True)
        return re.findall(r'<th scope="row" class="nowrap"><a [^>]+>([^<]+)</a>', html)

    assert titles("") == ["Chỉ thị 30-CT/TW", "Quyết định 123/QĐ-UBND"] or sorted(titles("")) == [
        "Chỉ thị 30-CT/TW",
        "Quyết định 123/QĐ-UBND",
    ]
    assert titles("q=quy+hoach+giao+duc") == ["Quyết định 123/QĐ-UBND"]
    assert titles("q=30-CT%2FTW") == ["Chỉ thị 30-CT/TW"]
    assert titles(f"co-quan={lists.tinh_uy}") == ["Chỉ thị 30-CT/TW"]
    assert titles(f"linh-vuc={lists.giao_duc}&nam=2024") == ["Quyết định 123/QĐ-UBND"]
    assert titles("trang-thai=published") == []


def test_a_list_entry_in_use_cannot_be_deleted(docs_app, lists, accounts):
    create_document(docs_app, lists, accounts.editor)
    client = client_for(docs_app, accounts.admin)
    token = csrf_of(client.get("/admin/van-ban/danh-muc").get_data(as_text=True))

    def post(**data):
        return client.post("/admin/van-ban/danh-muc", data={"csrf_token": token, **data})

    response = post(list="loai", entry=str(lists.chi_thi), action="delete")
    assert response.status_code == 422
    assert "Không xóa được loại văn bản “Chỉ thị”: 1 văn bản đang dùng." in response.get_data(
        as_text=True
    )
    assert post(list="loai", action="add", name="Hướng dẫn").status_code == 302
    response = post(list="loai", action="add", name="hướng  dẫn")
    assert "Đã có loại văn bản “Hướng dẫn” trong danh mục." in response.get_data(as_text=True)
    assert post(list="loai", entry=str(lists.quyet_dinh), action="rename",
                name="Quyết định (QĐ)").status_code == 302  # fmt: skip
    assert post(list="loai", entry=str(lists.quyet_dinh), action="up").status_code == 302
    assert post(list="loai", entry=str(lists.quyet_dinh), action="delete").status_code == 302
    page = client.get("/admin/van-ban/danh-muc").get_data(as_text=True)
    names = re.findall(r'id="name-loai-\d+" name="name" value="([^"]+)"', page)
    assert names == ["Chỉ thị", "Hướng dẫn"]


def test_roles_and_csrf_guard_the_screens(docs_app, lists, accounts):
    document_id = create_document(docs_app, lists, accounts.editor)
    author = client_for(docs_app, accounts.author)
    assert author.get("/admin/van-ban/danh-muc").status_code == 403
    assert author.get("/admin/van-ban/nhap").status_code == 403
    assert author.get(f"/admin/van-ban/{document_id}").status_code == 404  # not theirs
    assert docs_app.test_client().get("/admin/van-ban/").status_code == 302  # sign in first
    editor = client_for(docs_app, accounts.editor)
    assert editor.get("/admin/van-ban/danh-muc").status_code == 403
    response = editor.post(f"/admin/van-ban/{document_id}/xuat-ban", data={})
    assert response.status_code == 400  # no CSRF token
    with docs_app.app_context():
        assert db.session.get(Document, document_id).state == "draft"


def token_signed_ago(app, client, seconds: int) -> str:
    """A CSRF token for this client's session as Flask-WTF would have made it ``seconds`` ago."""
    import time

    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    assert client.get("/admin/van-ban/").status_code == 200  # the session gets its raw token
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    then = int(time.time()) - seconds

    class SignedThen(TimestampSigner):
        def get_timestamp(self) -> int:
            return then

    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=SignedThen).dumps(raw)


def test_an_expired_form_comes_back_as_typed_and_saves_nothing(docs_app, lists, accounts):
    client = client_for(docs_app, accounts.editor)
    old = token_signed_ago(docs_app, client, 9 * 3600)
    typed = form_data(old, lists, summary="Trích yếu gõ suốt buổi sáng")
    response = client.post("/admin/van-ban/moi", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "phiên làm việc hết hạn; chưa có gì được lưu" in html
    assert "Trích yếu gõ suốt buổi sáng</textarea>" in html
    with docs_app.app_context():
        assert count(Document) == 0
    fresh = csrf_of(html)
    assert fresh != old
    assert client.post("/admin/van-ban/moi", data=typed | {"csrf_token": fresh}).status_code == 302
    # Other forms of the screen get the admin's own 400 page, in Vietnamese.
    response = client.post("/admin/van-ban/1/xuat-ban", data={"csrf_token": old})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ" in response.get_data(as_text=True)


def test_a_file_over_the_size_limit_or_of_another_kind_is_refused(docs_app):
    from portal import UploadError, store_plugin_file

    with docs_app.test_request_context():
        with pytest.raises(UploadError, match="quá lớn: tối đa 10 B"):
            store_plugin_file("documents", io.BytesIO(PDF), "lon.pdf", max_bytes=10)
        with pytest.raises(UploadError, match="có đuôi .docx nhưng nội dung là tài liệu PDF"):
            store_plugin_file("documents", io.BytesIO(PDF), "quyet-dinh.docx")
        with pytest.raises(UploadError, match="ở đây chỉ nhận DOC, DOCX"):
            store_plugin_file("documents", io.BytesIO(PDF), "a.pdf", kinds=("doc", "docx"))
        db.session.rollback()
    import os

    folder = docs_app.instance_path + "/attachments/plugins/documents"
    assert not os.path.exists(folder) or not any(os.scandir(folder))
