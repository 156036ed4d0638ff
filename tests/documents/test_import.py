"""Bulk import: a report per row, nothing written when any row is bad; CSV, XLSX, JSON, CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from blocks.documents.importer import import_documents
from blocks.documents.models import Document, DocumentType, Issuer
from portal import db

from .conftest import client_for, csrf_of, user

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "documents-import.csv"
HEADER = "Loại,Số hiệu,Cơ quan ban hành,Ngày ban hành,Tình trạng,Trích yếu\n"


def documents(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
        return [(d.title, d.issued_on.isoformat(), d.state) for d in rows]


def test_a_file_with_one_bad_row_writes_nothing_and_says_why(docs_app, lists, accounts):
    text = HEADER + (
        "Chỉ thị,30-CT/TW,Tỉnh ủy,05/03/2024,,Về cải cách hành chính\n"
        "Chỉ thịt,31-CT/TW,Tỉnh ủy,05/03/2024,,Loại gõ sai\n"
        "Quyết định,12/QĐ-UBND,UBND tỉnh Bắc Kạn,31/02/2024,,Ngày không có thật\n"
        "Chỉ thị,30-ct/tw,Tỉnh ủy,06/03/2024,Còn hiệu lực,Trùng số với dòng 2\n"
        "quyet dinh,13/QĐ-UBND,ubnd tinh bac kan,2024-02-29,het hieu luc,Không dấu vẫn nhận\n"
    )  # fmt: skip
    client = client_for(docs_app, accounts.editor)
    token = csrf_of(client.get("/admin/van-ban/nhap").get_data(as_text=True))
    response = client.post(
        "/admin/van-ban/nhap",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "van-ban.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tệp van-ban.csv: 3/5 dòng có lỗi; chưa nhập văn bản nào." in html
    with docs_app.app_context():
        report = import_documents(text.encode(), "van-ban.csv", user(docs_app, accounts.editor))
    by_line = {row.line: row.errors for row in report.rows}
    assert by_line[2] == [] and by_line[6] == []
    assert by_line[3] == [
        "loại văn bản “Chỉ thịt” không có trong danh mục (thêm ở Danh mục văn bản, hoặc sửa "
        "cho đúng tên)"
    ]
    assert by_line[4] == ["ngày ban hành: “31/02/2024” không phải ngày có thật."]
    assert by_line[5] == ["số hiệu 30-CT/TW trùng với dòng 2 của tệp"]
    assert documents(docs_app) == []


def test_a_good_csv_is_imported_whole_as_drafts_or_published(docs_app, lists, accounts):
    text = SAMPLE.read_text(encoding="utf-8")
    with docs_app.app_context():
        db.session.add(DocumentType(name="Kế hoạch", slug="ke-hoach", position=3))
        db.session.commit()
        report = import_documents(text.encode(), SAMPLE.name, user(docs_app, accounts.editor),
                                  dry_run=True)  # fmt: skip
        assert report.ok and report.written == 0
    assert documents(docs_app) == []
    with docs_app.app_context():
        report = import_documents(text.encode(), SAMPLE.name, user(docs_app, accounts.editor),
                                  publish_all=True)  # fmt: skip
    assert report.summary() == "Đã nhập 3 văn bản từ tệp documents-import.csv."
    assert documents(docs_app) == [
        ("Chỉ thị 30-CT/TW", "2024-03-05", "published"),
        ("Quyết định 123/QĐ-UBND", "2024-01-22", "published"),
        ("Kế hoạch 45/KH-UBND", "2023-02-14", "published"),
    ]
    with docs_app.app_context():
        expired = db.session.scalar(sa.select(Document).where(Document.number == "45/KH-UBND"))
        assert (expired.status, expired.expires_on.isoformat()) == ("expired", "2023-12-31")
        # Imported again: every row is now a duplicate, and nothing more is written.
        again = import_documents(text.encode(), SAMPLE.name, user(docs_app, accounts.editor))
        assert len(again.bad_rows) == 3 and "đã có" in again.bad_rows[0].errors[0]
    assert len(documents(docs_app)) == 3


def test_xlsx_and_json_files_are_read_like_csv(docs_app, lists, accounts):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Loại", "Số hiệu", "Cơ quan ban hành", "Ngày ban hành", "Trích yếu"])
    sheet.append(["Chỉ thị", "30-CT/TW", "Tỉnh ủy", datetime.datetime(2024, 3, 5), "Từ Excel"])
    sheet.append(["Quyết định", 15, "Tỉnh ủy", "05/03/2024", "Số hiệu thiếu ký hiệu"])
    buffer = io.BytesIO()
    book.save(buffer)
    with docs_app.app_context():
        editor = user(docs_app, accounts.editor)
        report = import_documents(buffer.getvalue(), "van-ban.xlsx", editor)
        assert [(row.line, row.ok) for row in report.rows] == [(2, True), (3, False)]
        assert "Số hiệu “15” không đúng dạng" in report.rows[1].errors[0]
        rows = [{"loai": "Chỉ thị", "so_hieu": "30-CT/TW", "co_quan": "Tỉnh ủy",
                 "ngay_ban_hanh": "2024-03-05", "trich_yeu": "Từ JSON"}]  # fmt: skip
        report = import_documents(json.dumps(rows).encode(), "van-ban.json", editor)
        assert report.ok and report.written == 1
    assert documents(docs_app) == [("Chỉ thị 30-CT/TW", "2024-03-05", "draft")]


def test_the_command_reports_rows_and_fails_on_a_bad_file(docs_app, lists, accounts, tmp_path):
    path = tmp_path / "van-ban.csv"
    path.write_text(HEADER + "Chỉ thị,30-CT/TW,Sở Không Có,05/03/2024,,Cơ quan lạ\n", "utf-8")
    runner = docs_app.test_cli_runner()
    result = runner.invoke(args=["portal", "documents", "import", str(path), "--dry-run"])
    assert result.exit_code == 1
    assert "dòng 2: Chỉ thị 30-CT/TW — lỗi: cơ quan “Sở Không Có” không có trong danh mục" in (
        result.output
    )
    with docs_app.app_context():
        db.session.add(Issuer(name="Sở Không Có", slug="so-khong-co"))
        db.session.commit()
    result = runner.invoke(args=["portal", "documents", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 1 văn bản từ tệp van-ban.csv." in result.output
    assert documents(docs_app) == [("Chỉ thị 30-CT/TW", "2024-03-05", "draft")]


def test_a_row_refused_while_writing_undoes_the_rows_before_it(docs_app, lists, accounts):
    """A checked row can still be refused when written (here: an account that may not add
    documents; or a number taken meanwhile); the rows written before it are undone."""
    text = HEADER + (
        "Chỉ thị,30-CT/TW,Tỉnh ủy,05/03/2024,,Một\nChỉ thị,31-CT/TW,Tỉnh ủy,05/03/2024,,Hai\n"
    )
    with docs_app.app_context():
        nobody = SimpleNamespace(id=0, role="reader", name="Khách", email="k@example.org",
                                 is_authenticated=True)  # fmt: skip
        report = import_documents(text.encode(), "van-ban.csv", nobody)
    assert report.written == 0 and not report.ok
    assert report.rows[0].errors == ["Bạn không có quyền thêm văn bản."]
    assert documents(docs_app) == []
